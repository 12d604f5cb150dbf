from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "jaga.documents"
    label = "documents"
    verbose_name = _("Official documents")

    def ready(self) -> None:
        """A completed step issues its document (architecture.md, "Step effects"); an
        acknowledgment's card shows the document it is about (``panels``), a reviewing step's
        card the report it reviews (``review``)."""
        from jaga.documents.panels import acknowledge_panel
        from jaga.documents.receivers import issue_step_document
        from jaga.documents.review import review_panel
        from jaga.workflow.events import step_completed
        from jaga.workflow.panels import register_case_panel

        step_completed.connect(issue_step_document, dispatch_uid="documents.issue_step_document")
        register_case_panel(acknowledge_panel)
        register_case_panel(review_panel)
