"""A fake of BSrE's esign-client on loopback: a real HTTP server in a thread (bound to
127.0.0.1, port 0) speaking API v1 and v2 as docs/signatures.md describes, signing with
pyHanko (PAdES B-T: the timestamp from pyHanko's in-process ``DummyTimeStamper`` with the
test TSA) and placing the visible signature where the document prints the tag.

``mode`` changes its behaviour: ``"ok"``; ``"sleep"`` signs, keeps the output, then sleeps
past the client's timeout before answering; ``"other_ca"`` / ``"expired"`` /
``"stranger"`` sign with the certificate of another CA, an expired one or another
person's. A wrong passphrase answers BSrE's error
(HTTP 400, ``{"error": "Passphrase anda salah", "status_code": 2031}``)."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pypdf import PdfReader

from jaga.documents.pdf import SIGNATURE_TAG
from tests.signatures.pki import NIK_KADIS, Identity, Pki

USERNAME = "jaga"
PASSWORD = "layanan-esign"
PASSPHRASE = "Rahasia#Passphrase-7731"
TOTP = "482915"
SEAL_ID = "SUB-0001"
SEAL_TOTP = "913377"


def tag_box(
    pdf: bytes, width: int = 120, height: int = 42, tag: str = SIGNATURE_TAG
) -> tuple[int, tuple[int, int, int, int]]:
    """The page index and the box (x1, y1, x2, y2 in points) of a ``width`` x ``height``
    signature hanging from where ``tag`` is printed (the top of the signature block's space,
    centred on the tag); the lower left of page 0 when the tag is not found."""
    reader = PdfReader(BytesIO(pdf))
    for index, page in enumerate(reader.pages):
        found: list[tuple[float, float]] = []

        def visit(text: str, cm: Any, tm: Any, *_: Any, found: list[Any] = found) -> None:
            if tag in text:
                found.append((cm[4] + tm[4] * cm[0], cm[5] + tm[5] * cm[3]))

        page.extract_text(visitor_text=visit)
        if found:
            # The tag is centred in the space (its 2-point text is about 6 points wide).
            x, y = int(found[0][0] + 3 - width / 2), int(found[0][1]) + 8
            return index, (x, y - height, x + width, y)
    return 0, (50, 50, 50 + width, 50 + height)


@dataclass
class FakeEsign:
    """The fake service's state: who may sign (``users``: NIK to passphrase), its mode,
    the outputs it kept (``outputs``: every signed file, as a real esign-client keeps
    them) and the requests it saw (``seen``: path and auth, never bodies)."""

    pki: Pki
    mode: str = "ok"
    sleep_seconds: float = 3.0
    users: dict[str, str] = field(default_factory=lambda: {NIK_KADIS: PASSPHRASE})
    outputs: list[bytes] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    url: str = ""

    def kept(self, count: int, within: float = 60.0) -> list[bytes]:
        """``outputs`` once it holds ``count`` files. The client may give up (its timeout)
        while the service is still signing on a loaded machine: the service signs on and
        keeps the file, as a real esign-client does; wait for that, at most ``within``
        seconds (then return what there is, for the test's assertion to show)."""
        deadline = time.monotonic() + within
        while len(self.outputs) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.outputs

    def identity(self, seal: bool = False) -> Identity:
        if seal:
            return self.pki.seal
        return {
            "other_ca": self.pki.other,
            "expired": self.pki.expired,
            "stranger": self.pki.stranger,
        }.get(self.mode, self.pki.signer)

    def sign(
        self, pdf: bytes, seal: bool = False, reason: str = "", size: tuple[int, int] = (120, 42)
    ) -> bytes:
        """The signed PDF (kept in ``outputs``); pyHanko's sync API in a thread of its own
        when this thread runs an event loop (Playwright's sync API in the same session)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._sign(pdf, seal, reason, size)
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(self._sign, pdf, seal, reason, size).result()

    def _sign(self, pdf: bytes, seal: bool, reason: str, size: tuple[int, int]) -> bytes:
        ident = self.identity(seal)
        roots = [self.pki.other_root.cert if self.mode == "other_ca" else self.pki.root.cert]
        registry = SimpleCertificateStore.from_certs(roots)  # type: ignore[no-untyped-call]
        signer = signers.SimpleSigner(
            signing_cert=ident.cert, signing_key=ident.key, cert_registry=registry
        )
        page, box = tag_box(pdf, *size)
        meta = signers.PdfSignatureMetadata(
            field_name="TTE-BSrE",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason or None,
        )
        stamper = DummyTimeStamper(
            tsa_cert=self.pki.tsa.cert,
            tsa_key=self.pki.tsa.key,
            certs_to_embed=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
                [self.pki.root.cert]
            ),
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer,
            timestamper=stamper,
            new_field_spec=fields.SigFieldSpec("TTE-BSrE", on_page=page, box=box),
        )
        out = pdf_signer.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf), strict=False))
        data: bytes = out.getvalue()
        self.outputs.append(data)
        return data

    def verify(self, pdf: bytes) -> tuple[bool, list[str]]:
        """The service's own check (its trust store: the test root), independent of Jaga's."""
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko_certvalidator import ValidationContext

        try:
            signatures = PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures
            if not signatures:
                return False, []
            context = ValidationContext(trust_roots=[self.pki.root.cert])
            status = validate_pdf_signature(signatures[-1], context, context)
        except Exception:
            return False, []
        name = status.signing_cert.subject.native.get("common_name", "")
        return bool(status.bottom_line), [str(name)]


def _handler(fake: FakeEsign) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: the tests read ``seen``, not the server's access log on stderr."""

        def _reply(self, status: int, body: dict[str, Any] | bytes, ctype: str = "") -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype or "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        def _authorized(self) -> bool:
            expected = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
            return self.headers.get("Authorization", "") == f"Basic {expected}"

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length", "0")))

        def _form(self, raw: bytes) -> dict[str, bytes]:
            head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
            message = BytesParser(policy=HTTP).parsebytes(head + raw)
            parts: dict[str, bytes] = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                parts[str(name)] = payload if isinstance(payload, bytes) else b""
            return parts

        def _wait(self) -> None:
            if fake.mode == "sleep":
                time.sleep(fake.sleep_seconds)

        def do_GET(self) -> None:
            fake.seen.append(f"GET {self.path}")
            if not self._authorized():
                self._reply(401, {"error": "Unauthorized", "status_code": 401})
            elif self.path.startswith("/api/user/status/"):
                nik = self.path.rsplit("/", 1)[-1]
                if nik in fake.users:
                    self._reply(200, {"status_code": 1111, "message": "Sertifikat aktif"})
                else:
                    self._reply(200, {"status_code": 1110, "message": "User tidak terdaftar"})
            else:
                self._reply(404, {"error": "Not Found", "status_code": 404})

        def do_POST(self) -> None:
            fake.seen.append(f"POST {self.path}")
            raw = self._body()
            if not self._authorized():
                self._reply(401, {"error": "Unauthorized", "status_code": 401})
                return
            routes = {
                "/api/sign/pdf": self.v1_sign,
                "/api/sign/verify": self.v1_verify,
                "/api/v2/sign/pdf": self.v2_sign,
                "/api/v2/seal/pdf": self.v2_seal,
                "/api/v2/verify/pdf": self.v2_verify,
                "/api/v2/user/check/status": self.v2_status,
            }
            route = routes.get(self.path)
            if route is None:
                self._reply(404, {"error": "Not Found", "status_code": 404})
            else:
                route(raw)

        def _refuse(self, nik: str, passphrase: str) -> bool:
            if nik not in fake.users:
                self._reply(400, {"error": "User tidak terdaftar", "status_code": 2011})
                return True
            if passphrase != fake.users[nik]:
                self._reply(400, {"error": "Passphrase anda salah", "status_code": 2031})
                return True
            return False

        def v1_sign(self, raw: bytes) -> None:
            form = self._form(raw)
            nik = form.get("nik", b"").decode()
            if self._refuse(nik, form.get("passphrase", b"").decode()):
                return
            if form.get("tag_koordinat", b"").decode() != SIGNATURE_TAG:
                self._reply(400, {"error": "Tag tidak ditemukan", "status_code": 2051})
                return
            size = (int(form.get("width", b"120")), int(form.get("height", b"42")))
            signed = fake.sign(form["file"], reason=form.get("reason", b"").decode(), size=size)
            self._wait()
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("id_dokumen", f"doc-{len(fake.outputs)}")
            self.send_header("Content-Length", str(len(signed)))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(signed)

        def v1_verify(self, raw: bytes) -> None:
            ok, names = fake.verify(self._form(raw)["signed_file"])
            self._reply(
                200,
                {
                    "summary": "VALID" if ok else "INVALID",
                    "jumlah_signature": len(names),
                    "notes": "Dokumen valid" if ok else "Dokumen tidak valid",
                    "details": [{"info_signer": {"signer_name": n}} for n in names],
                },
            )

        def v2_sign(self, raw: bytes) -> None:
            body = json.loads(raw)
            nik = str(body.get("nik", ""))
            props = (body.get("signatureProperties") or [{}])[0]
            if "totp" in body:
                if nik not in fake.users:
                    self._refuse(nik, "")
                    return
                if body["totp"] != TOTP:
                    self._reply(400, {"error": "TOTP tidak valid", "status_code": 2032})
                    return
            elif self._refuse(nik, str(body.get("passphrase", ""))):
                return
            if props.get("tag") != SIGNATURE_TAG or props.get("tampilan") != "VISIBLE":
                self._reply(400, {"error": "signatureProperties tidak valid", "status_code": 2051})
                return
            pdf = base64.b64decode(body["file"][0])
            size = (int(props.get("width", 120)), int(props.get("height", 42)))
            signed = fake.sign(pdf, reason=str(props.get("reason", "")), size=size)
            self._wait()
            self._reply(200, {"file": [base64.b64encode(signed).decode()], "time": 1})

        def v2_seal(self, raw: bytes) -> None:
            body = json.loads(raw)
            if body.get("idSubscriber") != SEAL_ID or body.get("totp") != SEAL_TOTP:
                self._reply(400, {"error": "TOTP segel tidak valid", "status_code": 2032})
                return
            signed = fake.sign(base64.b64decode(body["file"][0]), seal=True)
            self._wait()
            self._reply(200, {"file": [base64.b64encode(signed).decode()], "time": 1})

        def v2_verify(self, raw: bytes) -> None:
            body = json.loads(raw)
            ok, names = fake.verify(base64.b64decode(body["file"]))
            self._reply(
                200,
                {
                    "conclusion": "VALID" if ok else "INVALID",
                    "description": "Dokumen valid" if ok else "Dokumen tidak valid",
                    "signatureInformations": [{"signerName": n} for n in names],
                },
            )

        def v2_status(self, raw: bytes) -> None:
            nik = str(json.loads(raw).get("nik", ""))
            status = "ISSUE" if nik in fake.users else "NOT_REGISTERED"
            self._reply(200, {"status": status, "message": status})

    return Handler


@contextmanager
def serve(pki: Pki) -> Iterator[FakeEsign]:
    """Run the fake on 127.0.0.1 (a free port) for the ``with`` block."""
    fake = FakeEsign(pki)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
