from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    """The agency's service catalogue (katalog layanan, issue 17 points 1-2): the services
    its SOPs provide, the request page, and the help desk's intake of requests received
    by phone, WhatsApp, letter or at the desk."""

    name = "jaga.catalogue"
    label = "catalogue"
    verbose_name = _("Service catalogue")

    def ready(self) -> None:
        """Subscribe to ``jaga.sop.events.definition_loaded``: loading an SOP that starts by
        request registers its service (never repointing an existing one)."""
        from jaga.catalogue import receivers
        from jaga.sop import events

        events.definition_loaded.connect(
            receivers.on_definition_loaded, dispatch_uid="catalogue.loaded"
        )
