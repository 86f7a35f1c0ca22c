"""The keywords of `compute`: MS Project's and Primavera's date constraints, a deadline and
progress. Each is one more bound on an early start (es[t] >= c), a late start (ls[t] <= c) or a date
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

from .network import Link, Rows, Schedule, forward

CONSTRAINTS = ("SNET", "FNET", "SNLT", "FNLT", "MSO")

Constraint = tuple[str, int]

_NOT_FIXED = -1  # no fixed date: every fixed date is an offset >= 0
_UNBOUNDED = sys.maxsize


@dataclass(frozen=True, slots=True)
class Bounds:
    """The keywords of `compute` as flat arrays, one entry per task."""

    duration: list[int]  # a started task's from its actual (or expected) dates
    lower: list[int]  # es >= lower
    pin: dict[int, int]  # es == pin[t] for the tasks in it (MSO, started)
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


def bounds(
    durations: list[int],
    constraints: Mapping[int, Constraint] | None,
    deadline: int | None,
    status_date: int | None,
    actual_start: Mapping[int, int] | None,
    actual_finish: Mapping[int, int] | None,
    remaining: Mapping[int, int] | None,
) -> Bounds:
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
    pin: dict[int, int] = {}
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
    return Bounds(dur, lower, pin, upper, late_pin, done, deadline)


def bounded_passes(rows: Rows, bounds: Bounds, links: Sequence[Link]) -> Schedule:
    """The passes of `compute` seeded with the keywords' bounds: the shared forward pass with
    the fixed starts, then a backward pass of its own that skips complete successors and keeps
    fixed late starts, kept apart so that the plain backward pass pays nothing for them."""
    first, succ_of, weight = rows.first, rows.succ_of, rows.weight
    dur, pin, late_pin, done = bounds.duration, bounds.pin, bounds.late_pin, bounds.done
    n = len(dur)

    es = bounds.lower[:]
    order = forward(rows, es, links, pin)
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
