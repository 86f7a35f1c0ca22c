"""MS Project XML (MSPDI, namespace http://schemas.microsoft.com/project) to and from plain data.

`parse(data)` reads what the schedule needs from a file MS Project (2007 and later) saved as
XML: the tasks with their outline, durations, constraints, progress and predecessor links, the
calendars' exceptions, the resources and their assignments. `write(project)` writes such a file
back in the element order of the MSPDI schema, so MS Project 2010 and later open it.

Units, as MS Project stores them:

- Durations and work are ISO-8601 durations of working time (`PT24H0M0S`); a working day is the
  file's `MinutesPerDay` (480 when absent), and so is a `D` some tools write (`P3D`). A
  duration of elapsed time (`DurationFormat` 4, 6, 8, 10, 12, 20 and their estimated forms)
  counts 24 hours a day. Durations are kept in whole
  working days: a remainder is rounded (half up) with a warning.
- `LinkLag` is in tenths of a minute of working time (elapsed time for elapsed `LagFormat`s); a
  percentage lag (`LagFormat` 19/20) is a percentage of the predecessor's duration.
- Link types: 0 = FF, 1 = FS, 2 = SF, 3 = SS. Constraint types: 0 = ASAP, 2 = MSO, 4 = SNET,
  7 = FNLT are kept; the others (ALAP, MFO, SNLT, FNET) become ASAP with a warning.

Uploaded files are untrusted: they are parsed by defusedxml with DTDs, entities and external
references refused, so entity expansion ("billion laughs") and external entities fail with a
clear error instead of expanding or fetching anything.

This module imports nothing from Django. Problems carry a stable `code`, an English message
template marked for translation with `gettext_noop` and its parameters: callers translate the
template (`gettext(problem.template) % problem.params`).
"""

from .model import (
    CONSTRAINT_CODES,
    CONSTRAINTS,
    DEFAULT_MINUTES_PER_DAY,
    LINK_CODES,
    LINK_TYPES,
    NAMESPACE,
    SAVE_VERSION,
    Assignment,
    Calendar,
    CalendarException,
    Link,
    MspdiError,
    Problem,
    ProjectFile,
    Resource,
    Task,
    gettext_noop,
)
from .reader import parse
from .writer import DAY_END, DAY_START, duration_text, work_text, write

__all__ = [
    "CONSTRAINTS",
    "CONSTRAINT_CODES",
    "DAY_END",
    "DAY_START",
    "DEFAULT_MINUTES_PER_DAY",
    "LINK_CODES",
    "LINK_TYPES",
    "NAMESPACE",
    "SAVE_VERSION",
    "Assignment",
    "Calendar",
    "CalendarException",
    "Link",
    "MspdiError",
    "Problem",
    "ProjectFile",
    "Resource",
    "Task",
    "duration_text",
    "gettext_noop",
    "parse",
    "work_text",
    "write",
]
