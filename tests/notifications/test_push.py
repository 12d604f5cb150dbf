"""Web Push (issue 15 point 2): the VAPID key made once in the data directory, a browser's
subscription, and a notice pushed encrypted to a push endpoint on loopback, which this
test decrypts as the phone would."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import http_ece  # type: ignore[import-untyped]
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import Client, override_settings
from django.urls import reverse

from jaga.notifications.delivery import deliver
from jaga.notifications.models import Delivery, Notification, PushSubscription
from jaga.notifications.push import application_server_key, key_path, subscribe
from tests.conftest import PASSWORD
from tests.notifications.conftest import Org

pytestmark = pytest.mark.django_db


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Phone:
    """A browser's push keys (what ``pushManager.subscribe`` makes)."""

    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def keys(self) -> dict[str, str]:
        point = self.private.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64(point), "auth": b64(self.auth)}

    def read(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.private, auth_secret=self.auth, version="aes128gcm"
        )
        return dict(json.loads(plain))


@dataclass
class PushService:
    """A push service on loopback: records each POST; paths under /gone/ answer 410."""

    server: ThreadingHTTPServer
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture
def service() -> Iterator[PushService]:
    state: dict[str, PushService] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            state["service"].received.append((self.path, headers, body))
            self.send_response(410 if self.path.startswith("/gone/") else 201)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["service"] = PushService(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state["service"]
    server.shutdown()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path) -> Iterator[Path]:
    with override_settings(DATA_DIR=tmp_path):
        yield tmp_path


def test_it_makes_the_vapid_key_once_and_keeps_it_private() -> None:
    first = application_server_key()
    assert application_server_key() == first
    assert key_path().stat().st_mode & 0o777 == 0o600
    assert len(base64.urlsafe_b64decode(first + "=")) == 65  # an uncompressed P-256 point


def test_it_pushes_an_encrypted_notice_the_phone_can_read(org: Org, service: PushService) -> None:
    phone, old_phone = Phone(), Phone()
    subscribe(org.kadis, {"endpoint": service.url("/push/kadis"), "keys": phone.keys()})
    subscribe(org.kadis, {"endpoint": service.url("/gone/old"), "keys": old_phone.keys()})
    org.report(dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC))  # 09:00 WIB, a Monday
    notice = Notification.objects.get(recipient=org.kadis)
    push = Delivery.objects.get(notification=notice, channel="push")
    with override_settings(JAGA_PUBLIC_URL="https://jaga.kota.test"):
        assert deliver(push.pk) == "sent"
    [(_, headers, body)] = [r for r in service.received if r[0] == "/push/kadis"]
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["ttl"] == "86400"
    assert headers["authorization"].startswith("vapid t=")
    message = phone.read(body)
    assert message["title"] == "Kasus #1: langkah 2 menunggu Anda"
    assert message["url"] == f"https://jaga.kota.test/kasus/{notice.case_id}/"
    assert message["tag"] == f"jaga-{notice.pk}"
    # The push service said the old phone's subscription is gone: it is forgotten.
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        service.url("/push/kadis")
    ]


def test_it_records_a_browser_s_subscription_and_refuses_a_bad_one(org: Org) -> None:
    client = Client()
    assert client.login(username=org.kasi.username, password=PASSWORD)
    url = reverse("notifications:push_subscribe")
    good = {"endpoint": "https://push.example.test/abc", "keys": Phone().keys()}
    answer = client.post(url, json.dumps(good), content_type="application/json")
    assert answer.status_code == 201
    assert PushSubscription.objects.get().user == org.kasi
    bad = {"endpoint": "javascript:alert(1)", "keys": Phone().keys()}
    refused = client.post(url, json.dumps(bad), content_type="application/json")
    assert refused.status_code == 400
    assert "endpoint" in refused.json()["error"]
    assert client.post(url, "not json", content_type="application/json").status_code == 400
    assert PushSubscription.objects.count() == 1


def test_it_serves_the_service_worker_at_the_root(client: Client) -> None:
    answer = client.get("/sw.js")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    assert b"showNotification" in answer.content
