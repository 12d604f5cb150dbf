"""The organisation pages (issue 17 point 5; docs/organisation.md): the import of the
organisation workbook, its empty template, and the setup checklist of a new agency.

Only the agency's administrator (``User.is_agency_admin``) uses them; anyone else signed in
gets 403, a platform administrator too (they belong to no agency). The import runs in the
request: every row of every sheet is checked, then all are written or none, and the page
shows the rows created and updated per sheet or every bad cell.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from jaga.org.importing import OrgImportResult, import_organisation
from jaga.org.models import User
from jaga.org.orgsheets import MAX_ROWS, SHEETS, BadWorkbook, template
from jaga.org.setup import checklist
from jaga.tenancy.models import Agency

#: The largest workbook the page takes (5 MB: 5,000 rows per sheet fit in well under 2 MB).
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: Bad cells shown on the page; the command lists all of them.
ERRORS_SHOWN = 1000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _admin(request: HttpRequest) -> tuple[User, Agency]:
    """The agency's administrator and their agency; 403 for anyone else."""
    user = request.user
    if not isinstance(user, User) or not user.is_agency_admin or user.agency is None:
        raise PermissionDenied(_("Only the agency's administrator sets up its organisation."))
    return user, user.agency


class OrgImportForm(forms.Form):
    """The organisation workbook: an ``.xlsx`` file of at most ``MAX_UPLOAD_BYTES``."""

    file = forms.FileField(
        label=gettext_lazy("Organisation workbook"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "XLSX with the template's sheets, at most %(size)s and %(rows)s rows per sheet."
        ) % {"size": filesizeformat(MAX_UPLOAD_BYTES), "rows": f"{MAX_ROWS:,}"}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() != ".xlsx":
            raise forms.ValidationError(
                _("Upload an .xlsx workbook, not %(name)s."),
                code="extension",
                params={"name": upload.name},
            )
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the import takes at most %(limit)s."),
                code="size",
                params={
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(MAX_UPLOAD_BYTES),
                },
            )
        return upload


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """GET: the upload form and how the workbook works. POST: import the workbook into the
    administrator's agency and show the rows created and updated per sheet, or every bad
    cell (then nothing was written); a file that is not the workbook is an error of the
    form."""
    user, agency = _admin(request)
    result: OrgImportResult | None = None
    if request.method == "POST":
        form = OrgImportForm(request.POST, request.FILES)
        if form.is_valid():
            content = form.cleaned_data["file"].read()
            try:
                result = import_organisation(agency, user, content)
            except BadWorkbook as exc:
                form.add_error("file", str(exc))
        if result is not None and result.ok:
            form = OrgImportForm()
    else:
        form = OrgImportForm()
    errors = result.errors if result is not None else []
    context = {
        "agency": agency,
        "form": form,
        "result": result,
        "errors": errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
        "bad_rows": len({(error.sheet, error.line) for error in errors}),
        "sheets": [
            (name, [column.header for column in columns]) for name, columns in SHEETS.items()
        ],
        "max_rows": MAX_ROWS,
    }
    return render(request, "org/import.html", context)


@login_required
@require_safe
def template_download(request: HttpRequest) -> HttpResponse:
    """The empty organisation workbook (``orgsheets.template``) as a download."""
    _admin(request)
    response = HttpResponse(template(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="organisasi.xlsx"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_safe
def setup_page(request: HttpRequest) -> HttpResponse:
    """The setup checklist of the administrator's agency (``jaga.org.setup.checklist``)."""
    _user, agency = _admin(request)
    items = checklist(agency)
    context = {
        "agency": agency,
        "items": items,
        "missing": sum(1 for item in items if not item.done),
    }
    return render(request, "org/setup.html", context)
