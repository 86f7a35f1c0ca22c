"""Forward and backward passes of the critical path method over flat integer arrays.

Every link kind is one difference constraint between the two tasks' early starts. With
d = the duration of a task:

    FS  es[s] >= ef[p] + lag  =  es[p] + d[p] + lag
    SS  es[s] >= es[p] + lag
    FF  ef[s] >= ef[p] + lag   ->  es[s] >= es[p] + d[p] + lag - d[s]
    SF  ef[s] >= es[p] + lag   ->  es[s] >= es[p] + lag - d[s]

so a link carries one weight w and reads es[s] >= es[p] + w (MS Project's and Primavera's
semantics for these kinds). The forward pass is a longest path from the project start with
every task starting at 0 or later; the backward pass gives each task the latest start that
keeps every link and finishes by the project finish. The links are stored once, sorted by
predecessor (compressed rows), and both passes walk them in topological order: each link is
read a fixed number of times, and no object is made per task or per link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

KINDS = ("FS", "SS", "FF", "SF")
_FROM_FINISH = {"FS": True, "SS": False, "FF": True, "SF": False}
_TO_FINISH = {"FS": False, "SS": False, "FF": True, "SF": True}

Link = tuple[int, int, str, int]


class CycleError(ValueError):
    """The links go round in a circle; `cycle` names its tasks in link order."""

    def __init__(self, cycle: list[int]) -> None:
        self.cycle = cycle
        shown = " → ".join(str(t) for t in [*cycle, cycle[0]])
        super().__init__(f"The links form a cycle: {shown}")


@dataclass(frozen=True, slots=True)
class Schedule:
    es: list[int]
    ef: list[int]
    ls: list[int]
    lf: list[int]
    total_float: list[int]
    free_float: list[int]
    critical: list[bool]
    finish: int


def _check(durations: Sequence[int], links: Sequence[Link]) -> None:
    """Refuse what is not a network; one quick pass, the precise reason only on failure."""
    n = len(durations)
    for task, d in enumerate(durations):
        if type(d) is not int or d < 0:  # (not bool either)
            raise ValueError(f"Task {task}: the duration must be a whole number >= 0, not {d!r}.")
    kinds = _FROM_FINISH
    try:
        for number, (pred, succ, kind, lag) in enumerate(links):
            if (
                type(pred) is not int
                or type(succ) is not int
                or not 0 <= pred < n
                or not 0 <= succ < n
                or pred == succ
                or kind not in kinds
                or type(lag) is not int
            ):
                _refuse(number, links[number], n)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, _LinkError):
            raise
        for number, link in enumerate(links):
            _refuse(number, link, n)
        raise


class _LinkError(ValueError):
    pass


def _refuse(number: int, link: Any, n: int) -> None:
    """Raise why link `number` is not a link (or return when it is one)."""
    try:
        pred, succ, kind, lag = link
    except (TypeError, ValueError):
        raise _LinkError(f"Link {number}: expected (pred, succ, kind, lag).") from None
    for end in (pred, succ):
        if type(end) is not int or not 0 <= end < n:
            raise _LinkError(f"Link {number}: there is no task {end!r}.")
    if pred == succ:
        raise _LinkError(f"Link {number}: task {pred} cannot depend on itself.")
    if kind not in _FROM_FINISH:
        raise _LinkError(f"Link {number}: the kind must be one of {', '.join(KINDS)}.")
    if type(lag) is not int:
        raise _LinkError(f"Link {number}: the lag must be a whole number of days.")


def compute(durations: Sequence[int], links: Sequence[Link]) -> Schedule:
    """Early and late dates, floats and the critical tasks; raises CycleError or ValueError."""
    _check(durations, links)
    n = len(durations)
    dur = list(durations)

    # Links as compressed rows sorted by predecessor: row p is first[p]:first[p + 1].
    first = [0] * (n + 1)
    for link in links:
        first[link[0] + 1] += 1
    for task in range(n):
        first[task + 1] += first[task]
    succ_of = [0] * len(links)
    weight = [0] * len(links)
    fill = first[:-1]
    indegree = [0] * n
    from_finish, to_finish = _FROM_FINISH, _TO_FINISH
    for pred, succ, kind, lag in links:
        at = fill[pred]
        fill[pred] = at + 1
        succ_of[at] = succ
        weight[at] = lag + from_finish[kind] * dur[pred] - to_finish[kind] * dur[succ]
        indegree[succ] += 1

    order = _topological(n, first, succ_of, indegree, links)

    es = [0] * n
    for p in order:
        start = es[p]
        for at in range(first[p], first[p + 1]):
            value = start + weight[at]
            s = succ_of[at]
            if value > es[s]:
                es[s] = value
    ef = [es[t] + dur[t] for t in range(n)]
    finish = max(ef, default=0)

    ls = [finish - dur[t] for t in range(n)]
    free = [finish - ef[t] for t in range(n)]
    for p in reversed(order):
        latest = ls[p]
        start = es[p]
        slack = free[p]
        for at in range(first[p], first[p + 1]):
            s = succ_of[at]
            w = weight[at]
            value = ls[s] - w
            if value < latest:
                latest = value
            gap = es[s] - start - w
            if gap < slack:
                slack = gap
        ls[p] = latest
        free[p] = slack
    lf = [ls[t] + dur[t] for t in range(n)]
    total = [ls[t] - es[t] for t in range(n)]
    least = min(total, default=0)
    return Schedule(
        es=es,
        ef=ef,
        ls=ls,
        lf=lf,
        total_float=total,
        free_float=free,
        critical=[f == least for f in total],
        finish=finish,
    )


def _topological(
    n: int, first: list[int], succ_of: list[int], indegree: list[int], links: Sequence[Link]
) -> list[int]:
    """Kahn's order of the tasks; CycleError when some are left on a cycle."""
    remaining = indegree[:]
    order = [t for t in range(n) if remaining[t] == 0]
    head = 0
    while head < len(order):
        p = order[head]
        head += 1
        for at in range(first[p], first[p + 1]):
            s = succ_of[at]
            remaining[s] -= 1
            if remaining[s] == 0:
                order.append(s)
    if len(order) < n:
        raise CycleError(_a_cycle(remaining, links))
    return order


def _a_cycle(remaining: list[int], links: Sequence[Link]) -> list[int]:
    """One cycle among the tasks Kahn's order could not place: each of them has a predecessor
    that is also left, so walking back through such predecessors must come round."""
    left = {t for t, count in enumerate(remaining) if count > 0}
    back: dict[int, int] = {}
    for pred, succ, _kind, _lag in links:
        if pred in left and succ in left:
            back.setdefault(succ, pred)
    walk: list[int] = []
    seen: dict[int, int] = {}
    task = min(left)
    while task not in seen:
        seen[task] = len(walk)
        walk.append(task)
        task = back[task]
    cycle = walk[seen[task] :]
    cycle.reverse()  # walked backwards; the links run the other way
    return cycle
