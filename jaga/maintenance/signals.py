"""Signals of the maintenance app (architecture.md, "Step effects").

``inspection_recorded`` is sent by ``jaga.maintenance.inspections.record_inspection``
inside its transaction, after the inspection, its answers and its audit event are written.
A receiver's writes commit or roll back with the inspection; one that talks to the outside
world writes an outbox row instead. Keyword arguments:

- ``inspection``: the ``Inspection`` just written (``result``, ``answers``);
- ``by``: the ``User`` who inspected;
- ``handled_by_sop``: True when the SOP itself handles the failures (a branch such as
  seed 000's "Ada yang rusak"), so no corrective case must be opened for them.

``jaga.maintenance.receivers.open_corrective_work`` is connected in the app's ``ready``.

``round_started`` is sent by ``jaga.maintenance.scheduling`` in the transaction that
starts a round (the scheduler's or "start now"), after its case, devices and draft work
plan are written; keyword arguments ``round`` (the ``MaintenanceRound``: ``visit_at``,
``case`` with its sites) and ``at``. The notifications tell each visited site's OPD.
"""

from __future__ import annotations

from django.dispatch import Signal

inspection_recorded = Signal()
round_started = Signal()
