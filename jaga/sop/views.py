"""The SOP pages of the web UI: the agency's current SOPs, one SOP's SOP AP document (the
identity block and the flowchart, the same partials the PDF prints), and its PDF.

Any signed-in user of the agency may read them, OPD users included: an SOP is a published
service standard. Another agency's SOP does not exist here (404); a user without an agency
(a platform administrator) has no SOPs to read (403).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from jaga.org.models import User
from jaga.sop.document import build_document, render_document_pdf
from jaga.sop.models import SopDefinition


def _agency_id(request: HttpRequest) -> int:
    """The signed-in user's agency; 403 for users of no agency."""
    user = request.user
    if not isinstance(user, User) or user.agency_id is None:
        raise PermissionDenied(_("SOPs belong to an agency; this account has none."))
    return user.agency_id


def _current(request: HttpRequest, code: str) -> SopDefinition:
    """The current version of the user's agency's SOP ``code``; 404 if it has none."""
    return get_object_or_404(
        SopDefinition.objects.select_related("agency"),
        agency_id=_agency_id(request),
        code=code,
        is_current=True,
    )


@login_required
@require_safe
def sop_list(request: HttpRequest) -> HttpResponse:
    """The current version of each of the agency's SOPs."""
    definitions = SopDefinition.objects.filter(
        agency_id=_agency_id(request), is_current=True
    ).order_by("name", "code")
    rows = [(definition, len(definition.spec.steps)) for definition in definitions]
    return render(request, "sop/list.html", {"rows": rows})


@login_required
@require_safe
def sop_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One SOP as its SOP AP document, with a link to the PDF."""
    definition = _current(request, code)
    document = build_document(definition.spec, definition.agency)
    return render(request, "sop/detail.html", {"definition": definition, "doc": document})


@login_required
@require_safe
def sop_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The SOP AP document as a PDF download (``sop-<code>-v<version>.pdf``)."""
    definition = _current(request, code)
    pdf = render_document_pdf(definition.spec, definition.agency)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"sop-{definition.code}-v{definition.version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
