"""TTE pages: the signing form (the signer types the passphrase or TOTP; the call runs in
this request, never queued), the signed version's download, and the reconciliation of an
unknown outcome (issue 18 point 6; docs/signatures.md).

The secret is read from the POST once, wrapped in ``client.Secret`` and handed to
``services.sign_document``; ``sensitive_post_parameters`` and ``sensitive_variables`` keep
it out of Django's error reports, and no message, log line, audit event or session value
names it."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from jaga.documents.models import Document
from jaga.documents.services import ArchiveMissing
from jaga.documents.views import archive_missing, documents_for, filename
from jaga.org.models import User
from jaga.signatures import services
from jaga.signatures.client import Secret
from jaga.signatures.forms import ReconcileForm, SignForm
from jaga.signatures.models import (
    ApiVersion,
    EsignClient,
    Signature,
    SignatureKind,
    SignatureStatus,
)

logger = logging.getLogger(__name__)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def visible_documents(user: User) -> QuerySet[Document]:
    """The documents ``user`` may see: those of the cases they see
    (``jaga.documents.views.documents_for``) and their agency's reports (no case)."""
    reports = Document.objects.filter(case__isnull=True)
    if not user.is_superuser:
        reports = reports.filter(agency_id=user.agency_id or 0)
    return Document.objects.filter(
        Q(pk__in=documents_for(user).values("pk")) | Q(pk__in=reports.values("pk"))
    ).select_related("agency")


def back_url(document: Document) -> str:
    """Where a signing returns to: the case page, or a report's verification page."""
    if document.case_id is not None:
        return reverse("workflow:case", args=[document.case_id])
    return reverse("verify", args=[document.token])


def methods_for(document: Document, client: EsignClient) -> frozenset[str]:
    """What authorises the signing: the e-seal a TOTP; API v1 a passphrase; API v2 either."""
    if services.kind_for(document) == SignatureKind.SEAL:
        return frozenset({"totp"})
    if client.api_version == ApiVersion.V1:
        return frozenset({"passphrase"})
    return frozenset({"passphrase", "totp"})


def _report(request: HttpRequest, signature: Signature) -> None:
    if signature.status == SignatureStatus.SIGNED:
        messages.success(
            request,
            _("%(title)s %(number)s is signed electronically.")
            % {"title": signature.document.title, "number": signature.document.number},
        )
    elif signature.status == SignatureStatus.UNKNOWN:
        messages.warning(request, signature.error)
    # A failed attempt's message is shown by the signing page it returns to.


@sensitive_variables("secret", "form")
@sensitive_post_parameters("passphrase", "totp")
@login_required
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the signing form; POST: sign now (synchronously; never retried)."""
    user = _user(request)
    document = get_object_or_404(visible_documents(user), pk=pk)
    client = services.active_client(document.agency_id)
    if client is None or not services.may_sign(user, document, client):
        raise PermissionDenied(_("You may not sign this document electronically."))
    signed = services.signed_signature(document)
    pending = (
        Signature.objects.filter(
            document=document, status__in=[SignatureStatus.UNKNOWN, SignatureStatus.PENDING]
        )
        .select_related("client")
        .first()
    )
    methods = methods_for(document, client)
    form = SignForm(request.POST or None, methods=methods)
    if request.method == "POST" and signed is None and pending is None and form.is_valid():
        name = "totp" if form.cleaned_data.get("totp") else "passphrase"
        secret = Secret(form.cleaned_data[name])
        try:
            signature = services.sign_document(
                document,
                user,
                passphrase=secret if name == "passphrase" else None,
                totp=secret if name == "totp" else None,
            )
        except services.SigningRefused as exc:
            messages.error(request, str(exc))
        except ArchiveMissing as exc:
            return archive_missing(request, document, exc)
        else:
            _report(request, signature)
            if signature.status == SignatureStatus.FAILED:
                return redirect("signatures:sign", pk=document.pk)
        finally:
            secret = Secret("")
            form = SignForm(methods=methods)
        return redirect(back_url(document))
    context = {
        "document": document,
        "client": client,
        "form": form,
        "signed": signed,
        "pending": pending,
        "kind": services.kind_for(document),
        "back": back_url(document),
        "certificate": (
            services.certificate_status(user, client)
            if request.method == "GET"
            and services.kind_for(document) == SignatureKind.PERSONAL
            and signed is None
            and pending is None
            else None
        ),
        "last_failed": Signature.objects.filter(
            document=document, status=SignatureStatus.FAILED
        ).first(),
    }
    return render(request, "signatures/sign.html", context)


@login_required
def download(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed version of a document the user may see (404 without one; 410 when its
    archived file is missing)."""
    document = get_object_or_404(visible_documents(_user(request)), pk=pk)
    signature = services.signed_signature(document)
    if signature is None:
        raise Http404(_("This document has no signed version."))
    try:
        data = services.signed_bytes(signature)
    except FileNotFoundError:
        return archive_missing(
            request,
            document,
            ArchiveMissing(f"the signed PDF {signature.signed_pdf.name} is missing"),
        )
    response = HttpResponse(data, content_type="application/pdf")
    name = filename(document).removesuffix(".pdf") + "-ttd.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def reconcile_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An open attempt's reconciliation ("Cocokkan"): the signer or an administrator of its
    agency gives the signed file the esign-client kept, or declares it not signed."""
    user = _user(request)
    signatures = Signature.objects.select_related("document__agency", "client", "signer")
    if not user.is_superuser:
        signatures = signatures.filter(agency_id=user.agency_id or 0)
    signature = get_object_or_404(signatures, pk=pk)
    if not services.may_reconcile(user, signature):
        raise PermissionDenied(_("You may not reconcile this signature."))
    form = ReconcileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            settled = services.reconcile(signature, user, form.cleaned_data.get("signed_file"))
        except services.ReconcileRefused as exc:
            form.add_error(None, str(exc))
        else:
            if settled.status == SignatureStatus.SIGNED:
                messages.success(request, _("Reconciled: the document is signed."))
            else:
                messages.info(
                    request, _("Reconciled: not signed. The document may be signed again.")
                )
            return redirect(back_url(signature.document))
    context = {
        "signature": signature,
        "document": signature.document,
        "form": form,
        "open": services.is_open(signature),
        "back": back_url(signature.document),
    }
    return render(request, "signatures/reconcile.html", context)
