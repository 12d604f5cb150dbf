"""Writing, reading and verifying the audit log.

``record`` appends an event to its agency's chain inside the caller's transaction (the
event commits or rolls back together with the change it describes); ``verify`` recomputes
every chain and reports the first broken link; ``history`` lists the events of one object.

The hash of an event is sha256 (lowercase hex) over the UTF-8 bytes of the canonical JSON of

    {"agency_id", "seq", "at", "actor_id", "actor_label", "on_behalf_of", "action",
     "object_type", "object_id", "before", "after", "prev_hash"}

with keys sorted, separators ``,`` and ``:``, no ASCII escaping; ``at`` (and every datetime
inside ``before``/``after``) is ISO 8601 in UTC with microseconds
(``2026-11-23T01:30:00.000000+00:00``). ``before`` and ``after`` are converted to plain JSON
before hashing and stored exactly as hashed (see ``to_json``). docs/audit.md has the recipe.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from jaga import deferred
from jaga.audit.models import GENESIS_HASH, AuditLogIsAppendOnly, ChainHead, Event
from jaga.org.models import User
from jaga.tenancy.models import Agency

__all__ = [
    "GENESIS_HASH",
    "AuditChainBusy",
    "AuditLogIsAppendOnly",
    "BrokenEvent",
    "ChainState",
    "Change",
    "VerifyResult",
    "event_hash",
    "history",
    "record",
    "record_many",
    "to_json",
    "verify",
]

#: How often ``record`` re-reads the chain head after another writer moved it first.
MAX_ATTEMPTS = 50
#: Events fetched per round trip by ``verify``.
VERIFY_CHUNK = 2000


class AuditChainBusy(RuntimeError):
    """``record`` lost the compare-and-set on the chain head ``MAX_ATTEMPTS`` times in a row."""


# ---------------------------------------------------------------------------------------
# Canonical JSON and the hash


def _utc_iso(value: dt.datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} in an audit event: give its zone")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


class AuditJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, but datetimes are UTC with microseconds (not truncated to
    milliseconds) and times keep their microseconds; naive datetimes are refused."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime):
            return _utc_iso(o)
        if isinstance(o, dt.time):
            if o.utcoffset() is not None:
                raise ValueError(f"time {o.isoformat()} with a zone in an audit event")
            return o.isoformat(timespec="microseconds")
        return super().default(o)


def _normalise(value: Any) -> Any:
    """Plain JSON (after a json round trip) made stable under PostgreSQL's jsonb, which
    stores numbers as ``numeric``: a float printed with a positive exponent (1e+16) would
    come back as an integer and -0.0 as 0.0, so those are stored so in the first place.
    NUL characters are refused (jsonb and text columns cannot hold them)."""
    if isinstance(value, dict):
        return {_normalise(key): _normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("an audit event cannot hold a NUL character (\\x00)")
        return value
    if isinstance(value, float):
        if value == 0:
            return 0.0
        if "e+" in repr(value):
            return int(value)
    return value


def to_json(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """``value`` as the plain JSON that is hashed and stored: a dict (or None) whose
    datetimes become UTC ISO 8601 strings with microseconds, dates and times ISO strings,
    Decimal and UUID strings, timedeltas ISO 8601 durations (DjangoJSONEncoder's rules),
    non-string keys strings. Raises TypeError for something else than a dict or None or
    for a value JSON cannot hold, ValueError for NaN or infinity, a naive datetime, a NUL
    character or text that is not valid Unicode."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError(f"before/after must be a dict or None, not {type(value).__name__}")
    text = json.dumps(value, cls=AuditJSONEncoder, ensure_ascii=False, allow_nan=False)
    text.encode("utf-8")  # lone surrogates raise UnicodeEncodeError (a ValueError)
    result: dict[str, Any] = _normalise(json.loads(text))
    return result


def _canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def event_hash(
    *,
    agency_id: int,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    on_behalf_of: str,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    prev_hash: str,
) -> str:
    """The sha256 (64 lowercase hex characters) of an event's canonical JSON (module
    docstring). ``before``/``after`` must already be plain JSON (``to_json``)."""
    document = {
        "agency_id": agency_id,
        "seq": seq,
        "at": _utc_iso(at),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "on_behalf_of": on_behalf_of,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": before,
        "after": after,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(_canonical(document)).hexdigest()


def _hashed_fields(event: Event) -> dict[str, Any]:
    """The fields of ``event`` its hash covers, by ``event_hash``'s argument names."""
    return {
        "agency_id": event.agency_id,
        "seq": event.seq,
        "at": event.at,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "on_behalf_of": event.on_behalf_of,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
    }


def _stored_hash(event: Event) -> str:
    """The hash of a stored event's contents as read back from the database."""
    return event_hash(**_hashed_fields(event))


# ---------------------------------------------------------------------------------------
# Writing


def _agency_id_of(obj: models.Model) -> int | None:
    if isinstance(obj, Agency):
        return obj.pk
    agency_id = getattr(obj, "agency_id", None)
    return agency_id if isinstance(agency_id, int) else None


def _object_key(obj: models.Model | None, object_type: str, object_id: str) -> tuple[str, str]:
    if obj is None:
        return object_type, str(object_id)
    if object_type or object_id:
        raise ValueError("give obj or object_type/object_id, not both")
    if obj.pk is None:
        raise ValueError(f"{type(obj).__name__} is not saved yet: it has no primary key")
    return f"{obj._meta.app_label}.{obj._meta.model_name}", str(obj.pk)


def _check_text(name: str, value: str, max_length: int, *, required: bool = False) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if required and not value:
        raise ValueError(f"{name} is required")
    if len(value) > max_length:
        raise ValueError(f"{name} is {len(value)} characters long; at most {max_length}")
    if "\x00" in value:
        raise ValueError(f"{name} cannot hold a NUL character (\\x00)")


def _field_length(name: str) -> int:
    model_field = Event._meta.get_field(name)
    if not isinstance(model_field, models.CharField) or model_field.max_length is None:
        raise TypeError(f"Event.{name} is not a CharField with a max_length")
    return model_field.max_length


#: The chain head this process last moved, by (database alias, agency id): ``record`` tries
#: it first and saves the read of the head (issue 19 point 2). A stale entry (another
#: process appended since, or our transaction rolled back) fails the compare-and-set, which
#: matches seq *and* hash, and the head is read again.
_last_heads: dict[tuple[str, int], tuple[int, str]] = {}


def _head_key(agency_id: int) -> tuple[str, int]:
    return router.db_for_write(ChainHead), agency_id


def _move_head(agency_id: int, old: tuple[int, str], new: tuple[int, str]) -> bool:
    """Compare-and-set the agency's head from ``old`` (seq, hash) to ``new``; remember
    ``new`` on success, forget the agency's head otherwise. True when it moved."""
    key = _head_key(agency_id)
    moved = ChainHead.objects.filter(agency_id=agency_id, seq=old[0], hash=old[1]).update(
        seq=new[0], hash=new[1]
    )
    if moved == 1:
        _last_heads[key] = new
        return True
    _last_heads.pop(key, None)
    return False


def _start_head(agency_id: int, attempt: int) -> tuple[int, str]:
    """The head to append to: the one this process last wrote on the first attempt, the
    stored one (``_head``) after a lost compare-and-set or when none is remembered."""
    if attempt == 0:
        known = _last_heads.get(_head_key(agency_id))
        if known is not None:
            return known
    return _head(agency_id)


def _head(agency_id: int) -> tuple[int, str]:
    """(seq, hash) of the agency's chain head, creating an empty head if there is none.
    Two transactions creating it at once: the second one's insert fails on the primary
    key (after the first commits) inside a savepoint, and it reads the first one's row."""
    row = ChainHead.objects.filter(agency_id=agency_id).values_list("seq", "hash").first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            ChainHead.objects.create(agency_id=agency_id, seq=0, hash=GENESIS_HASH)
    except IntegrityError:
        return ChainHead.objects.filter(agency_id=agency_id).values_list("seq", "hash").get()
    return 0, GENESIS_HASH


def record(
    *,
    agency: Agency,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    on_behalf_of: str = "",
    at: dt.datetime | None = None,
) -> Event:
    """Append an event to ``agency``'s chain and return it: saved, or, inside a
    ``jaga.deferred.gathering()`` (a step completion's), appended with the operation's
    other events at its end, when its ``seq``, ``prev_hash`` and ``hash`` are set (its
    primary key stays unset on the returned object).

    - ``actor``: the user who acted, or None for the system (stored as ``actor_id`` and the
      login ``actor_label``, a snapshot that survives the user's deletion).
    - ``action``: a dotted verb such as ``"step.completed"`` (at most 100 characters).
    - ``obj``: the model instance acted on, giving ``object_type`` ``"app_label.model_name"``
      and ``object_id`` ``str(pk)``; or give ``object_type``/``object_id`` yourself (or
      neither, for an event about the agency as a whole). An ``obj`` of another agency is
      refused.
    - ``before``/``after``: dicts of the state (or None), converted by ``to_json``; the
      returned event holds exactly the stored, hashed JSON.
    - ``on_behalf_of``: e.g. ``"Plh Kepala Dinas"``; empty if the actor acted for themself.
    - ``at``: an aware datetime (stored in UTC); default now.

    Runs in a transaction of its own or, when called inside one, in the caller's, so the
    event commits together with the change it records; an error rolls that back too.
    Raises ValueError/TypeError for bad arguments (before writing anything) and
    ``AuditChainBusy`` if other writers moved the chain head ``MAX_ATTEMPTS`` times in a row.
    The append is compare-and-set on ``ChainHead``'s seq and hash (no row locks taken up
    front), starting from the head this process last wrote, if any (two statements, the
    update and the insert, for all the events of a gathering): under PostgreSQL's READ
    COMMITTED a concurrent append makes the update match no row, and the head is read
    again. It needs READ COMMITTED (Django's
    default), not REPEATABLE READ.
    """
    object_type, object_id = _object_key(obj, object_type, object_id)
    if obj is not None:
        owner = _agency_id_of(obj)
        if owner is not None and owner != agency.pk:
            raise ValueError(f"{obj._meta.label} {obj.pk} belongs to another agency")
    if agency.pk is None:
        raise ValueError("the agency is not saved yet")
    _check_text("action", action, _field_length("action"), required=True)
    _check_text("object_type", object_type, _field_length("object_type"))
    _check_text("object_id", object_id, _field_length("object_id"))
    _check_text("on_behalf_of", on_behalf_of, _field_length("on_behalf_of"))
    if actor is not None and actor.pk is None:
        raise ValueError("the actor is not saved yet")
    actor_id = actor.pk if actor is not None else None
    actor_label = actor.get_username() if actor is not None else ""
    _check_text("actor_label", actor_label, _field_length("actor_label"))
    before_json, after_json = to_json(before), to_json(after)
    if at is None:
        at = timezone.now()
    _utc_iso(at)  # refuses a naive datetime
    at = at.astimezone(dt.UTC)

    event = Event(
        agency=agency,
        at=at,
        actor_id=actor_id,
        actor_label=actor_label,
        on_behalf_of=on_behalf_of,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before_json,
        after=after_json,
    )
    deferred.add(_append, event)
    return event


def _append(events: Sequence[Event]) -> None:
    """Append ``events`` (unsaved, without ``seq``, ``prev_hash`` and ``hash``) to their
    agencies' chains in the given order, setting those three on each: per agency one
    compare-and-set of the head and one insert (a lone event is saved, so it gets its
    primary key), retried from the stored head after a lost compare-and-set;
    ``AuditChainBusy`` after ``MAX_ATTEMPTS`` losses. Runs in the caller's transaction."""
    by_agency: dict[int, list[Event]] = {}
    for event in events:
        by_agency.setdefault(event.agency_id, []).append(event)
    # savepoint=False: a failure here fails the caller's transaction, never half of it.
    with transaction.atomic(savepoint=False):
        for chain in by_agency.values():
            rows = [_hashed_fields(event) for event in chain]  # numbered by ``_chain``
            _chain(chain[0].agency, rows)
            for event, row in zip(chain, rows, strict=True):
                event.seq, event.prev_hash, event.hash = row["seq"], row["prev_hash"], row["hash"]
            if len(chain) == 1:
                chain[0].save()  # outside a gathering: the caller gets the saved event
            else:
                _insert(rows)


def _chain(agency: Agency, rows: list[dict[str, Any]]) -> None:
    """Number and hash ``rows`` (events by attribute name, in order) after ``agency``'s
    head and move the head past them (compare-and-set); ``seq``,
    ``prev_hash`` and ``hash`` of each row are set, and the caller inserts the rows in the
    same transaction. Retries from the stored head
    after a lost compare-and-set; ``AuditChainBusy`` after ``MAX_ATTEMPTS`` losses."""
    agency_id = agency.pk
    for attempt in range(MAX_ATTEMPTS):
        old_seq, old_hash = _start_head(agency_id, attempt)
        prev_hash = old_hash
        for offset, row in enumerate(rows):
            row.pop("hash", None)
            row["seq"] = old_seq + 1 + offset
            row["prev_hash"] = prev_hash
            prev_hash = row["hash"] = event_hash(**row)
        if _move_head(agency_id, (old_seq, old_hash), (old_seq + len(rows), prev_hash)):
            return
    raise AuditChainBusy(
        f"the audit chain of agency {agency.slug!r} moved {MAX_ATTEMPTS} times while "
        "appending; try again"
    )


@dataclass(frozen=True)
class Change:
    """One event of ``record_many``: ``action`` on the saved ``obj``, with ``before`` and
    ``after`` as ``record`` takes them."""

    action: str
    obj: models.Model
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


#: Events inserted per statement by ``record_many``.
BULK_BATCH = 1000


def _insert(events: list[dict[str, Any]]) -> None:
    """Insert new events (column values by attribute name) as multi-row INSERTs of
    ``BULK_BATCH`` rows. The model's queryset refuses bulk writes to keep everyone else on
    ``record``; this is the one bulk append. Plain SQL with each field's
    ``get_db_prep_save`` (the values ``save`` would store) where a value needs converting:
    ``bulk_create`` would spend more time compiling than the database writing."""
    connection = connections[router.db_for_write(Event)]
    fields = [f for f in Event._meta.concrete_fields if not f.primary_key]
    plain = (models.CharField, models.IntegerField, models.ForeignKey)
    prepare = [
        None
        if isinstance(f, plain)
        else functools.partial(f.get_db_prep_save, connection=connection)
        for f in fields
    ]
    names = [f.attname for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(BULK_BATCH, connection.ops.bulk_batch_size(fields, events)))
    with connection.cursor() as cursor:
        for start in range(0, len(events), size):
            chunk = events[start : start + size]
            params = [
                event[name] if convert is None else convert(event[name])
                for event in chunk
                for name, convert in zip(names, prepare, strict=True)
            ]
            cursor.execute(
                f"INSERT INTO {quote(Event._meta.db_table)} ({columns}) VALUES "
                + ", ".join([row] * len(chunk)),
                params,
            )


def record_many(
    *,
    agency: Agency,
    actor: User | None,
    changes: Sequence[Change],
    at: dt.datetime | None = None,
) -> int:
    """Append one event per change, in order, to ``agency``'s chain in one go, as many
    ``record`` calls with the same ``actor`` and ``at`` would (same hashes, same rows):
    the head is read once, the events are hashed in memory, the head is moved by one
    compare-and-set and the events are inserted in batches of ``BULK_BATCH``. For imports
    of many rows (issue 13 point 7: 100,000 devices, one event each, would otherwise cost
    three queries per event). Returns the number of events written.

    Checks every change before writing (``ValueError``/``TypeError`` as ``record``); runs
    in the caller's transaction; ``AuditChainBusy`` after ``MAX_ATTEMPTS`` lost
    compare-and-sets."""
    if not changes:
        return 0
    if agency.pk is None:
        raise ValueError("the agency is not saved yet")
    if actor is not None and actor.pk is None:
        raise ValueError("the actor is not saved yet")
    actor_id = actor.pk if actor is not None else None
    actor_label = actor.get_username() if actor is not None else ""
    _check_text("actor_label", actor_label, _field_length("actor_label"))
    if at is None:
        at = timezone.now()
    _utc_iso(at)
    at = at.astimezone(dt.UTC)
    lengths = {name: _field_length(name) for name in ("action", "object_type", "object_id")}
    prepared: list[tuple[str, str, str, dict[str, Any] | None, dict[str, Any] | None]] = []
    for change in changes:
        object_type, object_id = _object_key(change.obj, "", "")
        owner = _agency_id_of(change.obj)
        if owner is not None and owner != agency.pk:
            raise ValueError(f"{change.obj._meta.label} {change.obj.pk} belongs to another agency")
        _check_text("action", change.action, lengths["action"], required=True)
        _check_text("object_type", object_type, lengths["object_type"])
        _check_text("object_id", object_id, lengths["object_id"])
        prepared.append(
            (change.action, object_type, object_id, to_json(change.before), to_json(change.after))
        )
    rows = [
        {
            "agency_id": agency.pk,
            "seq": 0,
            "at": at,
            "actor_id": actor_id,
            "actor_label": actor_label,
            "on_behalf_of": "",
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "before": before,
            "after": after,
            "prev_hash": "",
        }
        for action, object_type, object_id, before, after in prepared
    ]
    with transaction.atomic(savepoint=False):
        _chain(agency, rows)
        _insert(rows)
    return len(rows)


# ---------------------------------------------------------------------------------------
# Reading


def history(obj: models.Model) -> QuerySet[Event]:
    """The events recorded about ``obj`` (same ``object_type``/``object_id`` as ``record``
    derives), oldest first: by ``seq`` within the object's agency when it has one (one index
    lookup), else by ``at`` then id across agencies."""
    object_type, object_id = _object_key(obj, "", "")
    events = Event.objects.filter(object_type=object_type, object_id=object_id)
    agency_id = _agency_id_of(obj)
    if agency_id is not None:
        return events.filter(agency_id=agency_id).order_by("seq")
    return events.order_by("at", "id")


# ---------------------------------------------------------------------------------------
# Verifying


@dataclass(frozen=True)
class BrokenEvent:
    """The first broken link found: the agency's slug, the event's ``seq`` and database id
    (None when the fault is a chain head without events) and the reason in English."""

    agency: str
    seq: int | None
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"event #{self.seq} (id {self.event_id})" if self.seq is not None else "chain"
        return f"agency {self.agency}, {where}: {self.reason}"


@dataclass(frozen=True)
class ChainState:
    """The last link of a verified chain: publish it elsewhere to detect a truncated log."""

    agency: str
    seq: int
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    """``ok`` when every chain checked is intact; ``events_checked`` events read in
    ``chains`` chains (agencies with events or a head); ``broken`` the first fault found
    (verification stops there); ``heads`` the last link of each intact chain."""

    ok: bool
    events_checked: int
    chains: int
    broken: BrokenEvent | None = None
    heads: tuple[ChainState, ...] = field(default=())


def _missing(expected: int, found: int) -> str:
    if found < expected:
        return f"event #{found} is out of order: expected #{expected}"
    if found == expected + 1:
        return f"event #{expected} is missing"
    return f"events #{expected}–#{found - 1} are missing"


def _unreadable(agency: Agency, from_seq: int) -> BrokenEvent:
    """The first event from ``from_seq`` on whose stored values cannot be read (read one
    by one: the chunked read that failed does not say which row it was)."""
    rows = Event.objects.filter(agency=agency, seq__gte=from_seq).order_by("seq")
    for pk, seq in rows.values_list("pk", "seq").iterator():
        try:
            Event.objects.get(pk=pk)
        except (ValueError, TypeError) as exc:
            return BrokenEvent(agency.slug, seq, pk, f"a stored value cannot be read: {exc}")
    return BrokenEvent(agency.slug, None, None, f"an event after #{from_seq - 1} cannot be read")


def _verify_chain(agency: Agency) -> tuple[int, BrokenEvent | ChainState | None]:
    """(events read, the fault or the chain's last link) for one agency; None instead of
    the last link when the agency has neither events nor a chain head.

    The head is read before the events: an event appended meanwhile is newer than the head
    read, and is checked against the head read again at the end."""

    def broken(event: Event | None, reason: str) -> BrokenEvent:
        return BrokenEvent(
            agency.slug,
            event.seq if event is not None else None,
            event.pk if event is not None else None,
            reason,
        )

    first_head = ChainHead.objects.filter(agency=agency).values_list("seq", "hash").first()
    head_seq, head_hash = first_head or (0, GENESIS_HASH)
    checked = 0
    expected = 1
    prev_hash = GENESIS_HASH
    last: Event | None = None
    events = Event.objects.filter(agency=agency).order_by("seq").iterator(VERIFY_CHUNK)
    while True:
        try:
            event = next(events)
        except StopIteration:
            break
        except (ValueError, TypeError):  # a stored value its column type cannot parse
            return checked + 1, _unreadable(agency, expected)
        checked += 1
        if event.seq != expected:
            return checked, broken(event, _missing(expected, event.seq))
        try:
            intact = _stored_hash(event) == event.hash
        except (AttributeError, TypeError, ValueError):  # e.g. a time that is not one
            intact = False
        if not intact:
            return checked, broken(event, "hash does not match its contents")
        if event.prev_hash != prev_hash:
            if event.seq == 1:
                return checked, broken(event, "prev_hash of the first event is not 64 zeros")
            return checked, broken(event, f"prev_hash does not match event #{event.seq - 1}")
        if event.seq == head_seq and event.hash != head_hash:
            return checked, broken(
                event, f"the chain head's hash does not match event #{event.seq}"
            )
        prev_hash = event.hash
        expected += 1
        last = event
    last_seq = expected - 1
    if last_seq < head_seq:
        if last is None:
            return checked, broken(None, f"chain head says #{head_seq} but there are no events")
        return checked, broken(
            last, f"chain head says #{head_seq} but the last event is #{last_seq}"
        )
    if last is not None and last_seq > head_seq:
        now = ChainHead.objects.filter(agency=agency).values_list("seq", "hash").first()
        if now is None:
            return checked, broken(
                last, f"there is no chain head but the last event is #{last_seq}"
            )
        if now[0] < last_seq:
            return checked, broken(
                last, f"chain head says #{now[0]} but the last event is #{last_seq}"
            )
        if now[0] == last_seq and now[1] != last.hash:
            return checked, broken(last, f"the chain head's hash does not match event #{last_seq}")
    if last is None and first_head is None:
        return checked, None
    return checked, ChainState(agency.slug, last_seq, prev_hash)


def verify(agency: Agency | None = None) -> VerifyResult:
    """Recompute the chain of ``agency`` (default: of every agency with events or a chain
    head, by slug) and stop at the first broken link.

    Per event, in ``seq`` order: the numbers run 1, 2, 3… without gaps ("events #17–#18
    are missing"), the stored hash equals the hash of the stored contents ("hash does not
    match its contents"), ``prev_hash`` equals the previous event's hash ("prev_hash does
    not match event #16"); at the end, the chain head names the last event ("chain head
    says #20 but the last event is #19"). Events are streamed (``iterator``), so memory
    does not grow with the log. Read-only; safe while others append.
    """
    if agency is not None:
        agencies: list[Agency] = [agency]
    else:
        agencies = list(
            Agency.objects.filter(
                Q(pk__in=Event.objects.values("agency_id"))
                | Q(pk__in=ChainHead.objects.values("agency_id"))
            ).order_by("slug")
        )
    total = 0
    chains = 0
    heads: list[ChainState] = []
    for each in agencies:
        checked, outcome = _verify_chain(each)
        total += checked
        if isinstance(outcome, BrokenEvent):
            return VerifyResult(False, total, chains + 1, outcome, tuple(heads))
        if outcome is not None:
            chains += 1
            heads.append(outcome)
    return VerifyResult(True, total, chains, None, tuple(heads))
