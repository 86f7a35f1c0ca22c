"""Hand-checked networks for the critical-path engine: every number of every task is asserted.

Each expected table was worked out by hand from the semantics of the engine (MS Project /
Primavera precedence diagramming):

    forward   FS: es[s] >= ef[p] + lag     SS: es[s] >= es[p] + lag
              FF: ef[s] >= ef[p] + lag     SF: ef[s] >= es[p] + lag      and es >= 0
    backward  FS: lf[p] <= ls[s] - lag     SS: ls[p] <= ls[s] - lag
              FF: lf[p] <= lf[s] - lag     SF: ls[p] <= lf[s] - lag      and lf <= finish
    free float of p = min(slack of each outgoing link, finish - ef[p])

Rows of the tables are (es, ef, ls, lf, total float, free float, critical), one per task id.
"""

from __future__ import annotations

import pytest

from epm.scheduling import CycleError, compute

T, F = True, False


def assert_schedule(s, finish, rows):
    """Compare every field of the schedule with the hand-made table ``rows``."""
    assert s.finish == finish
    columns = list(zip(*rows, strict=True)) if rows else [()] * 7
    es, ef, ls, lf, tf, ff, crit = (list(c) for c in columns)
    assert list(s.es) == es, "es"
    assert list(s.ef) == ef, "ef"
    assert list(s.ls) == ls, "ls"
    assert list(s.lf) == lf, "lf"
    assert list(s.total_float) == tf, "total float"
    assert list(s.free_float) == ff, "free float"
    assert list(s.critical) == crit, "critical"


def fs(p, s, lag=0):
    return (p, s, "FS", lag)


# -- a classic FS-only activity-on-node network ----------------------------------------------------


def test_textbook_milwaukee_paper():
    """Heizer & Render, *Operations Management*, ch. 3 "Project Management", Table 3.2: the
    Milwaukee Paper Manufacturing pollution-control project (activities A..H, weeks).
    The book's answer: 15 weeks, critical path A-C-E-G-H, slack B=1, D=1, F=6."""
    A, B, C, D, E, F_, G, H = range(8)
    durations = [2, 3, 2, 4, 4, 3, 5, 2]
    links = [
        fs(A, C),
        fs(A, D),
        fs(B, D),
        fs(C, E),
        fs(C, F_),
        fs(D, G),
        fs(E, G),
        fs(F_, H),
        fs(G, H),
    ]
    assert_schedule(
        compute(durations, links),
        15,
        [
            # es ef  ls  lf  tf ff crit
            (0, 2, 0, 2, 0, 0, T),  # A build internal components
            (0, 3, 1, 4, 1, 0, F),  # B modify roof and floor
            (2, 4, 2, 4, 0, 0, T),  # C construct collection stack
            (3, 7, 4, 8, 1, 1, F),  # D pour concrete and install frame
            (4, 8, 4, 8, 0, 0, T),  # E build high-temperature burner
            (4, 7, 10, 13, 6, 6, F),  # F install pollution control system
            (8, 13, 8, 13, 0, 0, T),  # G install air pollution device
            (13, 15, 13, 15, 0, 0, T),  # H inspect and test
        ],
    )


# -- one network per link kind, positive lag -------------------------------------------------------


def test_start_to_start_with_lag():
    # A(5) -SS+2-> B(2) -FS+1-> C(4);  A -FS-> D(1).
    # A is critical although it finishes at 5 < 9: it drives C through the SS link.
    durations = [5, 2, 4, 1]
    links = [(0, 1, "SS", 2), (1, 2, "FS", 1), (0, 3, "FS", 0)]
    assert_schedule(
        compute(durations, links),
        9,
        [
            (0, 5, 0, 5, 0, 0, T),  # A: SS slack 2-0-2=0, FS slack 5-5=0
            (2, 4, 2, 4, 0, 0, T),  # B: FS+1 slack 5-4-1=0
            (5, 9, 5, 9, 0, 0, T),  # C
            (5, 6, 8, 9, 3, 3, F),  # D
        ],
    )


def test_finish_to_finish_with_lag():
    # A(4) -FF+2-> B(3);  A -FS-> C(1) -FF0-> D(2).  D starts (3) before its predecessor C (4).
    durations = [4, 3, 1, 2]
    links = [(0, 1, "FF", 2), (0, 2, "FS", 0), (2, 3, "FF", 0)]
    assert_schedule(
        compute(durations, links),
        6,
        [
            (0, 4, 0, 4, 0, 0, T),  # A: lf <= lf[B]-2 = 4 and <= ls[C] = 5
            (3, 6, 3, 6, 0, 0, T),  # B: ef >= 4+2
            (4, 5, 5, 6, 1, 0, F),  # C: lf <= lf[D] = 6; FF slack 5-5 = 0
            (3, 5, 4, 6, 1, 1, F),  # D: ef >= ef[C] = 5
        ],
    )


def test_start_to_finish_with_lag():
    # X(5) -FS-> A(2) -SF+1-> B(3);  A -SF0-> C(6) (C's bound -1 is lifted to 0).
    durations = [5, 2, 3, 6]
    links = [(0, 1, "FS", 0), (1, 2, "SF", 1), (1, 3, "SF", 0)]
    assert_schedule(
        compute(durations, links),
        7,
        [
            (0, 5, 0, 5, 0, 0, T),  # X
            (5, 7, 5, 7, 0, 0, T),  # A: SF slacks 6-5-1=0 and 6-5-0=1
            (3, 6, 4, 7, 1, 1, F),  # B: ef >= es[A]+1 = 6
            (0, 6, 1, 7, 1, 1, F),  # C: ef >= 5 -> es >= -1 -> 0
        ],
    )


def test_start_to_start_and_finish_to_finish_pair():
    # Primavera's usual overlap: A(6) -SS+2-> B(4) and A -FF+1-> B; A -FS-> C(2).
    # B: es >= 2 (SS) and ef >= 7 (FF) -> es 3.
    durations = [6, 4, 2]
    links = [(0, 1, "SS", 2), (0, 1, "FF", 1), (0, 2, "FS", 0)]
    assert_schedule(
        compute(durations, links),
        8,
        [
            (0, 6, 0, 6, 0, 0, T),  # A: slacks SS 1, FF 0, FS 0, to finish 2
            (3, 7, 4, 8, 1, 1, F),  # B
            (6, 8, 6, 8, 0, 0, T),  # C
        ],
    )


# -- negative lags (leads) -------------------------------------------------------------------------


def test_finish_to_start_lead():
    # A(4) -FS-2-> B(3);  C(2) -FS-5-> B;  D(2) -FS-5-> E(3) (E's bound -3 is lifted to 0).
    durations = [4, 3, 2, 2, 3]
    links = [(0, 1, "FS", -2), (2, 1, "FS", -5), (3, 4, "FS", -5)]
    assert_schedule(
        compute(durations, links),
        5,
        [
            (0, 4, 0, 4, 0, 0, T),  # A: link slack 2-4+2 = 0
            (2, 5, 2, 5, 0, 0, T),  # B: es = max(4-2, 2-5) = 2
            (0, 2, 3, 5, 3, 3, F),  # C: link slack 2-2+5 = 5, to finish 3
            (0, 2, 3, 5, 3, 3, F),  # D: lf <= ls[E]+5 = 7, capped by finish 5
            (0, 3, 2, 5, 2, 2, F),  # E
        ],
    )


def test_leads_on_start_to_start_finish_to_finish_start_to_finish():
    # P(4) -FS-> A(3);  A -SS-2-> B(4);  A -FF-3-> C(2);  A -SF-1-> D(5).
    durations = [4, 3, 4, 2, 5]
    links = [(0, 1, "FS", 0), (1, 2, "SS", -2), (1, 3, "FF", -3), (1, 4, "SF", -1)]
    assert_schedule(
        compute(durations, links),
        7,
        [
            (0, 4, 0, 4, 0, 0, T),  # P
            (4, 7, 4, 7, 0, 0, T),  # A: slacks SS 0, FF 0, SF 2, finish 0
            (2, 6, 3, 7, 1, 1, F),  # B: es >= 4-2, starts before its predecessor
            (2, 4, 5, 7, 3, 3, F),  # C: ef >= 7-3
            (0, 5, 2, 7, 2, 2, F),  # D: ef >= 4-1 -> es >= -2 -> 0
        ],
    )


# -- milestones ------------------------------------------------------------------------------------


def test_milestones():
    # Start(0) -> A(3) -FS+1-> Gate(0) -> C(1) -> End(0);  Start -> B(6) -> End.
    start, a, b, gate, c, end = range(6)
    durations = [0, 3, 6, 0, 1, 0]
    links = [fs(start, a), fs(start, b), fs(a, gate, 1), fs(gate, c), fs(c, end), fs(b, end)]
    assert_schedule(
        compute(durations, links),
        6,
        [
            (0, 0, 0, 0, 0, 0, T),  # Start
            (0, 3, 1, 4, 1, 0, F),  # A: slack to Gate 4-3-1 = 0
            (0, 6, 0, 6, 0, 0, T),  # B
            (4, 4, 5, 5, 1, 0, F),  # Gate
            (4, 5, 5, 6, 1, 1, F),  # C
            (6, 6, 6, 6, 0, 0, T),  # End
        ],
    )


def test_only_milestones():
    # M0 -FS+2-> M1;  M0 -> M2.  A project of milestones can still last 2 days through a lag.
    durations = [0, 0, 0]
    links = [fs(0, 1, 2), fs(0, 2)]
    assert_schedule(
        compute(durations, links),
        2,
        [
            (0, 0, 0, 0, 0, 0, T),
            (2, 2, 2, 2, 0, 0, T),
            (0, 0, 2, 2, 2, 2, F),
        ],
    )


# -- parallel chains, degenerate inputs ------------------------------------------------------------


def test_parallel_chains_with_different_float():
    # A(2)->B(3)->C(4) = 9;  D(1)->E(2) = 3;  F(5)->G(2) = 7.  No joins.
    durations = [2, 3, 4, 1, 2, 5, 2]
    links = [fs(0, 1), fs(1, 2), fs(3, 4), fs(5, 6)]
    assert_schedule(
        compute(durations, links),
        9,
        [
            (0, 2, 0, 2, 0, 0, T),  # A
            (2, 5, 2, 5, 0, 0, T),  # B
            (5, 9, 5, 9, 0, 0, T),  # C
            (0, 1, 6, 7, 6, 0, F),  # D: all its float is shared with E
            (1, 3, 7, 9, 6, 6, F),  # E
            (0, 5, 2, 7, 2, 0, F),  # F
            (5, 7, 7, 9, 2, 2, F),  # G
        ],
    )


def test_single_task():
    assert_schedule(compute([7], []), 7, [(0, 7, 0, 7, 0, 0, T)])


def test_single_milestone():
    assert_schedule(compute([0], []), 0, [(0, 0, 0, 0, 0, 0, T)])


def test_empty_input():
    s = compute([], [])
    assert s.finish == 0
    for field in (s.es, s.ef, s.ls, s.lf, s.total_float, s.free_float, s.critical):
        assert list(field) == []


def test_disconnected_tasks():
    assert_schedule(
        compute([3, 5, 0, 2], []),
        5,
        [
            (0, 3, 2, 5, 2, 2, F),
            (0, 5, 0, 5, 0, 0, T),
            (0, 0, 5, 5, 5, 5, F),
            (0, 2, 3, 5, 3, 3, F),
        ],
    )


def test_tuples_and_link_order_do_not_matter():
    # The Milwaukee network again, as tuples, links in reverse order.
    durations = (2, 3, 2, 4, 4, 3, 5, 2)
    links = ((6, 7, "FS", 0), (5, 7, "FS", 0), (4, 6, "FS", 0), (3, 6, "FS", 0), (2, 5, "FS", 0))
    links += ((2, 4, "FS", 0), (1, 3, "FS", 0), (0, 3, "FS", 0), (0, 2, "FS", 0))
    s = compute(durations, links)
    assert s.finish == 15
    assert list(s.total_float) == [0, 1, 0, 1, 0, 6, 0, 0]


def test_task_ids_need_not_follow_the_links():
    # The Milwaukee network with the ids reversed (H=0 .. A=7): links run from higher to lower ids.
    H, G, F_, E, D, C, B, A = range(8)
    durations = [2, 5, 3, 4, 4, 2, 3, 2]
    links = [fs(A, C), fs(A, D), fs(B, D), fs(C, E), fs(C, F_), fs(D, G), fs(E, G), fs(F_, H)]
    links.append(fs(G, H))
    assert_schedule(
        compute(durations, links),
        15,
        [
            (13, 15, 13, 15, 0, 0, T),  # H
            (8, 13, 8, 13, 0, 0, T),  # G
            (4, 7, 10, 13, 6, 6, F),  # F
            (4, 8, 4, 8, 0, 0, T),  # E
            (3, 7, 4, 8, 1, 1, F),  # D
            (2, 4, 2, 4, 0, 0, T),  # C
            (0, 3, 1, 4, 1, 0, F),  # B
            (0, 2, 0, 2, 0, 0, T),  # A
        ],
    )


def test_inputs_are_not_modified():
    durations = [2, 3, 1]
    links = [(0, 1, "SS", 1), (1, 2, "FF", -1)]
    compute(durations, links)
    assert durations == [2, 3, 1]
    assert links == [(0, 1, "SS", 1), (1, 2, "FF", -1)]


# -- errors ----------------------------------------------------------------------------------------


def rotations(seq):
    return [list(seq[i:]) + list(seq[:i]) for i in range(len(seq))]


def test_three_cycle_reports_the_cycle_in_link_order():
    # 0 -> 1 -> 2 -> 3 -> 1: task 0 leads into the cycle but is not part of it.
    with pytest.raises(CycleError) as info:
        compute([1, 1, 1, 1], [fs(0, 1), fs(1, 2), fs(2, 3), fs(3, 1)])
    assert list(info.value.cycle) in rotations([1, 2, 3])


@pytest.mark.parametrize("kind", ["FS", "SS", "FF", "SF"])
def test_three_cycle_of_any_kind_and_lag(kind):
    # Leads make the cycle's total lag negative; it is still a circular logic error.
    links = [(2, 0, kind, -3), (0, 1, kind, -3), (1, 2, kind, 1)]
    with pytest.raises(CycleError) as info:
        compute([2, 2, 2], links)
    assert list(info.value.cycle) in rotations([0, 1, 2])


def test_two_cycle():
    with pytest.raises(CycleError) as info:
        compute([1, 1, 1], [fs(0, 1), (2, 1, "SS", 0), (1, 2, "FF", 0)])
    assert list(info.value.cycle) in rotations([1, 2])


def test_self_link():
    with pytest.raises(ValueError):
        compute([1, 1], [fs(0, 1), fs(1, 1)])


@pytest.mark.parametrize("link", [fs(0, 3), fs(3, 0), fs(0, 99), fs(-1, 0), fs(0, -1)])
def test_unknown_task(link):
    with pytest.raises(ValueError):
        compute([1, 1, 1], [fs(0, 1), link])


def test_unknown_task_without_tasks():
    with pytest.raises(ValueError):
        compute([], [fs(0, 1)])


def test_negative_duration():
    with pytest.raises(ValueError):
        compute([1, -1, 1], [fs(0, 1)])


@pytest.mark.parametrize("kind", ["XX", "", "FT", "S S"])
def test_unknown_kind(kind):
    with pytest.raises(ValueError):
        compute([1, 1], [(0, 1, kind, 0)])
