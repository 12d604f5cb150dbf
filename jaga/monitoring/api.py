"""The agents' protocol, under ``/api/monitor/v1/`` (``jaga agent``; docs/monitoring.md,
"Remote agents"). Plain JSON over HTTP(S); every request carries the agent's token as
``Authorization: Bearer <token>``.

- ``GET assignments/`` answers ``{"agent": name, "checks": [check, ...], "reload_s": 60}``,
  each check ``{"id", "name", "kind", "address", "port", "params", "interval_s",
  "timeout_s"}`` (seconds; ``port`` may be null; ``params`` as on ``models.Check``): the
  enabled checks assigned to the agent, in id order. The agent asks again every
  ``reload_s`` seconds.
- ``POST results/`` takes ``{"results": [result, ...]}``, at most ``MAX_RESULTS``, each
  ``{"check": id, "at": UNIX seconds, "ok": bool, "rtt_ms": number >= 0 or null,
  "reason": string of at most 300 characters or null}`` and no other field, for a check
  assigned to the agent, with ``at`` at most ``MAX_FUTURE_S`` seconds ahead of the server's
  clock and at most ``MAX_AGE_S`` seconds old. All or nothing: any bad result answers 400
  ``{"error": message, "errors": [{"index": i, "field": name, "message": text}, ...]}``
  (``index`` the result's position in the list) and applies none. Otherwise the results
  are applied in time order through a ``Keeper`` (states, outages, rollups; a result older
  than the newest one applied to its check counts in the rollups only) and the answer is
  ``{"accepted": n}``.

Errors are JSON ``{"error": message}``: 401 without a valid token (with
``WWW-Authenticate: Bearer``), 403 for the token of an agent whose agency is inactive
(``Agency.is_active`` off; the agent is not marked seen), 405 for another method (with
``Allow``), 400 for a body that is not a JSON object with a ``results`` list, 413 for a body
over ``MAX_BODY_BYTES``. Every authenticated request updates the agent's ``last_seen_at``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from jaga.monitoring.keeper import Keeper
from jaga.monitoring.models import Agent
from jaga.monitoring.services import MAX_TOKEN_LENGTH, agent_for_token, hash_token
from jaga.monitoring.topology import load_specs

#: Seconds between two pulls of the assignments by an agent.
RELOAD_S = 60
#: The most results one request may carry.
MAX_RESULTS = 5000
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

_FIELDS = ("check", "at", "ok", "rtt_ms", "reason")

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


def _number(value: object) -> float | None:
    """``value`` as a finite float, or None when it is not a finite JSON number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def parse_result(
    item: object, assigned: set[int], now: float
) -> tuple[Result | None, list[tuple[str, str]]]:
    """Validate one result against the agent's ``assigned`` check ids and the server's
    clock ``now`` (UNIX seconds). Returns the result, or None with the (field, message)
    errors."""
    if not isinstance(item, dict):
        return None, [("", "a result must be a JSON object")]
    problems = [(key, "unknown field") for key in item if key not in _FIELDS]
    problems += [(key, "missing") for key in ("check", "at", "ok") if key not in item]
    check = item.get("check")
    if "check" in item:
        if isinstance(check, bool) or not isinstance(check, int):
            problems.append(("check", "must be a check id (an integer)"))
        elif check not in assigned:
            problems.append(("check", f"check {check} is not assigned to this agent"))
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
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        problems.append(("reason", f"must be null or a string of at most {MAX_REASON} characters"))
    if problems or not isinstance(check, int) or at is None or not isinstance(ok, bool):
        return None, problems
    return Result(check, at, ok, rtt, reason), []


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
    """Apply a batch of ``agent``'s results, all or none (module docstring for the shape)."""
    body = _body(request)
    if isinstance(body, HttpResponse):
        return body
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return error(400, "the body is not JSON")
    items = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        return error(400, 'the body must be a JSON object with a "results" list')
    if len(items) > MAX_RESULTS:
        return error(400, f"at most {MAX_RESULTS} results per request, not {len(items)}")
    keeper = Keeper(agent=agent.pk, agencies=[agent.agency_id])
    with transaction.atomic():
        # One batch of an agent at a time: the row lock (PostgreSQL; SQLite locks the
        # database) orders two requests of the same agent.
        Agent.objects.select_for_update().filter(pk=agent.pk).first()
        assigned = {spec.id for spec in keeper.load()}
        now = time.time()
        parsed: list[Result] = []
        errors: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            result, problems = parse_result(item, assigned, now)
            if result is not None:
                parsed.append(result)
            errors += [{"index": index, "field": f, "message": m} for f, m in problems]
        if errors:
            return error(400, "invalid results; none was applied", errors=errors)
        accepted = 0
        for result in sorted(parsed, key=lambda r: r.at):
            change = keeper.record(result.check, result.ok, result.at, result.rtt_ms, result.reason)
            accepted += change is not None
        keeper.flush()
        keeper.flush_rollups()
    return JsonResponse({"accepted": accepted})
