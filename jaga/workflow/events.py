"""The engine's events (architecture.md, "Step effects").

The engine (``jaga.workflow.services``) decides transitions and records them; what a
transition causes elsewhere subscribes here, in its own app, from its ``AppConfig.ready``:
the step's document (``jaga.documents.receivers``), the notifications
(``jaga.notifications.receivers``). Every signal is sent **inside the transaction** of the
engine call, after the engine's own rows are written: a receiver's writes commit or roll
back with the step, and an exception it raises rolls the whole call back. A receiver that
talks to the outside world (mail, Telegram, esign) writes an outbox row and acts after
commit.

Keyword arguments (``at`` is the aware instant of the transition, UTC):

- ``step_opened``: ``step`` (the new ``StepInstance``, its ``assignees``, ``positions`` and
  ``for_reporter`` set: who it waits for), ``case``, ``at``, and ``cause``: the completed
  ``StepInstance`` that led here (None for a case's first step), and ``named``: the
  users the step waits for when ``cause`` has just named them all (else None: read its
  ``assignees``). A step the engine completes at once (the report that starts a case,
  filled in by the reporter) is not announced.
- ``step_completed``: ``step`` (done: ``actor``, ``outcome``, ``note``, ``data``),
  ``spec_step`` (its ``jaga.sop.schema.Step``), ``case``, ``by`` (the ``User``), ``at``,
  and ``named``: the users it named (a disposition, assignment or forward), in the order
  named, so a receiver need not read them back. Sent before the next step opens.
- ``case_closed``: ``case`` (closed), ``by``, ``at``; after the last step's
  ``step_completed``.
"""

from __future__ import annotations

from django.dispatch import Signal

step_opened = Signal()
step_completed = Signal()
case_closed = Signal()
