"""BSrE's esign-client service, API v1 and v2, over httpx (issue 18 point 6;
docs/signatures.md has the request and answer shapes).

Rules (docs/domain.md, "Tata naskah dinas and electronic signatures"):

- The passphrase or TOTP is an argument of one call and lives only in that call's request
  body: it is never logged (httpx logs the method, URL and status, never bodies), never put
  in an exception's text and never retried.
- No automatic retry of anything.
- A signing call whose request was (or may have been) sent and then timed out or lost its
  connection raises ``OutcomeUnknown``: the service may have signed. A call that never
  reached the service (connection refused, name not resolved, connect timeout) raises
  ``NotSent``. An answer with an error raises ``ServiceError`` with BSrE's
  ``status_code`` (e.g. 2031: wrong passphrase).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from jaga.documents.pdf import SIGNATURE_TAG

#: BSrE's ``status_code`` for a wrong passphrase (both API versions).
WRONG_PASSPHRASE = "2031"
#: BSrE's ``status_code`` for a NIK without a registered user.
USER_NOT_REGISTERED = "2011"


class Secret:
    """The signer's passphrase or TOTP, wrapped so that ``repr``/``str`` (tracebacks,
    debug pages, logs of locals) never show it; ``reveal()`` gives it to the request
    body only."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


class EsignFailure(Exception):
    """Base of the errors of a call to the esign-client."""


class NotSent(EsignFailure):
    """The request never reached the service (connection refused, unknown host, connect
    or pool timeout): nothing was signed."""


class OutcomeUnknown(EsignFailure):
    """The request was sent (or may have been) and no answer came (read or write timeout,
    connection lost): the service may have signed; reconcile through verify."""


class ServiceError(EsignFailure):
    """The service answered with an error: ``code`` is BSrE's ``status_code`` as text
    (``"2031"`` wrong passphrase, ``"2011"`` user not registered) or the HTTP status,
    ``message`` the service's ``error`` text, ``http_status`` the HTTP status."""

    def __init__(self, code: str, message: str, http_status: int) -> None:
        super().__init__(f"esign-client error {code} (HTTP {http_status}): {message}")
        self.code = code
        self.message = message
        self.http_status = http_status


@dataclass(frozen=True)
class Placement:
    """Where and how the visible signature is drawn: at the text ``tag`` printed in the
    document's signature block (``jaga.documents.pdf.SIGNATURE_TAG``), ``width`` x
    ``height`` PDF points (default 120 x 42: inside the block's 16 mm space), with an optional
    PNG specimen (``image_png``), else the service draws its own QR code linking to
    ``link_qr``; ``reason`` and ``location`` go into the signature dictionary."""

    tag: str = SIGNATURE_TAG
    width: int = 120
    height: int = 42
    image_png: bytes | None = None
    link_qr: str = ""
    reason: str = ""
    location: str = ""


@dataclass(frozen=True)
class UserStatus:
    """The esign-client's answer about a NIK: ``ok`` when the certificate is issued and
    usable (v1 ``status_code`` 1111, v2 ``status`` ``ISSUE``), ``status`` the service's
    code and ``message`` its text."""

    ok: bool
    status: str
    message: str


@dataclass(frozen=True)
class VerifyReport:
    """The esign-client's verification of a signed PDF: ``valid`` when its summary is
    ``VALID``; ``summary`` as given; ``signers`` the names it lists; ``raw`` the answer."""

    valid: bool
    summary: str
    signers: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


def _error_of(response: httpx.Response) -> ServiceError:
    code = str(response.status_code)
    message = response.reason_phrase or "error"
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        body = None
    if isinstance(body, dict):
        code = str(body.get("status_code") or code)
        message = str(body.get("error") or body.get("message") or message)
    return ServiceError(code, message[:500], response.status_code)


class _Base:
    """Shared transport: one httpx client per call (no keep-alive between signings), Basic
    auth with the service account, the agency's timeout on every phase."""

    def __init__(
        self,
        base_url: str,
        username: str = "",
        password: str = "",
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = httpx.BasicAuth(username, password) if username or password else None
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._transport = transport

    def _client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            auth=self._auth,
            timeout=self.timeout,
            transport=self._transport,
            follow_redirects=False,
        )

    def _send(self, method: str, path: str, *, signing: bool, **kwargs: Any) -> httpx.Response:
        """Send once. For a signing call a timeout or a lost connection after the request
        may have left raises ``OutcomeUnknown``; otherwise every transport failure raises
        ``NotSent`` (a verification or a status query changed nothing)."""
        try:
            with self._client() as client:
                return client.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise NotSent(f"{type(exc).__name__} reaching {self.base_url}") from None
        except (httpx.ReadTimeout, httpx.WriteTimeout) as exc:
            if signing:
                raise OutcomeUnknown(f"{type(exc).__name__} after sending to {path}") from None
            raise NotSent(f"{type(exc).__name__} on {path}") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            if signing:
                raise OutcomeUnknown(f"{type(exc).__name__} after sending to {path}") from None
            raise NotSent(f"{type(exc).__name__} on {path}") from None
        except httpx.HTTPError as exc:
            raise NotSent(f"{type(exc).__name__} on {path}") from None

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            raise _error_of(response)
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            raise ServiceError("invalid", "the answer is not JSON", response.status_code) from None
        if not isinstance(body, dict):
            raise ServiceError("invalid", "the answer is not a JSON object", response.status_code)
        if body.get("error"):
            raise _error_of(response)
        return body

    @staticmethod
    def _b64(value: Any, http_status: int) -> bytes:
        try:
            return base64.b64decode(str(value), validate=True)
        except (binascii.Error, ValueError):
            raise ServiceError("invalid", "the signed file is not base64", http_status) from None


class EsignV1(_Base):
    """API v1: multipart ``POST /api/sign/pdf`` (answers the signed PDF's bytes, header
    ``id_dokumen``), multipart ``POST /api/sign/verify`` (``signed_file``), ``GET
    /api/user/status/{nik}``."""

    version = 1

    def sign_pdf(self, pdf: bytes, nik: str, passphrase: Secret, placement: Placement) -> bytes:
        """The signed PDF. Raises ``ServiceError``, ``NotSent`` or ``OutcomeUnknown``."""
        data = {
            "nik": nik,
            "passphrase": passphrase.reveal(),
            "tampilan": "visible",
            "image": "true" if placement.image_png else "false",
            "tag_koordinat": placement.tag,
            "width": str(placement.width),
            "height": str(placement.height),
        }
        if placement.link_qr:
            data["linkQR"] = placement.link_qr
        if placement.reason:
            data["reason"] = placement.reason
        if placement.location:
            data["location"] = placement.location
        files: dict[str, tuple[str, bytes, str]] = {"file": ("dokumen.pdf", pdf, "application/pdf")}
        if placement.image_png:
            files["imageTTD"] = ("ttd.png", placement.image_png, "image/png")
        response = self._send("POST", "/api/sign/pdf", signing=True, data=data, files=files)
        del data
        if response.status_code >= 400:
            raise _error_of(response)
        if response.headers.get("content-type", "").startswith("application/json"):
            body = self._json(response)
            return self._b64(body.get("base64_signed_file", ""), response.status_code)
        return response.content

    def verify(self, pdf: bytes) -> VerifyReport:
        """The service's verification of ``pdf``. Raises ``ServiceError`` or ``NotSent``."""
        response = self._send(
            "POST",
            "/api/sign/verify",
            signing=False,
            files={"signed_file": ("dokumen.pdf", pdf, "application/pdf")},
        )
        body = self._json(response)
        details = body.get("details") or []
        signers = [
            str((d.get("info_signer") or {}).get("signer_name", ""))
            for d in details
            if isinstance(d, dict)
        ]
        summary = str(body.get("summary", ""))
        return VerifyReport(summary.upper() == "VALID", summary, signers, body)

    def user_status(self, nik: str) -> UserStatus:
        """Whether ``nik`` may sign. Raises ``ServiceError`` or ``NotSent``."""
        body = self._json(self._send("GET", f"/api/user/status/{nik}", signing=False))
        code = str(body.get("status_code", ""))
        return UserStatus(code == "1111", code, str(body.get("message", "")))


class EsignV2(_Base):
    """API v2: JSON bodies with base64 files. ``POST /api/v2/sign/pdf`` (``nik``,
    ``passphrase`` or ``totp``, ``signatureProperties``, ``file``: a list), ``POST
    /api/v2/seal/pdf`` (``idSubscriber``, ``totp``), ``POST /api/v2/verify/pdf``,
    ``POST /api/v2/user/check/status``; the signed files come back as ``file``: a list of
    base64 strings."""

    version = 2

    @staticmethod
    def _properties(placement: Placement) -> dict[str, Any]:
        properties: dict[str, Any] = {
            "tampilan": "VISIBLE",
            "tag": placement.tag,
            "width": placement.width,
            "height": placement.height,
            "reason": placement.reason,
            "location": placement.location,
        }
        if placement.image_png:
            properties["imageBase64"] = base64.b64encode(placement.image_png).decode()
        return properties

    def _signed(self, path: str, body: dict[str, Any]) -> bytes:
        response = self._send("POST", path, signing=True, json=body)
        answer = self._json(response)
        files = answer.get("file")
        if not isinstance(files, list) or not files:
            raise ServiceError("invalid", "the answer holds no signed file", response.status_code)
        return self._b64(files[0], response.status_code)

    def sign_pdf(
        self,
        pdf: bytes,
        nik: str,
        placement: Placement,
        *,
        passphrase: Secret | None = None,
        totp: Secret | None = None,
    ) -> bytes:
        """The signed PDF, authorised by ``passphrase`` or by a ``totp`` from the BeSign
        app (exactly one). Raises ``ValueError``, ``ServiceError``, ``NotSent`` or
        ``OutcomeUnknown``."""
        if bool(passphrase) == bool(totp):
            raise ValueError("give a passphrase or a TOTP")
        body: dict[str, Any] = {
            "nik": nik,
            "signatureProperties": [self._properties(placement)],
            "file": [base64.b64encode(pdf).decode()],
        }
        if passphrase:
            body["passphrase"] = passphrase.reveal()
        else:
            assert totp is not None
            body["totp"] = totp.reveal()
        try:
            return self._signed("/api/v2/sign/pdf", body)
        finally:
            body.clear()

    def seal_pdf(self, pdf: bytes, id_subscriber: str, totp: Secret, placement: Placement) -> bytes:
        """The PDF sealed with the agency's e-seal. Raises ``ServiceError``, ``NotSent`` or
        ``OutcomeUnknown``."""
        body: dict[str, Any] = {
            "idSubscriber": id_subscriber,
            "totp": totp.reveal(),
            "signatureProperties": [self._properties(placement)],
            "file": [base64.b64encode(pdf).decode()],
        }
        try:
            return self._signed("/api/v2/seal/pdf", body)
        finally:
            body.clear()

    def verify(self, pdf: bytes) -> VerifyReport:
        """The service's verification of ``pdf``. Raises ``ServiceError`` or ``NotSent``."""
        response = self._send(
            "POST",
            "/api/v2/verify/pdf",
            signing=False,
            json={"file": base64.b64encode(pdf).decode()},
        )
        body = self._json(response)
        infos = body.get("signatureInformations") or []
        signers = [str(i.get("signerName", "")) for i in infos if isinstance(i, dict)]
        summary = str(body.get("conclusion", ""))
        return VerifyReport(summary.upper() == "VALID", summary, signers, body)

    def user_status(self, nik: str) -> UserStatus:
        """Whether ``nik`` may sign. Raises ``ServiceError`` or ``NotSent``."""
        body = self._json(
            self._send("POST", "/api/v2/user/check/status", signing=False, json={"nik": nik})
        )
        status = str(body.get("status", ""))
        return UserStatus(status.upper() == "ISSUE", status, str(body.get("message", "")))


def connect(
    config: Any, transport: httpx.BaseTransport | None = None, timeout: float | None = None
) -> EsignV1 | EsignV2:
    """The API of ``config`` (an ``EsignClient`` row): ``EsignV1`` or ``EsignV2``, with
    its timeout (seconds), or ``timeout`` when that is shorter."""
    cls = EsignV1 if int(config.api_version) == 1 else EsignV2
    seconds = float(config.timeout_seconds)
    return cls(
        config.base_url,
        config.username,
        config.password,
        min(seconds, timeout) if timeout is not None else seconds,
        transport=transport,
    )
