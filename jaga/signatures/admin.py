"""TTE in the admin ("Klien TTE"): the agency's esign-client and its signers' NIKs are
configuration, audited like the other configuration rows (``jaga.audit.changes``; the
service password is left out of the events); signature attempts are read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from jaga.signatures.models import EsignClient, Signature, Signer
from jaga.tenancy.admin import (
    AgencyBoundForm,
    AgencyScopedAdmin,
    AuditedAgencyScopedAdmin,
    ReadOnlyAdminMixin,
)


class EsignClientForm(AgencyBoundForm):
    """The service password is never shown back; left empty, the stored one stays. An
    esign-client usually sits on the agency's intranet, often without TLS: a base URL typed
    without a scheme is taken as http:// (give https:// when it has a certificate)."""

    base_url = forms.URLField(label=_("base URL"), max_length=200, assume_scheme="http")

    password = forms.CharField(
        label=_("service password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the stored password."),
    )

    class Meta:
        model = EsignClient
        fields = "__all__"

    def clean_password(self) -> str:
        value: str = self.cleaned_data.get("password") or ""
        if not value and self.instance.pk is not None:
            return str(self.instance.password)
        return value


@admin.register(EsignClient)
class EsignClientAdmin(AuditedAgencyScopedAdmin):
    form = EsignClientForm
    list_display = ("name", "base_url", "api_version", "is_active", "agency")
    list_filter = ("api_version", "is_active", "agency")
    fields = (
        "name",
        "base_url",
        "api_version",
        "username",
        "password",
        "seal_id_subscriber",
        "timeout_seconds",
        "is_active",
    )


@admin.register(Signer)
class SignerAdmin(AuditedAgencyScopedAdmin):
    list_display = ("user", "nik", "agency")
    list_filter = ("agency",)
    search_fields = ("user__username", "nik")
    fields = ("user", "nik")


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdminMixin, AgencyScopedAdmin):
    list_display = ("document", "kind", "signer", "status", "started_at", "finished_at", "agency")
    list_filter = ("status", "kind", "api_version", "agency")
    list_select_related = ("document", "signer")
    readonly_fields = (
        "document",
        "kind",
        "signer",
        "nik",
        "client",
        "api_version",
        "status",
        "error_code",
        "error",
        "started_at",
        "finished_at",
        "signed_sha256",
        "signer_name",
        "signer_serial",
        "issuer",
        "signing_time",
        "reconciled_by",
        "reconciled_at",
    )
    exclude = ("agency", "signed_pdf")

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("document", "signer")
