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

Keyword arguments add MS Project's and Primavera's date constraints, a deadline and progress.
Each is one more bound on an early start (es[t] >= c), a late start (ls[t] <= c) or a date
fixed outright, so the passes stay the same walks over the same arrays, seeded with the bounds:

    constraints   {task: (kind, offset)}, at most one per task:
        SNET  start no earlier than   es >= offset
        FNET  finish no earlier than  ef >= offset
        SNLT  start no later than     ls <= offset
        FNLT  finish no later than    lf <= offset
        MSO   must start on           es = ls = offset, whatever the links, the status date
              or the deadline say; a predecessor that would push it later shows as negative
              float on that predecessor's path, the task itself keeps its date and 0 float.
    deadline      lf <= deadline for every task: the backward pass starts from the deadline
                  instead of the computed finish, so a late project has negative floats.
                  `finish` stays the computed early finish.
    status_date   S; tasks not started are scheduled from it: es >= S.
    actual_start, actual_finish, remaining   {task: days}, mappings of the tasks concerned:
        complete     (actual start and finish): es = actual start, ef = actual finish, not
                     moved by anything; ls = es, lf = ef, total and free float 0, never
                     critical, and links into it bind nothing in the backward pass (a
                     finished task waits for no predecessor).
        in progress  (actual start only; needs S): es = actual start, ef = S + remaining
                     work, not moved by predecessors; the remaining work defaults to
                     max(duration - (S - actual start), 0). Late dates come from its
                     successors as for any task.
        Successors see a started task's own dates: FS from its ef, FF and SF with ef - es as
        its duration. Actual dates after S are refused, a fact cannot be in the future.
        Once a task has started its dates come from the actuals: SNET, FNET, SNLT and MSO no
        longer apply to it; FNLT still bounds the late finish of a task in progress.

With any keyword, total float may be negative. Free float is still measured against the
successors and the computed finish, then clamped to 0..total float (never negative, as MS
Project's free slack). `critical` is still "total float == the least total float", taken over
the tasks not complete. Offsets, the deadline, the status date and the values of the mappings are
whole days >= 0; anything else, or an unknown task, raises ValueError naming the task.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

KINDS = ("FS", "SS", "FF", "SF")
CONSTRAINTS = ("SNET", "FNET", "SNLT", "FNLT", "MSO")
_FROM_FINISH = {"FS": True, "SS": False, "FF": True, "SF": False}
_TO_FINISH = {"FS": False, "SS": False, "FF": True, "SF": True}

Link = tuple[int, int, str, int]
Constraint = tuple[str, int]

_NOT_FIXED = -1  # no fixed date: every fixed date is an offset >= 0
_UNBOUNDED = sys.maxsize


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


def compute(
    durations: Sequence[int],
    links: Sequence[Link],
    *,
    constraints: Mapping[int, Constraint] | None = None,
    deadline: int | None = None,
    status_date: int | None = None,
    actual_start: Mapping[int, int] | None = None,
    actual_finish: Mapping[int, int] | None = None,
    remaining: Mapping[int, int] | None = None,
) -> Schedule:
    """Early and late dates, floats and the critical tasks; raises CycleError or ValueError.

    The keywords are described in the module's docstring."""
    _check(durations, links)
    n = len(durations)
    dur = list(durations)
    bounds = None
    if (
        constraints
        or actual_start
        or actual_finish
        or remaining
        or deadline is not None
        or status_date is not None
    ):
        bounds = _bounds(
            dur, constraints, deadline, status_date, actual_start, actual_finish, remaining
        )
        dur = bounds.duration

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
    if bounds is not None:
        return _bounded_passes(order, first, succ_of, weight, bounds)

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


@dataclass(frozen=True, slots=True)
class _Bounds:
    """The keywords of `compute` as flat arrays, one entry per task."""

    duration: list[int]  # a started task's from its actual (or expected) dates
    lower: list[int]  # es >= lower
    pin: list[int]  # es == pin unless _NOT_FIXED (MSO, started)
    upper: list[int]  # ls <= upper
    late_pin: list[int]  # ls == late_pin unless _NOT_FIXED (MSO, complete)
    done: list[bool]
    deadline: int | None


def _whole(value: object) -> bool:
    return type(value) is int and value >= 0  # (not bool either)


def _days(name: str, given: Mapping[int, int] | None, n: int) -> Mapping[int, int]:
    """`given` checked: task ids that exist, whole days >= 0."""
    if not given:
        return {}
    for task, value in given.items():
        if type(task) is not int or not 0 <= task < n:
            raise ValueError(f"{name}: there is no task {task!r}.")
        if not _whole(value):
            raise ValueError(f"Task {task}: the {name} must be a whole number >= 0, not {value!r}.")
    return given


def _bounds(
    durations: list[int],
    constraints: Mapping[int, Constraint] | None,
    deadline: int | None,
    status_date: int | None,
    actual_start: Mapping[int, int] | None,
    actual_finish: Mapping[int, int] | None,
    remaining: Mapping[int, int] | None,
) -> _Bounds:
    """Check the keywords and turn them into bounds; refuse with the task's id."""
    n = len(durations)
    if deadline is not None and not _whole(deadline):
        raise ValueError(f"The deadline must be a whole number >= 0, not {deadline!r}.")
    if status_date is not None and not _whole(status_date):
        raise ValueError(f"The status date must be a whole number >= 0, not {status_date!r}.")
    started = _days("actual start", actual_start, n)
    finished = _days("actual finish", actual_finish, n)
    left = _days("remaining", remaining, n)

    dur = durations[:]
    lower = [0 if status_date is None else status_date] * n
    pin = [_NOT_FIXED] * n
    upper = [_UNBOUNDED] * n
    late_pin = [_NOT_FIXED] * n
    done = [False] * n
    for task in finished:
        if task not in started:
            raise ValueError(f"Task {task}: an actual finish needs an actual start.")
    for task in left:
        if task not in started or task in finished:
            raise ValueError(f"Task {task}: remaining work is for tasks in progress only.")
    for task, start in started.items():
        if status_date is not None and start > status_date:
            raise ValueError(f"Task {task}: the actual start is after the status date.")
        pin[task] = start
        if task in finished:
            end = finished[task]
            if end < start:
                raise ValueError(f"Task {task}: the actual finish is before the actual start.")
            if status_date is not None and end > status_date:
                raise ValueError(f"Task {task}: the actual finish is after the status date.")
            dur[task] = end - start
            late_pin[task] = start
            done[task] = True
        else:
            if status_date is None:
                raise ValueError(f"Task {task} is in progress: a status date is needed.")
            # start <= status_date, so the remaining work runs from the status date
            rest = left.get(task)
            if rest is None:
                rest = max(dur[task] - (status_date - start), 0)
            dur[task] = status_date + rest - start

    for task, constraint in (constraints or {}).items():
        if type(task) is not int or not 0 <= task < n:
            raise ValueError(f"constraints: there is no task {task!r}.")
        try:
            kind, offset = constraint
        except (TypeError, ValueError):
            raise ValueError(f"Task {task}: a constraint is (kind, offset).") from None
        if kind not in CONSTRAINTS:
            raise ValueError(
                f"Task {task}: the constraint must be one of {', '.join(CONSTRAINTS)}, "
                f"not {kind!r}."
            )
        if not _whole(offset):
            raise ValueError(
                f"Task {task}: the constraint's offset must be a whole number >= 0, not {offset!r}."
            )
        if task in started:
            if kind == "FNLT" and not done[task]:
                upper[task] = offset - dur[task]
        elif kind == "SNET":
            lower[task] = max(lower[task], offset)
        elif kind == "FNET":
            lower[task] = max(lower[task], offset - dur[task])
        elif kind == "SNLT":
            upper[task] = offset
        elif kind == "FNLT":
            upper[task] = offset - dur[task]
        else:  # MSO
            pin[task] = late_pin[task] = offset
    return _Bounds(dur, lower, pin, upper, late_pin, done, deadline)


def _bounded_passes(
    order: list[int], first: list[int], succ_of: list[int], weight: list[int], bounds: _Bounds
) -> Schedule:
    """The two passes of `compute` seeded with the keywords' bounds. Kept apart so that the
    plain call pays nothing for them."""
    n = len(order)
    dur, pin, late_pin, done = bounds.duration, bounds.pin, bounds.late_pin, bounds.done

    es = bounds.lower[:]
    for p in order:
        # every predecessor of p comes before it, so es[p] is final here unless fixed
        start = pin[p]
        if start == _NOT_FIXED:
            start = es[p]
        else:
            es[p] = start
        for at in range(first[p], first[p + 1]):
            value = start + weight[at]
            s = succ_of[at]
            if value > es[s]:
                es[s] = value
    ef = [es[t] + dur[t] for t in range(n)]
    finish = max(ef, default=0)

    end = finish if bounds.deadline is None else bounds.deadline
    upper = bounds.upper
    ls = [min(end - dur[t], upper[t]) for t in range(n)]
    free = [finish - ef[t] for t in range(n)]
    for p in reversed(order):
        latest = ls[p]
        start = es[p]
        slack = free[p]
        for at in range(first[p], first[p + 1]):
            s = succ_of[at]
            if done[s]:
                continue
            w = weight[at]
            value = ls[s] - w
            if value < latest:
                latest = value
            gap = es[s] - start - w
            if gap < slack:
                slack = gap
        fixed = late_pin[p]
        ls[p] = latest if fixed == _NOT_FIXED else fixed
        free[p] = slack
    lf = [ls[t] + dur[t] for t in range(n)]
    total = [ls[t] - es[t] for t in range(n)]
    least = min((total[t] for t in range(n) if not done[t]), default=0)
    return Schedule(
        es=es,
        ef=ef,
        ls=ls,
        lf=lf,
        total_float=total,
        free_float=[0 if done[t] else max(0, min(free[t], total[t])) for t in range(n)],
        critical=[total[t] == least and not done[t] for t in range(n)],
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
