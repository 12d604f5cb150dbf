from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "jaga.tenancy"
    label = "tenancy"
    verbose_name = _("Agencies and working calendar")

    def ready(self) -> None:
        from jaga.tenancy import signals  # noqa: F401 - connects the receivers
