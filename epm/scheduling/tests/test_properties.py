"""Property tests for the critical-path engine on random networks (hypothesis).

Random DAGs: links only go from a lower to a higher id while the graph is built, so it has no
cycle; the ids are then relabelled by a random permutation so that the engine cannot rely on
"task ids are already in topological order". All four kinds, lags -3..5, durations 0..10,
up to 12 tasks.

The reference schedule below is an independent brute force: every link is turned into a
difference constraint ``start[s] - start[p] >= w`` and the constraints are relaxed
Bellman-Ford style until nothing changes, forward for the early starts, backward for the late
starts. A second one does the same from the keywords' bounds (date constraints, a deadline, a
status date), and progress is checked against the plan it records and against its definitions.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from epm.scheduling import CycleError, compute

KINDS = ("FS", "SS", "FF", "SF")
CONSTRAINTS = ("SNET", "FNET", "SNLT", "FNLT", "MSO")
MAX_TASKS = 12
SETTINGS = settings(max_examples=300, deadline=None)


# -- strategies ------------------------------------------------------------------------------------


@st.composite
def dags(draw, *, max_tasks=MAX_TASKS, unique_pairs=True, min_links=0, relabel=True):
    """(durations, links) of an acyclic network."""
    n = draw(st.integers(2 if min_links else 0, max_tasks))
    durations = draw(st.lists(st.integers(0, 10), min_size=n, max_size=n))
    links = []
    if n >= 2:
        pair = st.integers(0, n - 2).flatmap(
            lambda p: st.tuples(st.just(p), st.integers(p + 1, n - 1))
        )
        link = st.tuples(pair, st.sampled_from(KINDS), st.integers(-3, 5))
        drawn = draw(
            st.lists(
                link,
                min_size=min_links,
                max_size=2 * n,
                unique_by=(lambda x: x[0]) if unique_pairs else None,
            )
        )
        links = [(p, s, kind, lag) for (p, s), kind, lag in drawn]
    if relabel and n:
        perm = draw(st.permutations(range(n)))
        # old id i becomes perm[i]; durations move with their task
        new_durations = [0] * n
        for i, d in enumerate(durations):
            new_durations[perm[i]] = d
        durations = new_durations
        links = [(perm[p], perm[s], kind, lag) for p, s, kind, lag in links]
    return durations, links


@st.composite
def cyclic_networks(draw):
    """A DAG plus one or more back edges, each closing a cycle through existing links."""
    durations, links = draw(dags(min_links=1, relabel=False, unique_pairs=False))
    n = len(durations)
    succ = {i: set() for i in range(n)}
    for p, s, _, _ in links:
        succ[p].add(s)
    reach = []  # (i, j): j reachable from i through at least one link
    for i in range(n):
        seen, stack = set(), [i]
        while stack:
            for nxt in succ[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        reach.extend((i, j) for j in sorted(seen))
    back = draw(st.lists(st.sampled_from(reach), min_size=1, max_size=3))
    for i, j in back:
        pos = draw(st.integers(0, len(links)))
        links.insert(pos, (j, i, draw(st.sampled_from(KINDS)), draw(st.integers(-3, 5))))
    perm = draw(st.permutations(range(n)))
    new_durations = [0] * n
    for i, d in enumerate(durations):
        new_durations[perm[i]] = d
    return new_durations, [(perm[p], perm[s], kind, lag) for p, s, kind, lag in links]


# -- the brute-force reference ---------------------------------------------------------------------


def weight(durations, p, s, kind, lag):
    """The link as a constraint on starts: start[s] - start[p] >= weight."""
    return {
        "FS": durations[p] + lag,  # es[s] >= es[p] + d[p] + lag
        "SS": lag,  # es[s] >= es[p] + lag
        "FF": durations[p] + lag - durations[s],  # es[s] + d[s] >= es[p] + d[p] + lag
        "SF": lag - durations[s],  # es[s] + d[s] >= es[p] + lag
    }[kind]


def reference(durations, links):
    n = len(durations)
    cons = [(p, s, weight(durations, p, s, kind, lag)) for p, s, kind, lag in links]
    es = [0] * n
    changed = True
    while changed:
        changed = False
        for p, s, w in cons:
            if es[p] + w > es[s]:
                es[s] = es[p] + w
                changed = True
    ef = [es[i] + durations[i] for i in range(n)]
    finish = max(ef, default=0)
    ls = [finish - durations[i] for i in range(n)]
    changed = True
    while changed:
        changed = False
        for p, s, w in cons:
            if ls[s] - w < ls[p]:
                ls[p] = ls[s] - w
                changed = True
    lf = [ls[i] + durations[i] for i in range(n)]
    total = [ls[i] - es[i] for i in range(n)]
    free = [finish - ef[i] for i in range(n)]
    for p, s, w in cons:
        free[p] = min(free[p], es[s] - es[p] - w)
    least = min(total, default=0)
    critical = [t == least for t in total]
    return {
        "es": es,
        "ef": ef,
        "ls": ls,
        "lf": lf,
        "total_float": total,
        "free_float": free,
        "critical": critical,
        "finish": finish,
    }


# -- per-kind semantics, written as in the specification -------------------------------------------


def forward_bound(s, durations, p, succ, kind, lag):
    """The earliest start of ``succ`` that the link allows."""
    es, ef = s.es, s.ef
    if kind == "FS":
        return ef[p] + lag
    if kind == "SS":
        return es[p] + lag
    if kind == "FF":
        return ef[p] + lag - durations[succ]
    return es[p] + lag - durations[succ]  # SF


def backward_bound(s, durations, p, succ, kind, lag):
    """The latest finish of ``p`` that the link allows."""
    ls, lf = s.ls, s.lf
    if kind == "FS":
        return ls[succ] - lag
    if kind == "SS":
        return ls[succ] - lag + durations[p]
    if kind == "FF":
        return lf[succ] - lag
    return lf[succ] - lag + durations[p]  # SF


def link_holds(s, p, succ, kind, lag):
    es, ef = s.es, s.ef
    return {
        "FS": es[succ] >= ef[p] + lag,
        "SS": es[succ] >= es[p] + lag,
        "FF": ef[succ] >= ef[p] + lag,
        "SF": ef[succ] >= es[p] + lag,
    }[kind]


def link_is_tight(s, p, succ, kind, lag):
    """The link drives its successor: the successor could not start one day earlier."""
    es, ef = s.es, s.ef
    return {
        "FS": es[succ] == ef[p] + lag,
        "SS": es[succ] == es[p] + lag,
        "FF": ef[succ] == ef[p] + lag,
        "SF": ef[succ] == es[p] + lag,
    }[kind]


def fields(s):
    return {
        "es": list(s.es),
        "ef": list(s.ef),
        "ls": list(s.ls),
        "lf": list(s.lf),
        "total_float": list(s.total_float),
        "free_float": list(s.free_float),
        "critical": list(s.critical),
        "finish": s.finish,
    }


# -- (a) orderings and signs -----------------------------------------------------------------------


@SETTINGS
@given(dags())
def test_dates_are_ordered_and_floats_non_negative(net):
    durations, links = net
    s = compute(durations, links)
    n = len(durations)
    for name in ("es", "ef", "ls", "lf", "total_float", "free_float", "critical"):
        assert len(getattr(s, name)) == n, name
    for i in range(n):
        assert s.ef[i] == s.es[i] + durations[i]
        assert s.lf[i] == s.ls[i] + durations[i]
        assert 0 <= s.es[i] <= s.ls[i], i
        assert s.ef[i] <= s.lf[i] <= s.finish, i
        assert s.total_float[i] == s.ls[i] - s.es[i]
        assert s.total_float[i] >= 0, i
        assert 0 <= s.free_float[i] <= s.total_float[i], i
    assert s.finish == max(s.ef, default=0)
    if n:
        least = min(s.total_float)
        assert list(s.critical) == [t == least for t in s.total_float]
        # a task that ends the project has no float, so the least total float is 0
        assert least == 0
        assert all(s.critical[i] for i in range(n) if s.ef[i] == s.finish)


# -- (b) the forward semantics hold and are tight; the backward pass too ---------------------------


@SETTINGS
@given(dags())
def test_every_constraint_holds_and_every_date_is_tight(net):
    durations, links = net
    s = compute(durations, links)
    for p, succ, kind, lag in links:
        assert link_holds(s, p, succ, kind, lag), (p, succ, kind, lag)
        assert s.lf[p] <= backward_bound(s, durations, p, succ, kind, lag), (p, succ, kind, lag)
    for i in range(len(durations)):
        incoming = [forward_bound(s, durations, *link) for link in links if link[1] == i]
        assert s.es[i] == max([0, *incoming]), i
        outgoing = [backward_bound(s, durations, *link) for link in links if link[0] == i]
        assert s.lf[i] == min([s.finish, *outgoing]), i


# -- (c) equal to the brute force ------------------------------------------------------------------


@SETTINGS
@given(dags())
def test_equals_brute_force(net):
    durations, links = net
    assert fields(compute(durations, links)) == reference(durations, links)


@SETTINGS
@given(dags(unique_pairs=False))
def test_equals_brute_force_with_several_links_between_two_tasks(net):
    durations, links = net
    assert fields(compute(durations, links)) == reference(durations, links)


@SETTINGS
@given(dags(), st.randoms(use_true_random=False))
def test_link_order_does_not_matter(net, rnd):
    durations, links = net
    shuffled = list(links)
    rnd.shuffle(shuffled)
    assert fields(compute(durations, shuffled)) == fields(compute(durations, links))


# -- (d) the critical path is continuous -----------------------------------------------------------


@SETTINGS
@given(dags())
def test_critical_chain_runs_back_to_a_task_starting_at_zero(net):
    durations, links = net
    s = compute(durations, links)
    for i in range(len(durations)):
        if not s.critical[i] or s.es[i] == 0:
            continue
        drivers = [
            p
            for p, succ, kind, lag in links
            if succ == i and s.critical[p] and link_is_tight(s, p, succ, kind, lag)
        ]
        assert drivers, f"critical task {i} starts at {s.es[i]} with no critical driver"
    # and so, walking back through critical drivers always ends at a task starting at 0
    for i in range(len(durations)):
        if not s.critical[i]:
            continue
        seen = set()
        while s.es[i] > 0:
            assert i not in seen
            seen.add(i)
            i = next(
                p
                for p, succ, kind, lag in links
                if succ == i and s.critical[p] and link_is_tight(s, p, succ, kind, lag)
            )
        assert s.critical[i]


# -- (e) cycles ------------------------------------------------------------------------------------


@SETTINGS
@given(cyclic_networks())
def test_a_back_edge_raises_cycle_error_with_a_real_cycle(net):
    durations, links = net
    try:
        compute(durations, links)
    except CycleError as error:
        cycle = list(error.cycle)
    else:
        raise AssertionError("no CycleError for a cyclic network")
    assert len(cycle) >= 2
    assert len(set(cycle)) == len(cycle), f"cycle {cycle} repeats a task"
    pairs = {(p, s) for p, s, _, _ in links}
    for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True):
        assert (a, b) in pairs, f"cycle {cycle}: no link {a} -> {b}"


# -- (f) constraints, deadline and progress --------------------------------------------------------


@st.composite
def bounded_networks(draw, *, kinds=CONSTRAINTS, deadline=True):
    """A DAG with constraints on some tasks, maybe a deadline and maybe a status date."""
    durations, links = draw(dags())
    n = len(durations)
    constraints = {}
    if n:
        tasks = draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n))
        for task in tasks:
            constraints[task] = (draw(st.sampled_from(kinds)), draw(st.integers(0, 30)))
    keywords = {
        "constraints": constraints,
        "deadline": draw(st.none() | st.integers(0, 60)) if deadline else None,
        "status_date": draw(st.none() | st.integers(0, 20)),
    }
    return durations, links, keywords


def bounded_reference(durations, links, constraints, deadline, status_date):
    """Bellman-Ford from the bounds: es >= the lower bounds, ls <= the upper ones, and an MSO
    task's dates fixed (never relaxed)."""
    n = len(durations)
    cons = [(p, s, weight(durations, p, s, kind, lag)) for p, s, kind, lag in links]
    es = [status_date or 0] * n
    pinned = set()
    for task, (kind, offset) in constraints.items():
        if kind == "SNET":
            es[task] = max(es[task], offset)
        elif kind == "FNET":
            es[task] = max(es[task], offset - durations[task])
        elif kind == "MSO":
            es[task] = offset
            pinned.add(task)
    changed = True
    while changed:
        changed = False
        for p, s, w in cons:
            if s not in pinned and es[p] + w > es[s]:
                es[s] = es[p] + w
                changed = True
    ef = [es[i] + durations[i] for i in range(n)]
    finish = max(ef, default=0)
    end = finish if deadline is None else deadline
    ls = [end - durations[i] for i in range(n)]
    for task, (kind, offset) in constraints.items():
        if kind == "SNLT":
            ls[task] = min(ls[task], offset)
        elif kind == "FNLT":
            ls[task] = min(ls[task], offset - durations[task])
        elif kind == "MSO":
            ls[task] = offset
    changed = True
    while changed:
        changed = False
        for p, s, w in cons:
            if p not in pinned and ls[s] - w < ls[p]:
                ls[p] = ls[s] - w
                changed = True
    total = [ls[i] - es[i] for i in range(n)]
    free = [finish - ef[i] for i in range(n)]
    for p, s, w in cons:
        free[p] = min(free[p], es[s] - es[p] - w)
    least = min(total, default=0)
    return {
        "es": es,
        "ef": ef,
        "ls": ls,
        "lf": [ls[i] + durations[i] for i in range(n)],
        "total_float": total,
        "free_float": [max(0, min(free[i], total[i])) for i in range(n)],
        "critical": [t == least for t in total],
        "finish": finish,
    }


@SETTINGS
@given(bounded_networks())
def test_constraints_and_deadline_equal_brute_force(net):
    durations, links, keywords = net
    s = compute(durations, links, **keywords)
    assert fields(s) == bounded_reference(durations, links, **keywords)
    assert s.total_float == [s.ls[i] - s.es[i] for i in range(len(durations))]


@SETTINGS
@given(bounded_networks(kinds=("SNET", "FNET"), deadline=False))
def test_only_lower_bounds_leave_floats_non_negative(net):
    durations, links, keywords = net
    s = compute(durations, links, **keywords)
    for i in range(len(durations)):
        assert s.es[i] >= (keywords["status_date"] or 0), i
        assert 0 <= s.free_float[i] <= s.total_float[i], i
    for p, succ, kind, lag in links:
        assert link_holds(s, p, succ, kind, lag), (p, succ, kind, lag)
    if durations:
        assert min(s.total_float) == 0


@st.composite
def planned_progress(draw):
    """A DAG, its plain schedule and a status date within it; the tasks recorded as done
    exactly as planned up to the status date."""
    durations, links = draw(dags())
    plan = compute(durations, links)
    status = draw(st.integers(0, plan.finish))
    started = {
        t: plan.es[t] for t in range(len(durations)) if plan.es[t] < status or plan.ef[t] <= status
    }
    finished = {t: plan.ef[t] for t in started if plan.ef[t] <= status}
    return durations, links, plan, status, started, finished


@SETTINGS
@given(planned_progress())
def test_progress_on_plan_moves_no_early_date(net):
    durations, links, plan, status, started, finished = net
    s = compute(durations, links, status_date=status, actual_start=started, actual_finish=finished)
    assert (s.es, s.ef, s.finish) == (plan.es, plan.ef, plan.finish)


@st.composite
def progressed_networks(draw):
    """A DAG with random actuals: each task not started, in progress or complete by the
    status date, with or without its remaining work; maybe a deadline."""
    durations, links = draw(dags())
    deadline = draw(st.none() | st.integers(0, 40))
    status = draw(st.integers(0, 15))
    started, finished, remaining = {}, {}, {}
    for task in range(len(durations)):
        state = draw(st.sampled_from(("not started", "in progress", "complete")))
        if state == "not started":
            continue
        started[task] = draw(st.integers(0, status))
        if state == "complete":
            finished[task] = draw(st.integers(started[task], status))
        elif draw(st.booleans()):
            remaining[task] = draw(st.integers(0, 10))
    return durations, links, deadline, status, started, finished, remaining


@SETTINGS
@given(progressed_networks())
def test_progress_follows_its_definitions(net):
    durations, links, deadline, status, started, finished, remaining = net
    s = compute(
        durations,
        links,
        deadline=deadline,
        status_date=status,
        actual_start=started,
        actual_finish=finished,
        remaining=remaining,
    )
    n = len(durations)
    for t in range(n):
        if t in finished:
            assert (s.es[t], s.ef[t], s.ls[t], s.lf[t]) == (started[t], finished[t]) * 2
            assert (s.total_float[t], s.free_float[t], s.critical[t]) == (0, 0, False)
        elif t in started:
            rest = remaining.get(t, max(durations[t] - (status - started[t]), 0))
            assert (s.es[t], s.ef[t]) == (started[t], status + rest)
        else:
            assert s.ef[t] == s.es[t] + durations[t]
            incoming = [forward_bound(s, durations, *link) for link in links if link[1] == t]
            assert s.es[t] == max([status, *incoming]), t
        assert s.lf[t] - s.ls[t] == s.ef[t] - s.es[t]
        assert s.total_float[t] == s.ls[t] - s.es[t]
    unfinished = [s.total_float[t] for t in range(n) if t not in finished]
    least = min(unfinished, default=0)
    assert s.critical == [t not in finished and s.total_float[t] == least for t in range(n)]
    for p, succ, kind, lag in links:
        if succ not in started:
            assert link_holds(s, p, succ, kind, lag), (p, succ, kind, lag)
    # late dates: from the successors not complete, with the started tasks' own durations
    effective = [s.ef[t] - s.es[t] for t in range(n)]
    end = s.finish if deadline is None else deadline
    for t in range(n):
        if t in finished:
            continue
        outgoing = [
            backward_bound(s, effective, *link)
            for link in links
            if link[0] == t and link[1] not in finished
        ]
        assert s.lf[t] == min([end, *outgoing]), t
