"""The agents' protocol never answers 5xx to bad input and applies a batch once (issue 13
point 8): every malformed body or result answers 400 with a JSON error and applies nothing;
a batch sent again (its answer was lost) answers 200 "already applied" and counts once; the
agent's spool keeps a batch's id across retries and restarts.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import time_machine
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from jaga.monitoring.agent import RemoteAgent
from jaga.monitoring.api import (
    BATCH_RETENTION_S,
    MAX_BATCHES,
    MAX_RESULTS,
    clean_reason,
    reason_problem,
)
from jaga.monitoring.models import AppliedBatch, CheckState, ResultMinute
from jaga.monitoring.spool import Spool
from tests.monitoring import test_agent_api
from tests.monitoring.test_agent_api import RESULTS, T0, Fleet, auth, counted, post_results, result

pytestmark = pytest.mark.django_db

fleet = test_agent_api.fleet  # the fixture


def post(token: str, body: bytes | str) -> Any:
    return Client().post(RESULTS, data=body, content_type="application/json", headers=auth(token))


def post_batches(token: str, batches: list[tuple[str, list[Any]]]) -> Any:
    body = {"batches": [{"id": bid, "results": items} for bid, items in batches]}
    return post(token, json.dumps(body))


def nothing_applied() -> bool:
    return not (
        CheckState.objects.exists()
        or ResultMinute.objects.exists()
        or AppliedBatch.objects.exists()
    )


# -- bad input: 400, never 500 ----------------------------------------------------------


@pytest.mark.parametrize(
    "reason",
    ["time\x00out", "\x1b[31mred", "line\nbreak", "\x7f", "\u202eevil", "\ud800"],
    ids=["nul", "escape", "newline", "delete", "bidi-override", "lone-surrogate"],
)
def test_it_refuses_a_reason_with_a_control_character(fleet: Fleet, reason: str) -> None:
    batch = [result(fleet.ping, T0 + 1), result(fleet.ping, T0 + 2, ok=False, reason=reason)]
    response = post_results(fleet.token, batch)
    assert response.status_code == 400
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(1, "reason")]
    assert nothing_applied()


@pytest.mark.parametrize("where", ["body", "results", "result"])
def test_it_refuses_json_nested_100000_deep(fleet: Fleet, where: str) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    body = {
        "body": deep,
        "results": '{"results": ' + deep + "}",
        "result": '{"results": [{"check": 1, "at": 1, "ok": true, "reason": ' + deep + "}]}",
    }[where]
    response = post(fleet.token, body)
    assert response.status_code == 400
    assert "nested too deep" in response.json()["error"]
    assert nothing_applied()


@pytest.mark.parametrize("field", ["at", "rtt_ms"])
def test_it_refuses_a_number_too_large_for_a_float(fleet: Fleet, field: str) -> None:
    good = json.dumps(result(fleet.ping, T0 + 1))
    bad = good.replace(f'"{field}": ', f'"{field}": 1{"0" * 400}, "x{field}": ', 1)
    response = post(fleet.token, '{"results": [' + bad + "]}")
    assert response.status_code == 400
    assert field in {e["field"] for e in response.json()["errors"]}
    assert nothing_applied()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"results": [], "batches": []}', '"batches"'),
        ('{"batches": []}', "1 to"),
        ('{"batches": {}}', "1 to"),
        ('{"batches": [{"id": "a", "results": []}]}', "at least one result"),
        ('{"batches": [{"id": "a", "results": "x"}]}', "at least one result"),
        ('{"batches": [{"id": "a"}]}', '"id" and "results" only'),
        ('{"batches": [{"id": "a", "results": [1], "x": 1}]}', '"id" and "results" only'),
        ('{"batches": [{"id": "", "results": [1]}]}', "the id must be"),
        ('{"batches": [{"id": 7, "results": [1]}]}', "the id must be"),
        ('{"batches": [{"id": "a\\u0000b", "results": [1]}]}', "the id must be"),
        ('{"batches": [{"id": "' + "a" * 101 + '", "results": [1]}]}', "the id must be"),
        ('{"batches": [{"id": "a", "results": [1]}, {"id": "a", "results": [1]}]}', "repeated"),
        ('"\\u0000"', '"batches"'),
        ("\u0000", "not JSON"),
    ],
)
def test_it_refuses_a_malformed_request(fleet: Fleet, body: str, message: str) -> None:
    response = post(fleet.token, body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert nothing_applied()


def test_it_refuses_more_batches_or_results_than_a_request_may_carry(fleet: Fleet) -> None:
    one = [result(fleet.ping, T0 + 1)]
    many = post_batches(fleet.token, [(f"b{i}", one) for i in range(MAX_BATCHES + 1)])
    assert many.status_code == 400
    half = [result(fleet.ping, T0 + 1)] * (MAX_RESULTS // 2 + 1)
    large = post_batches(fleet.token, [("a", half), ("b", half)])
    assert large.status_code == 400
    assert f"at most {MAX_RESULTS} results" in large.json()["error"]
    assert nothing_applied()


def test_it_names_the_batch_and_the_position_of_a_bad_result(fleet: Fleet) -> None:
    first = [result(fleet.ping, T0 + 1)]
    second = [result(fleet.ping, T0 + 2), result(fleet.ping, time.time() + 3600)]
    response = post_batches(fleet.token, [("a", first), ("b", second)])
    assert response.status_code == 400
    assert [(e["batch"], e["index"], e["field"]) for e in response.json()["errors"]] == [
        (1, 1, "at")
    ]
    assert nothing_applied()


@given(st.text())
def test_a_cleaned_reason_is_always_accepted(reason: str) -> None:
    assert reason_problem(clean_reason(reason)) is None


# -- a batch is applied once ---------------------------------------------------------------


def test_a_batch_sent_twice_is_applied_once(fleet: Fleet) -> None:
    batch = [result(fleet.ping, T0 + 1), result(fleet.tcp, T0 + 2, ok=False)]
    assert post_batches(fleet.token, [("b1", batch)]).json() == {"accepted": 2}
    state = CheckState.objects.get(monitor_check=fleet.tcp)
    again = post_batches(fleet.token, [("b1", batch)])
    assert again.status_code == 200
    assert again.json() == {
        "accepted": 0,
        "already_applied": ["b1"],
        "message": "already applied",
    }
    assert (counted(fleet.ping), counted(fleet.tcp)) == (1, 1)
    replayed = CheckState.objects.get(monitor_check=fleet.tcp)
    assert (replayed.fails, replayed.last_at) == (state.fails, state.last_at)
    assert AppliedBatch.objects.get(agent=fleet.agent).results == 2


def test_a_request_in_the_older_form_sent_twice_is_applied_once(fleet: Fleet) -> None:
    batch = [result(fleet.ping, T0 + 1), result(fleet.ping, T0 + 31)]
    assert post_results(fleet.token, batch).json() == {"accepted": 2}
    again = post_results(fleet.token, batch).json()
    assert again["accepted"] == 0
    assert again["message"] == "already applied"
    assert counted(fleet.ping) == 2


def test_only_the_new_batches_of_a_request_are_applied(fleet: Fleet) -> None:
    old, new = [result(fleet.ping, T0 + 1)], [result(fleet.ping, T0 + 2)]
    post_batches(fleet.token, [("old", old)])
    answer = post_batches(fleet.token, [("old", old), ("new", new)]).json()
    assert answer == {"accepted": 1, "already_applied": ["old"]}
    assert counted(fleet.ping) == 2


def test_a_batch_id_counts_per_agent(fleet: Fleet) -> None:
    post_batches(fleet.token, [("same", [result(fleet.ping, T0 + 1)])])
    answer = post_batches(fleet.other_token, [("same", [result(fleet.foreign, T0 + 1)])])
    assert answer.json() == {"accepted": 1}


def test_a_refused_batch_is_applied_when_sent_again_without_its_bad_result(
    fleet: Fleet,
) -> None:
    bad = result(fleet.ping, T0 + 2, ok=False, reason="\x00")
    assert post_batches(fleet.token, [("b1", [result(fleet.ping, T0 + 1), bad])]).status_code == 400
    assert post_batches(fleet.token, [("b1", [result(fleet.ping, T0 + 1)])]).json() == {
        "accepted": 1
    }
    assert counted(fleet.ping) == 1


def test_it_forgets_applied_batch_ids_after_their_retention(fleet: Fleet) -> None:
    post_batches(fleet.token, [("early", [result(fleet.ping, T0 + 1)])])
    later = time.time() + BATCH_RETENTION_S + 60
    with time_machine.travel(later, tick=False):
        post_batches(fleet.token, [("late", [result(fleet.ping, later - 5)])])
        ids = set(AppliedBatch.objects.values_list("batch_id", flat=True))
        assert ids == {"late"}
        # Sent again after its id was forgotten, the early batch is too old to be taken.
        again = post_batches(fleet.token, [("early", [result(fleet.ping, T0 + 1)])])
        assert again.status_code == 400
        assert again.json()["errors"][0]["field"] == "at"


def test_the_retention_outlasts_the_oldest_result_taken() -> None:
    from jaga.monitoring.api import MAX_AGE_S, MAX_FUTURE_S

    assert timedelta(seconds=BATCH_RETENTION_S) > timedelta(seconds=MAX_AGE_S + MAX_FUTURE_S)


# -- the agent keeps a batch's id --------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    """Answers POSTs with the statuses in ``server.statuses`` in turn (200 once they run
    out) and keeps each request's JSON body in ``server.bodies``."""

    server: RecordingServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.server.bodies.append(json.loads(self.rfile.read(length)))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        payload = b'{"accepted": 1}' if status == 200 else b'{"error": "busy"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class RecordingServer(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Recorder)
        self.bodies: list[Any] = []
        self.statuses: list[int] = []


@pytest.fixture
def recorder() -> Iterator[RecordingServer]:
    server = RecordingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def send(url: str, spool: Spool) -> bool:
    agent = RemoteAgent(url, "token", spool.directory)

    async def go() -> bool:
        async with httpx.AsyncClient(base_url=agent.base) as client:
            return await agent.send_pending(client, spool)

    return asyncio.run(go())


LINE = {"check": 1, "at": 1.0, "ok": True, "rtt_ms": 1.0, "reason": None}


@pytest.mark.django_db(databases=[])
def test_the_spool_sends_a_batch_with_the_same_id_on_every_retry(
    recorder: RecordingServer, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{recorder.server_address[1]}"
    spool = Spool(tmp_path / "spool")
    spool.append([LINE])
    recorder.statuses = [503, 429]
    assert not send(url, spool)
    assert not send(url, Spool(tmp_path / "spool"))  # after a restart too
    assert send(url, Spool(tmp_path / "spool"))
    ids = [[batch["id"] for batch in body["batches"]] for body in recorder.bodies]
    assert len(ids) == 3
    assert ids[0] == ids[1] == ids[2]
    assert len(ids[0]) == 1
    assert recorder.bodies[0]["batches"][0]["results"] == [LINE]
    assert Spool(tmp_path / "spool").files() == []


@pytest.mark.django_db(databases=[])
def test_a_batch_rewritten_after_a_refusal_keeps_its_id(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append([LINE, LINE | {"at": 2.0}])
    batch = spool.load(spool.files()[0])
    spool.replace(batch, batch.lines[1:])
    again = spool.load(batch.path)
    assert (again.id, again.lines) == (batch.id, [LINE | {"at": 2.0}])
    spool.append([LINE])
    assert spool.load(spool.files()[1]).id != batch.id


@pytest.mark.django_db(databases=[])
def test_a_batch_spooled_without_an_id_gets_one_from_its_content(tmp_path: Path) -> None:
    directory = tmp_path / "spool"
    directory.mkdir()
    (directory / "000000000001.jsonl").write_text(json.dumps(LINE) + "\n")  # an older agent's
    (directory / "000000000002.jsonl").write_text(json.dumps(LINE | {"at": 2.0}) + "\n")
    spool = Spool(directory)
    first, second = (spool.load(path) for path in spool.files())
    assert first.id.startswith("sha256:")
    assert first.lines == [LINE]
    assert first.id != second.id
    assert Spool(directory).load(first.path).id == first.id
    spool.replace(first, first.lines)
    assert spool.load(first.path).id == first.id


@pytest.mark.django_db(databases=[])
def test_the_agent_sends_a_failure_reason_the_server_takes(tmp_path: Path) -> None:
    agent = RemoteAgent("http://127.0.0.1:9", "token", tmp_path / "spool")
    agent._collect(1, False, 1.0, None, "bad\x00reply\u202e" + "x" * 400)
    reason = agent.pending[0]["reason"]
    assert reason.startswith("bad reply ")
    assert reason_problem(reason) is None
