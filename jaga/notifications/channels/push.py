"""Web Push: a notice is pushed to each browser the user subscribed (issue 15 point 2),
encrypted for it (RFC 8291, aes128gcm) and signed with this Jaga's VAPID key (RFC 8292)
by pywebpush; the service worker (``/sw.js``) shows it and opens its link when tapped."""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.conf import settings
from pywebpush import WebPushException, webpush  # type: ignore[import-untyped]

from jaga.notifications.channels import Permanent, Temporary
from jaga.notifications.messages import Message
from jaga.notifications.models import Delivery, PushSubscription
from jaga.notifications.push import vapid
from jaga.org.models import User

#: How long a push service keeps a notice for a phone that is off (seconds).
TTL_SECONDS = 24 * 3600
#: Push services answer these for a subscription that is gone for good.
GONE = (404, 410)


def payload(message: Message, link: str, tag: str) -> str:
    """What the service worker receives: JSON ``{"title", "body", "url", "tag"}``; the
    body cut to 500 characters (push services take about 4 KB)."""
    return json.dumps(
        {"title": message.subject, "body": message.body[:500], "url": link, "tag": tag}
    )


class PushChannel:
    """Pushes to every subscription of the recipient."""

    def available(self, user: User) -> bool:
        """Whether ``user`` has a subscribed browser."""
        return PushSubscription.objects.filter(user=user).exists()

    def available_among(self, users: Sequence[User]) -> set[int]:
        """The ids of those of ``users`` with a subscribed browser (one query)."""
        return set(
            PushSubscription.objects.filter(user__in=[user.pk for user in users]).values_list(
                "user_id", flat=True
            )
        )

    def send(self, delivery: Delivery, message: Message, link: str) -> None:
        """Push ``message`` to each of the recipient's browsers. A subscription the push
        service says is gone (404, 410) is deleted; when none is left (or there was none)
        that is ``Permanent``. Any other failure is ``Temporary``: the delivery is tried
        again, and browsers that already got it may show it twice (under the same ``tag``,
        which replaces the earlier one on the phone)."""
        user_id = delivery.notification.recipient_id
        subscriptions = list(PushSubscription.objects.filter(user_id=user_id))
        if not subscriptions:
            raise Permanent("the user has no subscribed browser")
        key = vapid()
        data = payload(message, link, f"jaga-{delivery.notification_id}")
        claims = {"sub": f"mailto:{settings.DEFAULT_FROM_EMAIL}"}
        failures: list[str] = []
        delivered = 0
        for subscription in subscriptions:
            info = {
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            }
            try:
                webpush(
                    info,
                    data=data,
                    vapid_private_key=key,
                    vapid_claims=dict(claims),
                    ttl=TTL_SECONDS,
                    timeout=10,
                )
            except WebPushException as exc:
                status = exc.response.status_code if exc.response is not None else None
                if status in GONE:
                    subscription.delete()
                    continue
                failures.append(f"{status}: {exc}")
            except (OSError, ValueError) as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
            else:
                delivered += 1
        if failures:
            raise Temporary("; ".join(failures)[:2000])
        if not delivered:
            raise Permanent("every subscription of the user is gone")
