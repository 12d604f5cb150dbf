"""Signals of the monitor (architecture.md, "Step effects"): what an outage causes
elsewhere subscribes here. Both are sent inside the transaction that writes the outage,
so a receiver's rows commit with it (``jaga.notifications.receivers`` writes its notices
and their outbox there).

- ``outage_opened``: ``outage`` (its ``case`` set when the monitor opened or joined one),
  ``at`` (aware, when it was confirmed);
- ``outage_ended``: ``outage`` (``ended_at`` set), ``at``.
"""

from __future__ import annotations

from django.dispatch import Signal

outage_opened = Signal()
outage_ended = Signal()
