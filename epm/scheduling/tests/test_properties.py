"""Property tests for the critical-path engine on random networks (hypothesis).

Random DAGs: links only go from a lower to a higher id while the graph is built, so it has no
cycle; the ids are then relabelled by a random permutation so that the engine cannot rely on
"task ids are already in topological order". All four kinds, lags -3..5, durations 0..10,
up to 12 tasks.

The reference schedule below is an independent brute force: every link is turned into a
difference constraint ``start[s] - start[p] >= w`` and the constraints are relaxed
Bellman-Ford style until nothing changes, forward for the early starts, backward for the late
starts.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from epm.scheduling import CycleError, compute

KINDS = ("FS", "SS", "FF", "SF")
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
