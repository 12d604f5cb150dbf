"""The agents' protocol, under ``/api/monitor/v1/`` (``jaga agent``; docs/monitoring.md,
"Remote agents"). Plain JSON over HTTP(S); every request carries the agent's token as
``Authorization: Bearer <token>``.

- ``GET assignments/`` answers ``{"agent": name, "checks": [check, ...], "reload_s": 60}``,
  each check ``{"id", "name", "kind", "address", "port", "params", "interval_s",
  "timeout_s"}`` (seconds; ``port`` may be null; ``params`` as on ``models.Check``): the
  enabled checks assigned to the agent, in id order. The agent asks again every
  ``reload_s`` seconds.
- ``POST results/`` takes ``{"batches": [{"id": batch id, "results": [result, ...]}, ...]}``:
  1 to ``MAX_BATCHES`` batches, each with at least one result, at most ``MAX_RESULTS``
  results in all. A batch id is 1 to 100 letters, digits or ``. _ : -``, chosen by the agent
  and kept with the batch until the server took it (``jaga.monitoring.spool``), unique in
  the request. Each result is ``{"check": id, "at": UNIX seconds, "ok": bool, "rtt_ms":
  number 0..``MAX_RTT_MS`` or null, "reason": string or null}`` and no other field, for a
  check assigned to the agent, with ``at`` at most ``MAX_FUTURE_S`` seconds ahead of the
  server's clock and at most ``MAX_AGE_S`` seconds old; a reason has at most
  ``MAX_REASON`` characters and no control character (``reason_problem``). The older form
  ``{"results": [result, ...]}`` is one batch whose id is the SHA-256 of the body.

  A batch the agent already delivered (its id is in ``AppliedBatch``) is not applied again:
  a request whose batches were all applied answers 200 ``{"accepted": 0,
  "already_applied": [id, ...], "message": "already applied"}``, so the agent drops them
  (issue 13 point 8). The other batches are validated all or nothing: any bad result
  answers 400 ``{"error": message, "errors": [{"batch": b, "index": i, "field": name,
  "message": text}, ...]}`` (``b`` the batch's position in the request, ``i`` the result's
  in its batch; at most ``MAX_ERRORS``) and applies none. Otherwise their results are
  applied in time order through a ``Keeper`` (states, outages, rollups; a result older
  than the newest one applied to its check counts in the rollups only), their ids are
  recorded (kept ``BATCH_RETENTION_S`` seconds) and the answer is ``{"accepted": n}``,
  with ``"already_applied"`` when some were.

Errors are JSON ``{"error": message}``: 401 without a valid token (with
``WWW-Authenticate: Bearer``), 403 for the token of an agent whose agency is inactive
(``Agency.is_active`` off; the agent is not marked seen), 405 for another method (with
``Allow``), 400 for a body that is not UTF-8 JSON (or nested too deep) or not of the shape
above, 413 for a body over ``MAX_BODY_BYTES``. Bad input never answers 5xx (which the agent
would send again forever). Every authenticated request updates the agent's ``last_seen_at``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from jaga.monitoring.keeper import Keeper
from jaga.monitoring.models import Agent, AppliedBatch
from jaga.monitoring.services import MAX_TOKEN_LENGTH, agent_for_token, hash_token
from jaga.monitoring.topology import load_specs

#: Seconds between two pulls of the assignments by an agent.
RELOAD_S = 60
#: The most results one request may carry.
MAX_RESULTS = 5000
#: The most batches one request may carry.
MAX_BATCHES = 1000
#: The most per-result errors a 400 answer lists.
MAX_ERRORS = 1000
#: The largest request body, in bytes.
MAX_BODY_BYTES = 5 * 1024 * 1024
#: How far ahead of the server's clock a result may be, in seconds.
MAX_FUTURE_S = 300.0
#: How old a result may be, in seconds (an agent buffers up to this long).
MAX_AGE_S = 7 * 86_400.0
#: The longest failure reason.
MAX_REASON = 300
#: The largest round-trip time accepted, in milliseconds (one hour).
MAX_RTT_MS = 3_600_000.0

#: How long the ids of applied batches are kept, in seconds: longer than a result may be
#: old plus ahead, so a batch sent again after its id was pruned holds only results too old
#: to be taken, and is refused rather than counted twice.
BATCH_RETENTION_S = MAX_AGE_S + MAX_FUTURE_S + 86_400.0
#: A batch id.
BATCH_ID = re.compile(rf"[A-Za-z0-9._:-]{{1,{AppliedBatch.BATCH_ID_LENGTH}}}")

_FIELDS = ("check", "at", "ok", "rtt_ms", "reason")
#: Bidirectional controls (Unicode category Cf) that reorder the text around them.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

AgentView = Callable[[HttpRequest, Agent], HttpResponse]


def error(status: int, message: str, **extra: Any) -> JsonResponse:
    """A JSON error answer ``{"error": message, **extra}`` with ``status``."""
    return JsonResponse({"error": message, **extra}, status=status)


def bearer_token(request: HttpRequest) -> str:
    """The token of an ``Authorization: Bearer <token>`` header, or "" without one."""
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def agent_api(method: str) -> Callable[[AgentView], Callable[[HttpRequest], HttpResponse]]:
    """Make ``view(request, agent)`` an endpoint of the protocol: CSRF-exempt (no cookies
    are used), ``method`` only (else 405), the agent found by its bearer token (else 401)
    and its ``last_seen_at`` set to now."""

    def decorate(view: AgentView) -> Callable[[HttpRequest], HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def endpoint(request: HttpRequest) -> HttpResponse:
            if request.method != method:
                response = error(405, f"use {method}")
                response["Allow"] = method
                return response
            token = bearer_token(request)
            agent = agent_for_token(token)
            if agent is None and _agent_of_inactive_agency(token):
                return error(403, "the agent's agency is inactive")
            if agent is None:
                response = error(401, "missing or invalid agent token")
                response["WWW-Authenticate"] = 'Bearer realm="jaga-agent"'
                return response
            Agent.objects.filter(pk=agent.pk).update(last_seen_at=timezone.now())
            return view(request, agent)

        return endpoint

    return decorate


def _agent_of_inactive_agency(token: str) -> bool:
    """True when ``token`` is an active agent's but its agency is inactive
    (``Agency.is_active`` False; issue 13 point 4): the agent is told 403, not 401."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return False
    return Agent.objects.filter(
        token_sha256=hash_token(token), is_active=True, agency__is_active=False
    ).exists()


@agent_api("GET")
def assignments(request: HttpRequest, agent: Agent) -> HttpResponse:
    """The enabled checks assigned to ``agent`` (module docstring for the shape)."""
    specs = sorted(load_specs(agent=agent.pk, agencies=[agent.agency_id]), key=lambda s: s.id)
    checks = [
        {
            "id": spec.id,
            "name": spec.name,
            "kind": spec.kind,
            "address": spec.address,
            "port": spec.port,
            "params": dict(spec.params),
            "interval_s": spec.interval_s,
            "timeout_s": spec.timeout_s,
        }
        for spec in specs
    ]
    return JsonResponse({"agent": agent.name, "checks": checks, "reload_s": RELOAD_S})


@dataclass(frozen=True, slots=True)
class Result:
    """One validated result: check id, ``at`` UNIX seconds, ``rtt_ms`` milliseconds."""

    check: int
    at: float
    ok: bool
    rtt_ms: float | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Batch:
    """One batch of a request: the agent's ``id`` and its raw ``items`` (not validated)."""

    id: str
    items: list[object]


class BadRequest(Exception):
    """A request body the protocol refuses (answered 400 ``{"error": message}``)."""


def _number(value: object) -> float | None:
    """``value`` as a finite float, or None when it is not a finite JSON number (a JSON
    integer too large for a float is not one)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def reason_problem(reason: str) -> str | None:
    """Why ``reason`` cannot be stored, or None when it can: longer than ``MAX_REASON``,
    a control character (NUL included: PostgreSQL refuses it in text), a bidirectional
    control (it would reorder what the pages show) or a lone surrogate (not UTF-8).
    Issue 13 point 8."""
    if len(reason) > MAX_REASON:
        return f"must be at most {MAX_REASON} characters"
    for char in reason:
        if char in _BIDI or unicodedata.category(char) in ("Cc", "Cs"):
            return f"must not contain the control character U+{ord(char):04X}"
    return None


def clean_reason(reason: str) -> str:
    """``reason`` made acceptable to ``reason_problem``: every control character replaced
    by a space, then cut to ``MAX_REASON`` characters (what the agent sends)."""
    cleaned = "".join(
        " " if char in _BIDI or unicodedata.category(char) in ("Cc", "Cs") else char
        for char in reason
    )
    return cleaned[:MAX_REASON]


def parse_result(
    item: object, assigned: set[int], now: float
) -> tuple[Result | None, list[tuple[str, str]]]:
    """Validate one result against the agent's ``assigned`` check ids and the server's
    clock ``now`` (UNIX seconds). Returns the result, or None with the (field, message)
    errors."""
    if not isinstance(item, dict):
        return None, [("", "a result must be a JSON object")]
    problems = [(str(key)[:50], "unknown field") for key in item if key not in _FIELDS]
    problems += [(key, "missing") for key in ("check", "at", "ok") if key not in item]
    check = item.get("check")
    if "check" in item:
        if isinstance(check, bool) or not isinstance(check, int):
            problems.append(("check", "must be a check id (an integer)"))
        elif check not in assigned:
            problems.append(("check", f"check {check} is not assigned to this agent"[:200]))
    at = _number(item.get("at"))
    if "at" in item:
        if at is None:
            problems.append(("at", "must be UNIX seconds (a finite number)"))
        elif at > now + MAX_FUTURE_S:
            problems.append(("at", f"more than {MAX_FUTURE_S:g} s in the future"))
        elif at < now - MAX_AGE_S:
            problems.append(("at", f"older than {MAX_AGE_S / 86_400:g} days"))
    ok = item.get("ok")
    if "ok" in item and not isinstance(ok, bool):
        problems.append(("ok", "must be true or false"))
    raw_rtt = item.get("rtt_ms")
    rtt = _number(raw_rtt)
    if raw_rtt is not None and (rtt is None or not 0 <= rtt <= MAX_RTT_MS):
        problems.append(("rtt_ms", f"must be null or a number of milliseconds 0..{MAX_RTT_MS:g}"))
    reason = item.get("reason")
    if reason is not None and not isinstance(reason, str):
        problems.append(("reason", f"must be null or a string of at most {MAX_REASON} characters"))
    elif reason is not None and (problem := reason_problem(reason)) is not None:
        problems.append(("reason", problem))
    if problems or not isinstance(check, int) or at is None or not isinstance(ok, bool):
        return None, problems
    return Result(check, at, ok, rtt, reason), []


def parse_batches(body: bytes) -> list[Batch]:
    """The batches of a request body (module docstring for the shape), their results not
    yet validated. A body in the older form ``{"results": [...]}`` is one batch whose id is
    ``body-sha256:`` and the SHA-256 of the body, so the same request sent again is
    applied once too. Raises ``BadRequest`` for a body that is not UTF-8 JSON (nesting too
    deep included), not of either form, with a bad or repeated batch id, an empty batch,
    more than ``MAX_BATCHES`` batches or more than ``MAX_RESULTS`` results in all."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body is not JSON") from None
    except RecursionError:  # "[[[[…" 100,000 deep
        raise BadRequest("the body's JSON is nested too deep") from None
    if not isinstance(payload, dict) or not (
        payload.keys() == {"results"} or payload.keys() == {"batches"}
    ):
        raise BadRequest('the body must be a JSON object with a "batches" (or "results") list')
    if "results" in payload:
        items = payload["results"]
        if not isinstance(items, list):
            raise BadRequest('"results" must be a list')
        if len(items) > MAX_RESULTS:
            raise BadRequest(f"at most {MAX_RESULTS} results per request, not {len(items)}")
        digest = hashlib.sha256(body).hexdigest()
        return [Batch(f"body-sha256:{digest}", items)] if items else []
    raw = payload["batches"]
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_BATCHES:
        raise BadRequest(f'"batches" must be a list of 1 to {MAX_BATCHES} batches')
    batches: list[Batch] = []
    seen: set[str] = set()
    total = 0
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict) or entry.keys() != {"id", "results"}:
            raise BadRequest(f'batch {index}: must be an object with "id" and "results" only')
        batch_id, items = entry["id"], entry["results"]
        if not isinstance(batch_id, str) or not BATCH_ID.fullmatch(batch_id):
            raise BadRequest(
                f"batch {index}: the id must be 1 to {AppliedBatch.BATCH_ID_LENGTH} letters, "
                "digits or . _ : -"
            )
        if batch_id in seen:
            raise BadRequest(f"batch {index}: the id {batch_id} is repeated")
        if not isinstance(items, list) or not items:
            raise BadRequest(f'batch {index}: "results" must be a list of at least one result')
        total += len(items)
        if total > MAX_RESULTS:
            raise BadRequest(f"at most {MAX_RESULTS} results per request")
        seen.add(batch_id)
        batches.append(Batch(batch_id, items))
    return batches


def _body(request: HttpRequest) -> bytes | HttpResponse:
    """The request body, or the error answer for a body too large (413)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return error(400, "bad Content-Length")
    if length > MAX_BODY_BYTES:
        return error(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return error(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    return body


@agent_api("POST")
def results(request: HttpRequest, agent: Agent) -> HttpResponse:
    """Apply the batches of ``agent``'s results not applied before, all or none (module
    docstring for the shape)."""
    body = _body(request)
    if isinstance(body, HttpResponse):
        return body
    try:
        batches = parse_batches(body)
    except BadRequest as exc:
        return error(400, str(exc))
    keeper = Keeper(agent=agent.pk, agencies=[agent.agency_id])
    with transaction.atomic():
        # One request of an agent at a time: the row lock (PostgreSQL; SQLite locks the
        # database) orders two requests of the same agent, so a batch sent twice at once
        # is still applied once (and the unique constraint stands behind it).
        Agent.objects.select_for_update().filter(pk=agent.pk).first()
        ids = [batch.id for batch in batches]
        done = set(
            AppliedBatch.objects.filter(agent=agent, batch_id__in=ids).values_list(
                "batch_id", flat=True
            )
        )
        fresh = [(index, batch) for index, batch in enumerate(batches) if batch.id not in done]
        assigned = {spec.id for spec in keeper.load()} if fresh else set()
        now = time.time()
        parsed: list[Result] = []
        errors: list[dict[str, Any]] = []
        for number, batch in fresh:
            for index, item in enumerate(batch.items):
                result, problems = parse_result(item, assigned, now)
                if result is not None:
                    parsed.append(result)
                errors += [
                    {"batch": number, "index": index, "field": f, "message": m} for f, m in problems
                ]
        if errors:
            return error(400, "invalid results; none was applied", errors=errors[:MAX_ERRORS])
        accepted = 0
        for result in sorted(parsed, key=lambda r: r.at):
            change = keeper.record(result.check, result.ok, result.at, result.rtt_ms, result.reason)
            accepted += change is not None
        keeper.flush()
        keeper.flush_rollups()
        applied_at = timezone.now()
        AppliedBatch.objects.bulk_create(
            AppliedBatch(
                agent=agent, batch_id=batch.id, applied_at=applied_at, results=len(batch.items)
            )
            for _, batch in fresh
        )
        AppliedBatch.objects.filter(
            agent=agent, applied_at__lt=applied_at - timedelta(seconds=BATCH_RETENTION_S)
        ).delete()
    answer: dict[str, Any] = {"accepted": accepted}
    if done:
        answer["already_applied"] = [batch_id for batch_id in ids if batch_id in done]
        if not fresh:
            answer["message"] = "already applied"
    return JsonResponse(answer)
