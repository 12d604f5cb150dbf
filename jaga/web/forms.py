"""Login forms of the site and of the admin: a user of an inactive agency is told why the
login is refused (issue 13 point 4)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from jaga.org.backends import INACTIVE_AGENCY_FLAG

INACTIVE_AGENCY_MESSAGE = _(
    "Your agency is inactive in Jaga, so its users cannot log in. Ask Jaga's administrator "
    "if this is a mistake."
)


class _InactiveAgencyMessage(AuthenticationForm):
    """Replaces the "wrong username or password" error with ``INACTIVE_AGENCY_MESSAGE`` when
    the password was right but the agency is inactive (the backend flagged the request);
    a wrong password still gets the usual message, so nothing is revealed without it."""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            if self.request is not None and getattr(self.request, INACTIVE_AGENCY_FLAG, False):
                raise forms.ValidationError(
                    INACTIVE_AGENCY_MESSAGE, code="inactive_agency"
                ) from None
            raise


class LoginForm(_InactiveAgencyMessage):
    """The login form of ``/login/`` (username or NIP, and password)."""


class AdminLoginForm(_InactiveAgencyMessage, AdminAuthenticationForm):
    """The login form of ``/admin/login/``."""
