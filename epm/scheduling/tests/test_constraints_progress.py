"""Hand-checked networks for the engine's keywords: date constraints, a deadline and progress.

Each expected table was worked out by hand from the semantics in `epm.scheduling.cpm`'s
docstring (MS Project / Primavera):

    SNET  es >= offset        FNET  ef >= offset        MSO  es = ls = offset
    SNLT  ls <= offset        FNLT  lf <= offset        deadline: lf <= deadline for every task
    status date S: a task not started has es >= S
    complete: es, ef = the actual dates; ls = es, lf = ef, floats 0, never critical
    in progress: es = actual start, ef = S + remaining (default: duration - (S - actual start))
    free float clamped to 0..total float; critical = least total float among unfinished tasks

Rows of the tables are (es, ef, ls, lf, total float, free float, critical), one per task id.
"""

from __future__ import annotations

import pytest

from epm.scheduling import CycleError, compute

T, F = True, False


def assert_schedule(s, finish, rows):
    """Compare every field of the schedule with the hand-made table ``rows``."""
    assert s.finish == finish
    es, ef, ls, lf, tf, ff, crit = (list(c) for c in zip(*rows, strict=True))
    assert list(s.es) == es, "es"
    assert list(s.ef) == ef, "ef"
    assert list(s.ls) == ls, "ls"
    assert list(s.lf) == lf, "lf"
    assert list(s.total_float) == tf, "total float"
    assert list(s.free_float) == ff, "free float"
    assert list(s.critical) == crit, "critical"


def fs(p, s, lag=0):
    return (p, s, "FS", lag)


# -- constraints -----------------------------------------------------------------------------------


def test_start_no_earlier_than():
    """A(3) -> B(2) with B SNET 5; C(4) alone with SNET 2. B waits for its date, not for A."""
    A, B, C = range(3)
    s = compute([3, 2, 4], [fs(A, B)], constraints={B: ("SNET", 5), C: ("SNET", 2)})
    assert_schedule(
        s,
        7,
        [
            (0, 3, 2, 5, 2, 2, F),
            (5, 7, 5, 7, 0, 0, T),
            (2, 6, 3, 7, 1, 1, F),
        ],
    )


def test_start_no_earlier_than_before_the_links_changes_nothing():
    plain = compute([3, 2], [fs(0, 1)])
    s = compute([3, 2], [fs(0, 1)], constraints={1: ("SNET", 1), 0: ("SNET", 0)})
    assert s == plain


def test_finish_no_earlier_than():
    """A(3) -> B(2) with B FNET 8: B may start on day 6 at the earliest."""
    s = compute([3, 2], [fs(0, 1)], constraints={1: ("FNET", 8)})
    assert_schedule(s, 8, [(0, 3, 3, 6, 3, 3, F), (6, 8, 6, 8, 0, 0, T)])


@pytest.mark.parametrize("constraint", [("SNLT", 2), ("FNLT", 4)])
def test_late_constraints_give_negative_float(constraint):
    """A(3) -> B(2), C(6) alone. B must start by day 2 (or finish by day 4), but A lets it start
    on day 3 at the earliest: A and B have -1 day of float and are the critical path; C, which
    ends the project, keeps 0."""
    A, B = range(2)
    s = compute([3, 2, 6], [fs(A, B)], constraints={B: constraint})
    assert_schedule(
        s,
        6,
        [
            (0, 3, -1, 2, -1, 0, T),
            (3, 5, 2, 4, -1, 0, T),
            (0, 6, 0, 6, 0, 0, F),
        ],
    )


def test_must_start_on_pulling_against_its_predecessor():
    """A(5) -> B(2) -> C(3) with B MSO 3: B keeps day 3 although A finishes on day 5, C follows
    B, and the two missing days show on A."""
    A, B, C = range(3)
    s = compute([5, 2, 3], [fs(A, B), fs(B, C)], constraints={B: ("MSO", 3)})
    assert_schedule(
        s,
        8,
        [
            (0, 5, -2, 3, -2, 0, T),
            (3, 5, 3, 5, 0, 0, F),
            (5, 8, 5, 8, 0, 0, F),
        ],
    )


def test_must_start_on_after_its_predecessor():
    """A(5) -> B(2) -> C(3) with B MSO 7: B waits two days and takes C with it."""
    A, B, C = range(3)
    s = compute([5, 2, 3], [fs(A, B), fs(B, C)], constraints={B: ("MSO", 7)})
    assert_schedule(
        s,
        12,
        [
            (0, 5, 2, 7, 2, 2, F),
            (7, 9, 7, 9, 0, 0, T),
            (9, 12, 9, 12, 0, 0, T),
        ],
    )


def test_must_start_on_keeps_its_late_date_against_successors_and_deadline():
    """A(2) MSO 4 -> B(3); deadline 5: B must finish by 5, so start by 2, but A keeps 4."""
    s = compute([2, 3], [fs(0, 1)], constraints={0: ("MSO", 4)}, deadline=5)
    assert_schedule(s, 9, [(4, 6, 4, 6, 0, 0, F), (6, 9, 2, 5, -4, 0, T)])


# -- deadline --------------------------------------------------------------------------------------


def test_deadline_before_the_finish_gives_negative_float():
    """A(3) -> B(3) -> C(4): 10 days against a deadline of 8, so each task has -2 days of float;
    D(2) alone may finish by the deadline: 6 days of total float, and free float no more."""
    A, B, C = range(3)
    s = compute([3, 3, 4, 2], [fs(A, B), fs(B, C)], deadline=8)
    assert_schedule(
        s,
        10,
        [
            (0, 3, -2, 1, -2, 0, T),
            (3, 6, 1, 4, -2, 0, T),
            (6, 10, 4, 8, -2, 0, T),
            (0, 2, 6, 8, 6, 6, F),
        ],
    )


def test_deadline_after_the_finish_gives_every_task_float():
    """The same chain against a deadline of 12: 2 days of float each, still the critical path;
    free float is measured against the computed finish, as without a deadline."""
    s = compute([3, 3, 4], [fs(0, 1), fs(1, 2)], deadline=12)
    assert_schedule(
        s,
        10,
        [
            (0, 3, 2, 5, 2, 0, T),
            (3, 6, 5, 8, 2, 0, T),
            (6, 10, 8, 12, 2, 0, T),
        ],
    )


def test_deadline_equal_to_the_finish_changes_nothing():
    links = [fs(0, 1), (0, 2, "SS", 1), (1, 3, "FF", 2)]
    plain = compute([3, 2, 4, 1], links)
    assert compute([3, 2, 4, 1], links, deadline=plain.finish) == plain


def test_deadline_without_tasks():
    s = compute([], [], deadline=3)
    assert (s.es, s.critical, s.finish) == ([], [], 0)


# -- progress --------------------------------------------------------------------------------------


def test_complete_in_progress_and_not_started():
    """Status date 6. A(4) -> B(5) -> C(3), A -> D(2). A is complete (days 0..4); B started on
    day 4, so 2 of its 5 days are done and it finishes on day 9; C follows it; D could start on
    day 4 after A but not before the status date."""
    A, B, C, D = range(4)
    s = compute(
        [4, 5, 3, 2],
        [fs(A, B), fs(B, C), fs(A, D)],
        status_date=6,
        actual_start={A: 0, B: 4},
        actual_finish={A: 4},
    )
    assert_schedule(
        s,
        12,
        [
            (0, 4, 0, 4, 0, 0, F),
            (4, 9, 4, 9, 0, 0, T),
            (9, 12, 9, 12, 0, 0, T),
            (6, 8, 10, 12, 4, 4, F),
        ],
    )


def test_in_progress_with_remaining_work():
    """As above, but B still needs 5 days at the status date: it finishes on day 11."""
    A, B, C, D = range(4)
    s = compute(
        [4, 5, 3, 2],
        [fs(A, B), fs(B, C), fs(A, D)],
        status_date=6,
        actual_start={A: 0, B: 4},
        actual_finish={A: 4},
        remaining={B: 5},
    )
    assert_schedule(
        s,
        14,
        [
            (0, 4, 0, 4, 0, 0, F),
            (4, 11, 4, 11, 0, 0, T),
            (11, 14, 11, 14, 0, 0, T),
            (6, 8, 12, 14, 6, 6, F),
        ],
    )


def test_successors_follow_the_actual_dates():
    """Status date 4. A(4) started late, on day 3, with 3 days left: it runs 3..7. B(2) is SS+2
    after A: day 5 instead of 2. C(1) is FF+1 after A, with A's 4-day effective duration: it
    ends on day 8."""
    A, B, C = range(3)
    s = compute(
        [4, 2, 1],
        [(A, B, "SS", 2), (A, C, "FF", 1)],
        status_date=4,
        actual_start={A: 3},
    )
    assert_schedule(
        s,
        8,
        [
            (3, 7, 3, 7, 0, 0, T),
            (5, 7, 6, 8, 1, 1, F),
            (7, 8, 7, 8, 0, 0, T),
        ],
    )


def test_task_in_progress_with_no_work_left_ends_at_the_status_date():
    """A(2) started on day 0 but is late: at status date 5 it has no planned work left."""
    s = compute([2, 1], [fs(0, 1)], status_date=5, actual_start={0: 0})
    assert_schedule(s, 6, [(0, 5, 0, 5, 0, 0, T), (5, 6, 5, 6, 0, 0, T)])
    s = compute([2, 1], [fs(0, 1)], status_date=5, actual_start={0: 0}, remaining={0: 0})
    assert (s.ef, s.finish) == ([5, 6], 6)


def test_status_date_alone_moves_every_task_after_it():
    s = compute([2, 3, 1], [fs(0, 1)], status_date=4)
    assert_schedule(
        s,
        9,
        [
            (4, 6, 4, 6, 0, 0, T),
            (6, 9, 6, 9, 0, 0, T),
            (4, 5, 8, 9, 4, 4, F),
        ],
    )


def test_everything_complete_is_nothing_critical():
    s = compute(
        [2, 3],
        [fs(0, 1)],
        actual_start={0: 0, 1: 1},
        actual_finish={0: 2, 1: 6},
    )
    assert_schedule(s, 6, [(0, 2, 0, 2, 0, 0, F), (1, 6, 1, 6, 0, 0, F)])


def test_complete_tasks_do_not_count_for_the_least_float():
    """A(2) done on days 0..2, then B(3) from status date 2 against a deadline of 8: B has 3 days
    of float, the least among the unfinished tasks, so it is critical; A's 0 does not count."""
    s = compute(
        [2, 3], [fs(0, 1)], deadline=8, status_date=2, actual_start={0: 0}, actual_finish={0: 2}
    )
    assert_schedule(s, 5, [(0, 2, 0, 2, 0, 0, F), (2, 5, 5, 8, 3, 0, T)])


def test_a_complete_task_holds_up_no_predecessor():
    """A(3) -> B(2), but B was done first (days 0..2) and A has not started at status date 2:
    A is scheduled after the status date and the finished B imposes nothing on its late dates."""
    s = compute([3, 2], [fs(0, 1)], status_date=2, actual_start={1: 0}, actual_finish={1: 2})
    assert_schedule(s, 5, [(2, 5, 2, 5, 0, 0, T), (0, 2, 0, 2, 0, 0, F)])


def test_actuals_win_over_constraints_but_finish_no_later_than_still_binds():
    """A(5) started on day 1, 3 days left at status date 3: it runs 1..6 whatever its SNET says;
    an FNLT on day 5 leaves it one day late."""
    s = compute([5], [], status_date=3, actual_start={0: 1}, constraints={0: ("SNET", 4)})
    assert_schedule(s, 6, [(1, 6, 1, 6, 0, 0, T)])
    s = compute([5], [], status_date=3, actual_start={0: 1}, constraints={0: ("FNLT", 5)})
    assert_schedule(s, 6, [(1, 6, 0, 5, -1, 0, T)])


# -- the plain call is unchanged -------------------------------------------------------------------


def test_empty_keywords_are_the_plain_call():
    durations, links = [3, 2, 4, 1], [fs(0, 1), (0, 2, "SS", 1), (1, 3, "FF", 2)]
    plain = compute(durations, links)
    assert (
        compute(
            durations,
            links,
            constraints={},
            actual_start={},
            actual_finish={},
            remaining={},
        )
        == plain
    )
    assert compute(durations, links, status_date=0) == plain


def test_keywords_do_not_modify_their_inputs():
    durations, links = [4, 5], [fs(0, 1)]
    constraints, started, finished = {1: ("SNET", 9)}, {0: 0}, {0: 3}
    compute(
        durations,
        links,
        constraints=constraints,
        status_date=3,
        actual_start=started,
        actual_finish=finished,
    )
    assert (durations, links) == ([4, 5], [fs(0, 1)])
    assert (constraints, started, finished) == ({1: ("SNET", 9)}, {0: 0}, {0: 3})


def test_cycles_are_still_found_with_keywords():
    with pytest.raises(CycleError) as info:
        compute([1, 1], [fs(0, 1), fs(1, 0)], constraints={0: ("MSO", 2)}, deadline=4)
    assert sorted(info.value.cycle) == [0, 1]


# -- refused input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"constraints": {1: ("ALAP", 3)}}, "Task 1: the constraint must be one of"),
        ({"constraints": {1: ("snet", 3)}}, "Task 1: the constraint must be one of"),
        ({"constraints": {2: ("SNET", 3)}}, "no task 2"),
        ({"constraints": {-1: ("SNET", 3)}}, "no task -1"),
        ({"constraints": {"1": ("SNET", 3)}}, "no task '1'"),
        ({"constraints": {True: ("SNET", 3)}}, "no task True"),
        ({"constraints": {0: ("SNET", -1)}}, "Task 0: the constraint's offset"),
        ({"constraints": {0: ("SNET", 1.5)}}, "Task 0: the constraint's offset"),
        ({"constraints": {0: ("SNET", True)}}, "Task 0: the constraint's offset"),
        ({"constraints": {0: "SNET"}}, r"Task 0: a constraint is \(kind, offset\)"),
        ({"constraints": {0: ("SNET", 1, 2)}}, r"Task 0: a constraint is \(kind, offset\)"),
        ({"deadline": -1}, "deadline"),
        ({"deadline": 2.0}, "deadline"),
        ({"status_date": "3"}, "status date"),
        ({"actual_start": {5: 0}}, "actual start: there is no task 5"),
        ({"actual_start": {0: -1}}, "Task 0: the actual start must be"),
        ({"actual_start": {0: 0}, "actual_finish": {0: None}}, "Task 0: the actual finish"),
        ({"actual_finish": {1: 3}}, "Task 1: an actual finish needs an actual start"),
        ({"actual_start": {1: 3}, "actual_finish": {1: 2}}, "Task 1: .* before the actual start"),
        ({"status_date": 2, "actual_start": {1: 3}}, "Task 1: the actual start is after"),
        (
            {"status_date": 3, "actual_start": {1: 1}, "actual_finish": {1: 4}},
            "Task 1: the actual finish is after",
        ),
        ({"actual_start": {1: 1}}, "Task 1 is in progress: a status date is needed"),
        ({"status_date": 3, "remaining": {1: 2}}, "Task 1: remaining work is for tasks in"),
        (
            {"actual_start": {1: 0}, "actual_finish": {1: 2}, "remaining": {1: 0}},
            "Task 1: remaining work is for tasks in progress",
        ),
        ({"status_date": 3, "actual_start": {1: 0}, "remaining": {1: -2}}, "Task 1: the remaining"),
    ],
)
def test_refused_keywords(keywords, message):
    with pytest.raises(ValueError, match=message):
        compute([3, 2], [fs(0, 1)], **keywords)
