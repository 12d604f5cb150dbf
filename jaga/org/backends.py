"""Log in with the username or with the NIP (issue 4: "Login (username, or NIP)")."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from jaga.org.models import Employee, User
from jaga.org.nip import NIP_LENGTH, normalize_nip


class UsernameOrNipBackend(ModelBackend):
    """Django's model backend, plus: a login that is an 18-digit NIP (grouped or not) finds
    the active employee's user. A NIP that several agencies' employees share (possible
    only in test data) logs nobody in; the username still works."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is not None:
            digits = normalize_nip(username)
            if len(digits) == NIP_LENGTH and digits.isdigit():
                matches = list(
                    Employee.objects.filter(
                        nip=digits, is_active=True, user__isnull=False
                    ).select_related("user")[:2]
                )
                if len(matches) == 1 and matches[0].user is not None:
                    username = matches[0].user.get_username()
        user = super().authenticate(request, username=username, password=password, **kwargs)
        return user if isinstance(user, User) else None
