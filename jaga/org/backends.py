"""Log in with the username or with the NIP (issue 4: "Login (username, or NIP)"), throttled
by django-axes (issue 13 point 3) and refused to the users of an inactive agency (issue 13
point 4)."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from jaga.org.models import Employee, User
from jaga.org.nip import NIP_LENGTH, normalize_nip

#: Set to True on the request by ``UsernameOrNipBackend`` when the password was right but the
#: user's agency is inactive, so that the login form can say why (``jaga.web.forms``).
INACTIVE_AGENCY_FLAG = "jaga_inactive_agency"


def user_for_nip(login: str) -> User | None:
    """The user of the one active employee whose NIP is ``login`` (18 digits, grouped or
    not), or None: for a login that is not a NIP, an unknown NIP, or a NIP that several
    agencies' employees share (possible only in test data)."""
    digits = normalize_nip(login)
    if len(digits) != NIP_LENGTH or not digits.isdigit():
        return None
    matches = list(
        Employee.objects.filter(nip=digits, is_active=True, user__isnull=False).select_related(
            "user"
        )[:2]
    )
    if len(matches) == 1 and matches[0].user is not None:
        return matches[0].user
    return None


class LoginThrottleBackend(AxesStandaloneBackend):  # type: ignore[misc]
    """django-axes' lockout check, first in ``AUTHENTICATION_BACKENDS``: a login from a
    locked-out username (a NIP counts as its user's username) or address is refused before
    any password is checked (issue 13 point 3).

    A call without a request (Django's test client ``login()``, a script calling
    ``authenticate()`` directly) has no address to throttle and is not throttled; every
    login over HTTP (``/login/``, ``/admin/login/``) passes its request."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        super().authenticate(request, username=username, password=password, **kwargs)
        return None


class UsernameOrNipBackend(ModelBackend):
    """Django's model backend, plus: a login that is an 18-digit NIP (grouped or not) finds
    the active employee's user (``user_for_nip``); the username still works. A user of an
    inactive agency (``Agency.is_active`` False) is refused like a wrong password, and the
    request is flagged (``INACTIVE_AGENCY_FLAG``) so the login form can say why."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is not None:
            nip_user = user_for_nip(username)
            if nip_user is not None:
                username = nip_user.get_username()
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if not isinstance(user, User):
            return None
        if not agency_is_active(user):
            if request is not None:
                setattr(request, INACTIVE_AGENCY_FLAG, True)
            return None
        return user


def agency_is_active(user: User) -> bool:
    """False when ``user`` belongs to an agency whose ``is_active`` is off (issue 13 point
    4); True for an active agency's user and for a platform administrator (no agency)."""
    agency = user.agency
    return agency is None or agency.is_active
