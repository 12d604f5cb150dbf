"""Run as ``python -m tests.notifications.outbox_fill COUNT`` (Django settings from the
environment) to write COUNT notifications, each with an e-mail in the outbox, queued to
the task worker when the transaction commits; or ``... --report`` to print each
delivery's status and attempts as ``key status attempts`` lines. Used by the worker-kill
test, which runs the real worker processes against a database of its own."""

from __future__ import annotations

import os
import sys

import django


def fill(count: int) -> None:
    from django.db import transaction

    from jaga.notifications.models import NotificationKind
    from jaga.notifications.services import Notice, notify
    from jaga.org.models import User
    from jaga.tenancy.models import Agency

    with transaction.atomic():
        agency = Agency.objects.create(
            slug="kill",
            name="Dinas Komunikasi dan Informatika Kill",
            timezone="Asia/Jakarta",
            calendar_mode="24x7",
        )
        for number in range(count):
            user = User.objects.create_user(
                f"user{number:03d}", agency=agency, email=f"user{number:03d}@kill.test"
            )
            notify(
                agency,
                [user],
                Notice(
                    NotificationKind.OUTAGE,
                    f"fill:{number}",
                    {"check": f"Router {number:03d}", "event": "opened"},
                    urgent=True,
                ),
            )


def report() -> None:
    from jaga.notifications.models import Delivery

    for row in Delivery.objects.order_by("pk"):
        sys.stdout.write(f"{row.idempotency_key} {row.status} {row.attempts}\n")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jaga.settings")
    django.setup()
    if sys.argv[1] == "--report":
        report()
    else:
        fill(int(sys.argv[1]))
