"""E-mail: HTML and plain text, in Indonesian, with a link to the step (issue 15 point 2).

The message's ``Message-ID`` is built from the delivery's idempotency key, so a mail
system that sees the same message twice (a worker killed after the server accepted it and
before the outbox recorded it) can tell it is one message.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from jaga.notifications.channels import Permanent, Temporary
from jaga.notifications.messages import Message
from jaga.notifications.models import Delivery
from jaga.org.models import Employee, User


def address_of(user: User) -> str:
    """The user's e-mail address, else their employee record's; "" when neither."""
    if user.email:
        return user.email
    employee = getattr(user, "employee", None)
    return employee.email if employee is not None and employee.email else ""


def message_id(delivery: Delivery) -> str:
    """The RFC 5322 Message-ID of ``delivery``: ``<jaga-<idempotency key>@<host>>``, the
    host of ``JAGA_PUBLIC_URL`` making it unique across Jaga installations."""
    host = urlsplit(settings.JAGA_PUBLIC_URL).hostname or "jaga"
    return f"<jaga-{delivery.idempotency_key.replace(':', '-')}@{host}>"


class EmailChannel:
    """Sends through Django's e-mail backend (SMTP when ``JAGA_SMTP_HOST`` is set)."""

    def available(self, user: User) -> bool:
        """Whether ``user`` has an address to write to."""
        return bool(address_of(user))

    def available_among(self, users: Sequence[User]) -> set[int]:
        """The ids of those of ``users`` with an address: their own, else their employee
        record's (one query, for those without their own)."""
        found = {user.pk for user in users if user.email}
        others = [user.pk for user in users if not user.email]
        if others:
            found |= set(
                Employee.objects.filter(user_id__in=others)
                .exclude(email="")
                .values_list("user_id", flat=True)
            )
        return found

    def send(self, delivery: Delivery, message: Message, link: str) -> None:
        """Send ``message`` to the recipient of ``delivery``. Raises ``Permanent`` when
        the user has no address or the server refuses it, ``Temporary`` when the server
        cannot be reached or answers with a temporary error."""
        user = delivery.notification.recipient
        to = address_of(user)
        if not to:
            raise Permanent("the user has no e-mail address")
        context = {"message": message, "link": link, "user": user}
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
        mail = EmailMultiAlternatives(
            subject=f"[Jaga] {message.subject}",
            body=text,
            to=[to],
            headers={"Message-ID": message_id(delivery)},
        )
        mail.attach_alternative(html, "text/html")
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise Permanent(f"the server refused {to}: {exc}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise Temporary(f"{type(exc).__name__}: {exc}") from exc
