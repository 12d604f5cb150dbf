from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "jaga.incidents"
    label = "incidents"
    verbose_name = _("Disruption reports")

    def ready(self) -> None:
        # Sets Pillow's decompression-bomb guard for the whole process (issue 13 point 6).
        from jaga.incidents import images  # noqa: F401
