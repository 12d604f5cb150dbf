from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignaturesConfig(AppConfig):
    """Electronic signatures (TTE) and the agency's e-seal through BSrE's esign-client
    (issue 18 point 6; docs/signatures.md)."""

    name = "jaga.signatures"
    label = "signatures"
    verbose_name = _("Electronic signatures")
