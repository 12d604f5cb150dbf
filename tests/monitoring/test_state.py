"""The pure state machine of one check (``jaga.monitoring.state``): confirmation by retries
and recoveries, parents, flapping, maintenance, out-of-order results and how runs are
classed. No database, no clock: times are small UNIX seconds (0, 10, 20, ...)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jaga.monitoring.state import Change, Parent, Policy, RunClass, State, Status, apply

FAST = Policy(retries=3, recoveries=2, flap_threshold=100, flap_window_s=600.0)
"""Confirmation tests use a threshold no test reaches, so flapping never interferes."""

HYPOTHESIS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def feed(
    state: State,
    results: Sequence[bool],
    policy: Policy = FAST,
    *,
    start: float = 0.0,
    step: float = 10.0,
    parent: Parent = Parent.NONE,
    maintenance: bool = False,
) -> list[Change]:
    """Apply ``results`` at ``start``, ``start + step``, ... and return the changes."""
    return [
        apply(state, ok, start + i * step, policy, parent, maintenance)
        for i, ok in enumerate(results)
    ]


def snapshot(state: State) -> State:
    """An independent copy of ``state`` (its ``flips`` list is copied too)."""
    return dataclasses.replace(state, flips=list(state.flips))


def up_state(policy: Policy = FAST) -> State:
    """A check confirmed up by one success at t=0."""
    state = State()
    apply(state, True, 0.0, policy)
    assert state.status is Status.UP
    return state


def down_state(policy: Policy = FAST) -> State:
    """A check up at t=0, then confirmed down by ``retries`` failures at t=10, 20, ..."""
    state = up_state(policy)
    feed(state, [False] * policy.retries, policy, start=10.0)
    assert state.status is Status.DOWN
    return state


def change(
    before: Status = Status.UP,
    after: Status = Status.UP,
    was_flapping: bool = False,
    flapping: bool = False,
) -> Change:
    return Change(before, after, was_flapping, flapping, RunClass.UP)


# -- Policy ----------------------------------------------------------------------------


def test_policy_defaults_are_three_retries_two_recoveries_six_changes_in_ten_minutes() -> None:
    policy = Policy()
    assert (policy.retries, policy.recoveries) == (3, 2)
    assert (policy.flap_threshold, policy.flap_window_s) == (6, 600.0)


def test_policy_accepts_one_for_every_threshold() -> None:
    policy = Policy(retries=1, recoveries=1, flap_threshold=1, flap_window_s=1.0)
    assert (policy.retries, policy.recoveries, policy.flap_threshold) == (1, 1, 1)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"retries": 0},
        {"retries": -1},
        {"recoveries": 0},
        {"recoveries": -3},
        {"flap_threshold": 0},
        {"flap_threshold": -1},
    ],
)
def test_policy_rejects_values_below_one(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=">= 1"):
        Policy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("window", [0.0, -60.0, float("nan"), float("inf")])
def test_policy_rejects_a_window_that_is_not_a_positive_number(window: float) -> None:
    with pytest.raises(ValueError, match="flapping window"):
        Policy(flap_window_s=window)


def test_it_does_not_count_changes_a_parent_explains_as_flapping() -> None:
    policy = Policy(retries=1, recoveries=1, flap_threshold=2, flap_window_s=600)
    state = State()
    apply(state, True, 0.0, policy, Parent.UP)
    apply(state, False, 10.0, policy, Parent.DOWN)  # unreachable: the parent is down
    apply(state, True, 20.0, policy, Parent.UP)  # answers again: up, from unreachable
    assert state.flips == []
    assert not state.flapping
    apply(state, False, 30.0, policy, Parent.UP)  # its own change counts
    assert state.flips == [30.0]


def test_policy_is_immutable() -> None:
    policy = Policy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.retries = 5  # type: ignore[misc]


# -- State -----------------------------------------------------------------------------


def test_a_new_state_is_unknown_and_has_no_history() -> None:
    state = State()
    assert state.status is Status.UNKNOWN
    assert not state.flapping
    assert (state.fails, state.oks, state.flips) == (0, 0, [])
    assert state.failing_since is None
    assert state.changed_at is None
    assert state.last_at is None
    assert state.last_ok is None


def test_new_states_do_not_share_their_flips() -> None:
    first, second = State(), State()
    first.flips.append(1.0)
    assert second.flips == []


@pytest.mark.parametrize(
    ("status", "flapping", "problem"),
    [
        (Status.UNKNOWN, False, False),
        (Status.UP, False, False),
        (Status.DOWN, False, True),
        (Status.UNREACHABLE, False, False),
        (Status.UNKNOWN, True, True),
        (Status.UP, True, True),
        (Status.DOWN, True, True),
        (Status.UNREACHABLE, True, True),
    ],
)
def test_a_problem_is_down_or_flapping(status: Status, flapping: bool, problem: bool) -> None:
    assert State(status=status, flapping=flapping).problem is problem


@pytest.mark.parametrize(("last_ok", "failing"), [(None, False), (True, False), (False, True)])
def test_failing_means_the_newest_run_failed(last_ok: bool | None, failing: bool) -> None:
    assert State(last_ok=last_ok).failing is failing


@pytest.mark.parametrize(
    ("status", "last_ok", "parent"),
    [
        (Status.DOWN, False, Parent.DOWN),
        (Status.DOWN, True, Parent.DOWN),  # one success is not a recovery yet
        (Status.UNREACHABLE, False, Parent.DOWN),
        (Status.UNREACHABLE, True, Parent.DOWN),
        (Status.UP, False, Parent.FAILING),
        (Status.UNKNOWN, False, Parent.FAILING),
        (Status.UP, True, Parent.UP),
        (Status.UNKNOWN, True, Parent.UP),
        (Status.UNKNOWN, None, Parent.UP),
    ],
)
def test_as_parent_says_down_failing_or_up(
    status: Status, last_ok: bool | None, parent: Parent
) -> None:
    assert State(status=status, last_ok=last_ok).as_parent() is parent


def test_enum_values_match_the_stored_strings() -> None:
    assert [s.value for s in Status] == ["unknown", "up", "down", "unreachable"]
    assert [r.value for r in RunClass] == ["up", "down", "unreachable", "maintenance"]
    assert f"{Status.DOWN}/{RunClass.MAINTENANCE}" == "down/maintenance"


# -- Change ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chg", "changed"),
    [
        (change(Status.UP, Status.UP), False),
        (change(Status.DOWN, Status.DOWN, True, True), False),
        (change(Status.UP, Status.DOWN), True),
        (change(Status.UNKNOWN, Status.UP), True),
        (change(Status.UP, Status.UP, False, True), True),
        (change(Status.UP, Status.UP, True, False), True),
    ],
)
def test_a_change_is_a_new_status_or_flapping(chg: Change, changed: bool) -> None:
    assert chg.changed is changed


@pytest.mark.parametrize(
    ("chg", "started"),
    [
        (change(Status.UP, Status.DOWN), True),
        (change(Status.UNKNOWN, Status.DOWN), True),
        (change(Status.UNREACHABLE, Status.DOWN), True),
        (change(Status.UP, Status.UP, False, True), True),
        (change(Status.UNKNOWN, Status.UNKNOWN, False, True), True),
        (change(Status.DOWN, Status.DOWN), False),
        (change(Status.DOWN, Status.DOWN, False, True), False),  # already a problem
        (change(Status.UP, Status.DOWN, True, True), False),  # already flapping
        (change(Status.UP, Status.UNREACHABLE), False),  # the parent's outage
        (change(Status.DOWN, Status.UNREACHABLE), False),
        (change(Status.DOWN, Status.UP), False),
        (change(Status.UP, Status.UP), False),
    ],
)
def test_a_problem_starts_when_the_check_becomes_down_or_flapping(
    chg: Change, started: bool
) -> None:
    assert chg.problem_started is started


@pytest.mark.parametrize(
    ("chg", "recovered"),
    [
        (change(Status.DOWN, Status.UP), True),
        (change(Status.UNREACHABLE, Status.UP), True),
        (change(Status.UP, Status.UP, True, False), True),
        (change(Status.DOWN, Status.UP, True, False), True),
        # The property's docstring: "was not both before" -- so a new check's first
        # success also counts (see the report: no problem preceded it).
        (change(Status.UNKNOWN, Status.UP), True),
        (change(Status.UP, Status.UP), False),  # already steady
        (change(Status.DOWN, Status.UP, True, True), False),  # still flapping
        (change(Status.UP, Status.UP, False, True), False),
        (change(Status.DOWN, Status.DOWN), False),
        (change(Status.DOWN, Status.DOWN, True, False), False),  # still down
        (change(Status.DOWN, Status.UNREACHABLE), False),
    ],
)
def test_recovered_means_up_and_steady_again(chg: Change, recovered: bool) -> None:
    assert chg.recovered is recovered


def test_change_is_immutable() -> None:
    chg = change()
    with pytest.raises(dataclasses.FrozenInstanceError):
        chg.after = Status.DOWN  # type: ignore[misc]


# -- apply: up and down ----------------------------------------------------------------


def test_the_first_success_makes_an_unknown_check_up() -> None:
    state = State()
    result = apply(state, True, 5.0, FAST)
    assert (result.before, result.after) == (Status.UNKNOWN, Status.UP)
    assert result.changed
    assert result.run is RunClass.UP
    assert state.status is Status.UP
    assert state.changed_at == 5.0
    assert (state.oks, state.fails) == (1, 0)
    assert (state.last_at, state.last_ok) == (5.0, True)


def test_the_first_success_is_enough_even_with_more_recoveries() -> None:
    state = State()
    apply(state, True, 0.0, Policy(recoveries=5))
    assert state.status is Status.UP


def test_an_unknown_check_stays_unknown_until_retries_failures() -> None:
    state = State()
    changes = feed(state, [False, False], FAST)
    assert [c.after for c in changes] == [Status.UNKNOWN, Status.UNKNOWN]
    assert not any(c.changed for c in changes)
    assert state.changed_at is None
    assert state.fails == 2


def test_an_unknown_check_goes_straight_to_down_after_retries_failures() -> None:
    state = State()
    changes = feed(state, [False, False, False], FAST)
    assert (changes[-1].before, changes[-1].after) == (Status.UNKNOWN, Status.DOWN)
    assert changes[-1].problem_started
    assert state.changed_at == 20.0
    assert state.failing_since == 0.0


def test_it_confirms_down_after_retries_failures() -> None:
    state = up_state()
    changes = feed(state, [False, False, False], FAST, start=10.0)
    assert [c.after for c in changes] == [Status.UP, Status.UP, Status.DOWN]
    assert [c.changed for c in changes] == [False, False, True]
    assert [c.problem_started for c in changes] == [False, False, True]
    assert [c.run for c in changes] == [RunClass.DOWN] * 3
    assert state.status is Status.DOWN
    assert state.problem
    assert state.fails == 3
    assert state.failing_since == 10.0
    assert state.changed_at == 30.0


def test_one_retry_confirms_down_on_the_first_failure() -> None:
    policy = Policy(retries=1, flap_threshold=100)
    state = up_state(policy)
    result = apply(state, False, 10.0, policy)
    assert (result.before, result.after) == (Status.UP, Status.DOWN)


def test_a_success_between_failures_restarts_the_retry_count() -> None:
    state = up_state()
    feed(state, [False, False, True, False, False], FAST, start=10.0)
    assert state.status is Status.UP
    assert state.fails == 2
    assert state.failing_since == 40.0
    assert apply(state, False, 60.0, FAST).after is Status.DOWN


def test_more_failures_keep_a_down_check_down_without_a_change() -> None:
    state = down_state()
    changed_at = state.changed_at
    changes = feed(state, [False] * 4, FAST, start=100.0)
    assert all(c.after is Status.DOWN for c in changes)
    assert not any(c.changed or c.problem_started for c in changes)
    assert state.changed_at == changed_at
    assert state.fails == 3 + 4
    assert state.failing_since == 10.0


def test_it_confirms_up_after_recoveries_successes() -> None:
    state = down_state()
    changes = feed(state, [True, True], FAST, start=100.0)
    assert [c.after for c in changes] == [Status.DOWN, Status.UP]
    assert [c.recovered for c in changes] == [False, True]
    assert [c.run for c in changes] == [RunClass.UP, RunClass.UP]
    assert state.status is Status.UP
    assert state.changed_at == 110.0
    assert not state.problem


def test_one_recovery_confirms_up_on_the_first_success() -> None:
    policy = Policy(recoveries=1, flap_threshold=100)
    state = down_state(policy)
    assert apply(state, True, 100.0, policy).recovered
    assert state.status is Status.UP


def test_a_failure_between_successes_restarts_the_recovery_count() -> None:
    state = down_state()
    changes = feed(state, [True, False, True], FAST, start=100.0)
    assert all(c.after is Status.DOWN for c in changes)
    assert not any(c.changed for c in changes)
    assert state.oks == 1
    apply(state, True, 130.0, FAST)
    assert state.status is Status.UP


def test_a_down_check_with_one_success_is_still_a_down_parent() -> None:
    state = down_state()
    apply(state, True, 100.0, FAST)
    assert not state.failing
    assert state.as_parent() is Parent.DOWN


def test_the_counters_track_the_current_run_of_results() -> None:
    state = State()
    apply(state, False, 0.0, FAST)
    assert (state.fails, state.oks, state.failing_since) == (1, 0, 0.0)
    apply(state, False, 10.0, FAST)
    assert (state.fails, state.oks, state.failing_since) == (2, 0, 0.0)
    apply(state, True, 20.0, FAST)
    assert (state.fails, state.oks, state.failing_since) == (0, 1, None)
    apply(state, True, 30.0, FAST)
    assert (state.fails, state.oks, state.failing_since) == (0, 2, None)
    apply(state, False, 40.0, FAST)
    assert (state.fails, state.oks, state.failing_since) == (1, 0, 40.0)
    assert (state.last_at, state.last_ok) == (40.0, False)


# -- apply: parents --------------------------------------------------------------------


def test_a_failing_check_whose_parent_is_down_becomes_unreachable_not_down() -> None:
    state = up_state()
    changes = feed(state, [False] * 3, FAST, start=10.0, parent=Parent.DOWN)
    assert [c.after for c in changes] == [Status.UP, Status.UP, Status.UNREACHABLE]
    assert [c.run for c in changes] == [RunClass.UNREACHABLE] * 3
    assert changes[-1].changed
    assert not changes[-1].problem_started
    assert not state.problem
    assert state.changed_at == 30.0
    assert state.as_parent() is Parent.DOWN


def test_an_unknown_check_whose_parent_is_down_becomes_unreachable() -> None:
    state = State()
    feed(state, [False] * 3, FAST, parent=Parent.DOWN)
    assert state.status is Status.UNREACHABLE


def test_a_down_parent_does_not_hasten_the_childs_retries() -> None:
    state = up_state()
    feed(state, [False, False], FAST, start=10.0, parent=Parent.DOWN)
    assert state.status is Status.UP


def test_a_child_waits_while_its_parent_is_failing_even_past_its_retries() -> None:
    state = up_state()
    changes = feed(state, [False] * 6, FAST, start=10.0, parent=Parent.FAILING)
    assert all(c.after is Status.UP for c in changes)
    assert not any(c.changed for c in changes)
    assert [c.run for c in changes] == [RunClass.UNREACHABLE] * 6
    assert state.fails == 6
    assert state.as_parent() is Parent.FAILING


def test_an_unknown_child_waits_while_its_parent_is_failing() -> None:
    state = State()
    feed(state, [False] * 5, FAST, parent=Parent.FAILING)
    assert state.status is Status.UNKNOWN


@pytest.mark.parametrize("parent", [Parent.UP, Parent.NONE])
def test_a_waiting_child_becomes_down_when_its_parent_is_up_and_it_still_fails(
    parent: Parent,
) -> None:
    state = up_state()
    feed(state, [False] * 4, FAST, start=10.0, parent=Parent.FAILING)
    result = apply(state, False, 50.0, FAST, parent)
    assert (result.before, result.after) == (Status.UP, Status.DOWN)
    assert result.problem_started
    assert result.run is RunClass.DOWN
    assert state.failing_since == 10.0
    assert state.changed_at == 50.0


def test_a_waiting_child_becomes_unreachable_when_its_parent_is_confirmed_down() -> None:
    state = up_state()
    feed(state, [False] * 4, FAST, start=10.0, parent=Parent.FAILING)
    result = apply(state, False, 50.0, FAST, Parent.DOWN)
    assert (result.before, result.after) == (Status.UP, Status.UNREACHABLE)
    assert not result.problem_started


def test_a_waiting_child_that_succeeds_stays_up() -> None:
    state = up_state()
    feed(state, [False] * 4, FAST, start=10.0, parent=Parent.FAILING)
    result = apply(state, True, 50.0, FAST, Parent.UP)
    assert result.after is Status.UP
    assert not result.changed
    assert state.fails == 0


def test_a_down_check_becomes_unreachable_when_its_parent_goes_down() -> None:
    state = down_state()
    result = apply(state, False, 100.0, FAST, Parent.DOWN)
    assert (result.before, result.after) == (Status.DOWN, Status.UNREACHABLE)
    assert result.changed
    assert not result.problem_started
    assert not result.recovered
    assert not state.problem
    assert state.changed_at == 100.0


def test_a_down_check_stays_down_while_its_parent_is_only_failing() -> None:
    state = down_state()
    result = apply(state, False, 100.0, FAST, Parent.FAILING)
    assert result.after is Status.DOWN
    assert not result.changed
    assert result.run is RunClass.UNREACHABLE


def test_an_unreachable_check_becomes_down_when_its_parent_is_up_and_it_still_fails() -> None:
    state = up_state()
    feed(state, [False] * 3, FAST, start=10.0, parent=Parent.DOWN)
    result = apply(state, False, 40.0, FAST, Parent.UP)
    assert (result.before, result.after) == (Status.UNREACHABLE, Status.DOWN)
    assert result.problem_started


def test_an_unreachable_check_recovers_after_recoveries_successes() -> None:
    state = up_state()
    feed(state, [False] * 3, FAST, start=10.0, parent=Parent.DOWN)
    changes = feed(state, [True, True], FAST, start=40.0, parent=Parent.UP)
    assert [c.after for c in changes] == [Status.UNREACHABLE, Status.UP]
    assert changes[-1].recovered


def test_a_success_is_up_whatever_the_parent_says() -> None:
    for parent in Parent:
        state = State()
        result = apply(state, True, 0.0, FAST, parent)
        assert result.after is Status.UP
        assert result.run is RunClass.UP


def test_a_cut_high_in_the_tree_never_confirms_the_children_down() -> None:
    """Router and switch behind it fail together; the switch runs first each round (the
    worst order for it) and sees the router's state as it stands."""
    router, switch = up_state(), up_state()
    statuses = []
    for i in range(1, 8):
        at = i * 10.0
        apply(switch, False, at, FAST, router.as_parent())
        apply(router, False, at + 1.0, FAST, Parent.NONE)
        statuses.append(switch.status)
    assert router.status is Status.DOWN
    assert Status.DOWN not in statuses
    assert switch.status is Status.UNREACHABLE


# -- apply: flapping -------------------------------------------------------------------


def flapper(threshold: int = 4, window: float = 100.0) -> Policy:
    """Retries high enough that alternating results never confirm down."""
    return Policy(retries=50, recoveries=1, flap_threshold=threshold, flap_window_s=window)


def test_the_first_result_and_repeated_results_are_no_changes() -> None:
    state = State()
    feed(state, [False, False, False], flapper())
    assert state.flips == []
    feed(state, [True, True], flapper(), start=30.0)
    assert state.flips == [30.0]


def test_it_starts_flapping_after_threshold_changes_within_the_window() -> None:
    policy = flapper(threshold=4, window=100.0)
    state = State()
    changes = feed(state, [True, False, True, False, True], policy)
    assert [c.flapping for c in changes] == [False, False, False, False, True]
    assert state.flips == [10.0, 20.0, 30.0, 40.0]
    assert changes[-1].problem_started
    assert changes[-1].changed
    assert changes[-1].after is Status.UP  # flapping does not change the status
    assert state.problem
    assert state.changed_at == 0.0  # the status has not changed since the first success


def test_flapping_counts_only_changes_inside_the_window() -> None:
    policy = flapper(threshold=4, window=100.0)
    state = State()
    changes = feed(state, [True, False, True, False, True, False, True], policy, step=40.0)
    assert not any(c.flapping for c in changes)
    assert state.flips == [160.0, 200.0, 240.0]


def test_a_change_exactly_one_window_old_has_left_the_window() -> None:
    policy = flapper(threshold=2, window=100.0)
    state = State()
    feed(state, [True, False], policy)  # a change at t=10
    apply(state, True, 110.0, policy)
    assert state.flips == [110.0]
    assert not state.flapping


def test_a_change_just_inside_the_window_still_counts() -> None:
    policy = flapper(threshold=2, window=100.0)
    state = State()
    feed(state, [True, False], policy)  # a change at t=10
    apply(state, True, 109.5, policy)
    assert state.flips == [10.0, 109.5]
    assert state.flapping


def test_one_change_is_flapping_with_a_threshold_of_one() -> None:
    policy = flapper(threshold=1, window=100.0)
    state = State()
    changes = feed(state, [True, False], policy)
    assert [c.flapping for c in changes] == [False, True]
    apply(state, False, 200.0, policy)
    assert not state.flapping


def test_flapping_ends_when_fewer_than_half_the_threshold_remain() -> None:
    policy = flapper(threshold=6, window=100.0)
    state = State()
    feed(state, [True, False, True, False, True, False, True], policy)  # changes at 10..60
    assert state.flapping
    remaining = []
    for at in (115.0, 135.0, 145.0):  # the window keeps 5, then 3, then 2 changes
        result = apply(state, True, at, policy)
        remaining.append((len(state.flips), result.flapping))
    assert remaining == [(5, True), (3, True), (2, False)]
    assert result.recovered
    assert result.changed
    assert not state.problem


@pytest.mark.parametrize("threshold", [1, 2, 3, 4, 5, 6, 7])
def test_flapping_has_hysteresis_down_to_half_the_threshold_rounded_down(
    threshold: int,
) -> None:
    """``threshold`` changes at t=10, 20, ...; then one steady result late enough that only
    the newest ``left`` changes remain in the window."""
    window = 1000.0
    policy = flapper(threshold=threshold, window=window)
    low = max(1, threshold // 2)
    for left in range(threshold + 1):
        state = State()
        feed(state, [i % 2 == 0 for i in range(threshold + 1)], policy)
        assert state.flapping
        last_ok = state.last_ok
        assert last_ok is not None
        apply(state, last_ok, window + 10.0 * (threshold - left) + 5.0, policy)
        assert len(state.flips) == left
        assert state.flapping is (left >= low), (threshold, left)


def test_flapping_does_not_stop_a_check_going_down() -> None:
    policy = Policy(retries=2, recoveries=1, flap_threshold=2, flap_window_s=100.0)
    state = State()
    changes = feed(state, [True, False, True, False, False], policy)
    assert changes[2].flapping
    assert changes[2].problem_started
    assert (changes[-1].after, changes[-1].flapping) == (Status.DOWN, True)
    assert not changes[-1].problem_started  # already a problem: flapping


def test_a_down_check_that_starts_flapping_is_no_new_problem() -> None:
    policy = Policy(retries=1, recoveries=3, flap_threshold=2, flap_window_s=100.0)
    state = State()
    changes = feed(state, [False, True, False], policy)
    assert changes[0].problem_started
    assert (changes[-1].after, changes[-1].was_flapping, changes[-1].flapping) == (
        Status.DOWN,
        False,
        True,
    )
    assert changes[-1].changed
    assert not changes[-1].problem_started


def test_flapping_that_ends_while_down_is_no_recovery() -> None:
    policy = Policy(retries=1, recoveries=3, flap_threshold=2, flap_window_s=100.0)
    state = State()
    feed(state, [False, True, False], policy)
    assert state.flapping
    result = apply(state, False, 500.0, policy)
    assert (result.after, result.flapping) == (Status.DOWN, False)
    assert not result.recovered
    assert state.problem


# -- apply: maintenance ----------------------------------------------------------------


def test_maintenance_does_not_confirm_down_but_counts_the_failures() -> None:
    state = up_state()
    changes = feed(state, [False] * 5, FAST, start=10.0, maintenance=True)
    assert all(c.after is Status.UP and not c.changed for c in changes)
    assert [c.run for c in changes] == [RunClass.MAINTENANCE] * 5
    assert state.fails == 5
    assert state.failing_since == 10.0
    assert state.changed_at == 0.0
    assert (state.last_at, state.last_ok) == (50.0, False)


def test_maintenance_does_not_confirm_up() -> None:
    state = down_state()
    feed(state, [True] * 4, FAST, start=100.0, maintenance=True)
    assert state.status is Status.DOWN
    assert state.oks == 4


def test_maintenance_does_not_make_an_unknown_check_up() -> None:
    state = State()
    result = apply(state, True, 0.0, FAST, maintenance=True)
    assert result.after is Status.UNKNOWN
    assert state.status is Status.UNKNOWN
    assert state.changed_at is None


def test_maintenance_does_not_make_a_check_unreachable() -> None:
    state = up_state()
    feed(state, [False] * 4, FAST, start=10.0, parent=Parent.DOWN, maintenance=True)
    assert state.status is Status.UP


def test_maintenance_neither_starts_nor_ends_flapping_but_records_the_changes() -> None:
    policy = flapper(threshold=2, window=100.0)
    state = State()
    changes = feed(state, [True, False, True, False], policy, maintenance=True)
    assert not any(c.flapping for c in changes)
    assert state.flips == [10.0, 20.0, 30.0]

    flapping = State()
    feed(flapping, [True, False, True], policy)
    assert flapping.flapping
    result = apply(flapping, True, 1000.0, policy, maintenance=True)
    assert result.flapping
    assert flapping.flips == []


def test_counters_from_maintenance_count_once_it_ends() -> None:
    state = up_state()
    feed(state, [False] * 3, FAST, start=10.0, maintenance=True)
    result = apply(state, False, 40.0, FAST)
    assert (result.before, result.after) == (Status.UP, Status.DOWN)


def test_changes_recorded_in_maintenance_make_a_check_flap_once_it_ends() -> None:
    policy = flapper(threshold=3, window=100.0)
    state = State()
    feed(state, [True, False, True], policy, maintenance=True)
    result = apply(state, False, 30.0, policy)
    assert result.flapping


# -- apply: out-of-order results -------------------------------------------------------


@pytest.mark.parametrize("ok", [True, False])
@pytest.mark.parametrize("maintenance", [True, False])
def test_a_result_older_than_the_newest_changes_nothing(ok: bool, maintenance: bool) -> None:
    state = up_state(flapper(threshold=2))
    feed(state, [False, False], flapper(threshold=2), start=10.0)
    before = snapshot(state)
    result = apply(state, ok, 15.0, flapper(threshold=2), Parent.NONE, maintenance)
    assert state == before
    assert not result.changed
    assert (result.before, result.after) == (before.status, before.status)
    assert result.flapping is result.was_flapping is before.flapping


@pytest.mark.parametrize(
    ("ok", "parent", "maintenance", "run"),
    [
        (True, Parent.NONE, False, RunClass.UP),
        (False, Parent.NONE, False, RunClass.DOWN),
        (False, Parent.DOWN, False, RunClass.UNREACHABLE),
        (False, Parent.FAILING, False, RunClass.UNREACHABLE),
        (False, Parent.UP, True, RunClass.MAINTENANCE),
    ],
)
def test_a_result_older_than_the_newest_is_still_classed(
    ok: bool, parent: Parent, maintenance: bool, run: RunClass
) -> None:
    state = down_state()
    assert apply(state, ok, 5.0, FAST, parent, maintenance).run is run


def test_an_older_result_does_not_confirm_down() -> None:
    state = up_state()
    apply(state, True, 100.0, FAST)
    changes = feed(state, [False] * 5, FAST, start=10.0)
    assert all(c.after is Status.UP for c in changes)
    assert (state.fails, state.last_at) == (0, 100.0)


def test_a_result_at_the_same_time_as_the_newest_is_applied() -> None:
    state = up_state()
    apply(state, False, 10.0, FAST)
    apply(state, False, 10.0, FAST)
    apply(state, False, 10.0, FAST)
    assert state.status is Status.DOWN
    assert state.fails == 3


# -- run classes -----------------------------------------------------------------------


@pytest.mark.parametrize("parent", list(Parent))
@pytest.mark.parametrize("ok", [True, False])
@pytest.mark.parametrize("maintenance", [True, False])
def test_runs_are_classed_for_availability(ok: bool, parent: Parent, maintenance: bool) -> None:
    if maintenance:
        expected = RunClass.MAINTENANCE
    elif ok:
        expected = RunClass.UP
    elif parent in (Parent.DOWN, Parent.FAILING):
        expected = RunClass.UNREACHABLE
    else:
        expected = RunClass.DOWN
    assert apply(State(), ok, 0.0, FAST, parent, maintenance).run is expected
    assert apply(up_state(), ok, 10.0, FAST, parent, maintenance).run is expected


# -- properties ------------------------------------------------------------------------

policies = st.builds(
    Policy,
    retries=st.integers(1, 4),
    recoveries=st.integers(1, 4),
    flap_threshold=st.integers(1, 7),
    flap_window_s=st.sampled_from([5.0, 25.0, 60.0, 200.0]),
)


def trailing(history: Sequence[bool], value: bool) -> int:
    """How many of the newest results equal ``value``."""
    count = 0
    for ok in reversed(history):
        if ok is not value:
            break
        count += 1
    return count


def reference_status(history: Sequence[bool], policy: Policy) -> Status:
    """The status after ``history`` (parent NONE, no maintenance), from the rules over the
    whole history: result ``i`` confirms down when it ends ``retries`` failures in a row,
    and confirms up when it ends ``recoveries`` successes in a row or is a success before
    anything was confirmed down. The newest confirmation wins; none: unknown."""
    downs = [i for i in range(len(history)) if trailing(history[: i + 1], False) >= policy.retries]
    ups = [
        i
        for i in range(len(history))
        if history[i]
        and (trailing(history[: i + 1], True) >= policy.recoveries or not any(j < i for j in downs))
    ]
    last_down, last_up = max(downs, default=-1), max(ups, default=-1)
    if last_down == last_up == -1:
        return Status.UNKNOWN
    return Status.DOWN if last_down > last_up else Status.UP


@HYPOTHESIS
@given(history=st.lists(st.booleans(), max_size=30), policy=policies)
def test_status_follows_the_reference_model_without_parents(
    history: list[bool], policy: Policy
) -> None:
    state = State()
    times = [10.0 * i for i in range(len(history))]
    expected_changed_at: float | None = None
    previous = Status.UNKNOWN
    for n, (ok, at) in enumerate(zip(history, times, strict=True), start=1):
        result = apply(state, ok, at, policy)
        expected = reference_status(history[:n], policy)
        if expected is not previous:
            expected_changed_at = at
        assert (result.before, result.after) == (previous, expected)
        assert state.status is expected
        assert state.changed_at == expected_changed_at
        assert state.fails == trailing(history[:n], False)
        assert state.oks == trailing(history[:n], True)
        fails = state.fails
        assert state.failing_since == (times[n - fails] if fails else None)
        assert state.status is not Status.UNREACHABLE
        previous = expected


@HYPOTHESIS
@given(
    history=st.lists(st.tuples(st.booleans(), st.integers(0, 30)), max_size=40),
    policy=policies,
)
def test_flapping_follows_the_count_of_changes_in_the_window(
    history: list[tuple[bool, int]], policy: Policy
) -> None:
    low = max(1, policy.flap_threshold // 2)
    state = State()
    at = 0.0
    flips: list[float] = []
    previous_ok: bool | None = None
    for ok, gap in history:
        at += gap
        if previous_ok is not None and ok is not previous_ok:
            flips.append(at)
        previous_ok = ok
        in_window = [t for t in flips if at - policy.flap_window_s < t <= at]
        result = apply(state, ok, at, policy)
        assert state.flips == in_window
        count = len(in_window)
        if result.flapping and not result.was_flapping:
            assert count >= policy.flap_threshold  # never with fewer changes
        if count >= policy.flap_threshold:
            assert state.flapping
        elif count < low:
            assert not state.flapping
        else:
            assert result.flapping is result.was_flapping  # hysteresis: no change
        if state.flapping:
            assert count >= low


actions = st.tuples(
    st.booleans(),  # ok
    st.sampled_from(list(Parent)),
    st.booleans(),  # maintenance
    st.integers(-15, 20),  # gap to the previous run; negative: out of order
)


@HYPOTHESIS
@given(history=st.lists(actions, max_size=40), policy=policies)
def test_every_step_follows_the_rules(
    history: list[tuple[bool, Parent, bool, int]], policy: Policy
) -> None:
    state = State()
    at = 100.0
    for ok, parent, maintenance, gap in history:
        at += gap
        before = snapshot(state)
        result = apply(state, ok, at, policy, parent, maintenance)

        assert result.before is before.status
        assert result.after is state.status
        assert result.was_flapping is before.flapping
        assert result.flapping is state.flapping
        if maintenance:
            assert result.run is RunClass.MAINTENANCE
        elif ok:
            assert result.run is RunClass.UP
        elif parent in (Parent.DOWN, Parent.FAILING):
            assert result.run is RunClass.UNREACHABLE
        else:
            assert result.run is RunClass.DOWN
        assert not (result.problem_started and result.recovered)
        if result.problem_started or result.recovered:
            assert result.changed

        if before.last_at is not None and at < before.last_at:
            assert state == before  # out of order: nothing changes
            continue
        assert (state.last_at, state.last_ok) == (at, ok)
        assert state.fails == (0 if ok else before.fails + 1)
        assert state.oks == (before.oks + 1 if ok else 0)
        if maintenance:
            assert (state.status, state.flapping) == (before.status, before.flapping)
            continue
        if before.status is not Status.UNKNOWN:
            assert state.status is not Status.UNKNOWN  # never back to unknown
        if state.status is not before.status:
            assert state.changed_at == at
        else:
            assert state.changed_at == before.changed_at
        if ok:
            confirmed = before.status is Status.UNKNOWN or state.oks >= policy.recoveries
            assert state.status is (Status.UP if confirmed else before.status)
        elif state.fails < policy.retries or parent in (Parent.FAILING, Parent.SILENT):
            assert state.status is before.status
        elif parent is Parent.DOWN:
            assert state.status is Status.UNREACHABLE
        else:
            assert state.status is Status.DOWN


def test_a_silent_parent_makes_the_child_wait_but_its_changes_count() -> None:
    policy = Policy(retries=1, recoveries=1, flap_threshold=2, flap_window_s=600)
    state = State()
    apply(state, True, 0.0, policy, Parent.UP)
    change = apply(state, False, 10.0, policy, Parent.SILENT)
    assert change.after is Status.UP  # waits for the parent's next answer
    assert change.run is RunClass.DOWN  # its own failure, as far as anyone knows
    assert state.flips == [10.0]
    apply(state, True, 20.0, policy, Parent.SILENT)
    assert state.flips == [10.0, 20.0]
    assert state.flapping
