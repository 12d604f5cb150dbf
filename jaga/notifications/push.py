"""Web Push for phones (issue 15 point 2): the VAPID key pair of this Jaga, made once into
the data directory, and the browsers' subscriptions.

The private key is ``<JAGA_DATA_DIR>/vapid/private_key.pem`` (mode 0600), written the first
time it is needed; back it up with the data directory: a new key makes every browser
subscribe again. The public key, as the browser's ``applicationServerKey``, is the
uncompressed P-256 point in base64url (RFC 8292).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from py_vapid import Vapid  # type: ignore[import-untyped]

from jaga.notifications.models import PushSubscription
from jaga.org.models import User


class BadSubscription(ValueError):
    """A subscription the browser sent is incomplete or malformed."""


def key_path() -> Path:
    """Where the VAPID private key lives."""
    return Path(settings.DATA_DIR) / "vapid" / "private_key.pem"


def vapid() -> Vapid:
    """This Jaga's VAPID key pair, made and saved (0600) on first use. Two processes
    making it at once: the file is written to a temporary name and renamed, and the loser
    reads the winner's."""
    path = key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        made = Vapid()
        made.generate_keys()
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        made.save_key(str(temporary))
        os.chmod(temporary, 0o600)
        if not path.exists():
            os.replace(temporary, path)
        else:
            temporary.unlink()
    return Vapid.from_file(str(path))


def application_server_key() -> str:
    """The public key as the browser's ``applicationServerKey`` (base64url, no padding)."""
    point = vapid().public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


def _key(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise BadSubscription(f"{name} is missing or too long")
    try:
        base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError as exc:
        raise BadSubscription(f"{name} is not base64url") from exc
    return value


def subscribe(
    user: User, payload: dict[str, Any], user_agent: str = "", now: dt.datetime | None = None
) -> PushSubscription:
    """Record the subscription a browser's ``pushManager.subscribe`` returned
    (``{"endpoint": "https://…", "keys": {"p256dh": …, "auth": …}}``) for ``user``; the
    same endpoint subscribed again (by the same or another user of the phone) moves to
    ``user``. Raises ``BadSubscription``."""
    endpoint = payload.get("endpoint")
    keys = payload.get("keys")
    if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
        raise BadSubscription("endpoint must be an http(s) address")
    if len(endpoint) > 1000 or not isinstance(keys, dict):
        raise BadSubscription("endpoint too long or keys missing")
    values = {
        "user": user,
        "p256dh": _key(keys.get("p256dh"), "p256dh", 200),
        "auth": _key(keys.get("auth"), "auth", 100),
        "user_agent": user_agent[:300],
        "created_at": now or timezone.now(),
    }
    with transaction.atomic():
        row, _ = PushSubscription.objects.update_or_create(endpoint=endpoint, defaults=values)
    return row


def unsubscribe(user: User, endpoint: str) -> bool:
    """Forget ``user``'s subscription at ``endpoint``; True when there was one."""
    return PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()[0] > 0
