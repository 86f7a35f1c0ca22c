"""Reading PSPLIB single-mode instances (`.sm` files) of the resource-constrained project
scheduling problem (Kolisch & Sprecher, "PSPLIB - A project scheduling problem library",
EJOR 96 (1996) 205-216).

An `.sm` file is fixed-width text: a header of `label : value` lines, then sections separated
by lines of asterisks, each opened by a title line and a line of column headings:

    jobs (incl. supersource/sink ):  32          n jobs, counting the two dummies
      - renewable                 :  4   R       K renewable resources
    PROJECT INFORMATION:                         pronr. #jobs rel.date duedate tardcost MPM-Time
    PRECEDENCE RELATIONS:                        jobnr. #modes #successors successors...
    REQUESTS/DURATIONS:                          jobnr. mode duration R 1 .. R K
    (a line of dashes)
    RESOURCEAVAILABILITIES:                      R 1 .. R K

Jobs are numbered 1..n; here they are 0-based (job j is index j - 1), with the dummy source
at 0 and the dummy sink at n - 1. Links are finish-to-start without lag. `MPM-Time` is the
length of the critical path ignoring resources, so `compute(inst.durations, inst.links())`
must finish at `inst.mpm_time` (epm.scheduling).

The parser is strict about the sections: a row it cannot read raises ValueError naming the
instance, the line and the section. Of the header it reads the counts (projects, jobs,
resources) and ignores the rest (ProGen's file name and seed, the horizon). Only what the
single-mode format holds is accepted: one project, one mode per job, renewable resources only.
PSPLIB numbers jobs in topological order, but the parser does not insist on it; a cycle is the
scheduling engine's to report (CycleError).

Pure Python, no Django.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Instance", "Link", "load", "parse"]

Link = tuple[int, int, str, int]

PROJECT_INFORMATION = "PROJECT INFORMATION"
PRECEDENCE_RELATIONS = "PRECEDENCE RELATIONS"
REQUESTS_DURATIONS = "REQUESTS/DURATIONS"
RESOURCE_AVAILABILITIES = "RESOURCEAVAILABILITIES"
# Each section's title (its title line adds a colon), and how many lines of column headings
# follow the title line before the data rows.
_SECTIONS = {
    PROJECT_INFORMATION: 1,
    PRECEDENCE_RELATIONS: 1,
    REQUESTS_DURATIONS: 2,  # the headings, then a line of dashes
    RESOURCE_AVAILABILITIES: 1,
}
HEADER = "header"
_RULE = re.compile(r"\*+")
_NUMBER = re.compile(r"[0-9]+")  # not int(): that also takes "+1", "1_0" and non-ASCII digits


@dataclass(frozen=True, slots=True)
class Instance:
    """One PSPLIB single-mode instance; job j of the file is index j - 1 everywhere."""

    name: str
    durations: list[int]
    """Duration of each job in periods, the dummy source (0) and sink (n - 1) included."""
    successors: list[list[int]]
    """Immediate successors of each job (0-based), in file order."""
    mpm_time: int
    """`MPM-Time` of PROJECT INFORMATION: the critical-path length, a makespan lower bound."""
    resources: list[tuple[int, ...]]
    """Per job, the units of each renewable resource it uses in every period it runs."""
    capacities: tuple[int, ...]
    """Units of each renewable resource available in every period."""

    def links(self) -> list[Link]:
        """The precedence relations as `(pred, succ, "FS", 0)` links for epm.scheduling."""
        return [
            (pred, succ, "FS", 0) for pred, succs in enumerate(self.successors) for succ in succs
        ]


def load(path: str | os.PathLike[str]) -> Instance:
    """Read and parse one `.sm` file; the instance is named after the file (`j301_1`)."""
    path = Path(path)
    # The files are ASCII; latin-1 never fails to decode, so stray bytes reach the parser and
    # get a message naming their line instead of a UnicodeDecodeError.
    return parse(path.read_text(encoding="latin-1"), name=path.stem)


def parse(text: str, name: str = "") -> Instance:
    """Parse the text of one `.sm` file; raises ValueError naming the line that is wrong."""
    return _Parser(text, name).instance()


def _title(text: str) -> str | None:
    """The section a line opens (`PRECEDENCE RELATIONS:`), or None."""
    text = text.strip()
    return text[:-1] if text.endswith(":") else None


@dataclass(frozen=True, slots=True)
class _Row:
    line: int  # 1-based, as an editor numbers it
    values: tuple[int, ...]


class _Parser:
    def __init__(self, text: str, name: str) -> None:
        self.lines = text.splitlines()
        self.name = name

    def error(self, line: int | None, section: str, message: str) -> ValueError:
        where = f"line {line} ({section})" if line is not None else section
        prefix = f"{self.name}: " if self.name else ""
        return ValueError(f"{prefix}{where}: {message}")

    def instance(self) -> Instance:
        header = self.header()
        n_line, n = self.header_value(header, "jobs", required=True)
        if n < 2:
            raise self.error(n_line, HEADER, f"need at least the 2 dummy jobs, not {n}.")
        _, k = self.header_value(header, "renewable", required=True)
        projects_line, projects = self.header_value(header, "projects")
        if projects_line is not None and projects != 1:
            raise self.error(projects_line, HEADER, f"expected 1 project, not {projects}.")
        for key in ("nonrenewable", "doubly"):
            line, count = self.header_value(header, key)
            if line is not None and count != 0:
                raise self.error(line, HEADER, "only renewable resources are supported.")

        mpm_time = self.project_information(n)
        successors = self.precedence_relations(n)
        durations, resources = self.requests_durations(n, k)
        capacities = self.resource_availabilities(k)
        return Instance(self.name, durations, successors, mpm_time, resources, capacities)

    # -- header ---------------------------------------------------------------------------

    def header(self) -> dict[str, tuple[int, str]]:
        """The `label : value` lines before the first section, keyed by the label's first word
        (`jobs`, `renewable`, ...), each with its line number and value text."""
        found: dict[str, tuple[int, str]] = {}
        for number, text in enumerate(self.lines, start=1):
            if _title(text) in _SECTIONS:
                break
            label, colon, value = text.partition(":")
            words = label.strip(" \t-").split()
            if not colon or not words:
                continue
            key = words[0].lower()
            if key in found:
                raise self.error(number, HEADER, f"{key!r} is given twice.")
            found[key] = (number, value)
        return found

    def header_value(
        self, header: dict[str, tuple[int, str]], key: str, *, required: bool = False
    ) -> tuple[int | None, int]:
        if key not in header:
            if required:
                raise self.error(None, HEADER, f"the {key!r} line is missing.")
            return None, 0
        line, value = header[key]
        words = value.split()
        if not words or not _NUMBER.fullmatch(words[0]):
            raise self.error(
                line, HEADER, f"{key!r} must be a whole number, not {value.strip()!r}."
            )
        return line, int(words[0])

    # -- sections -------------------------------------------------------------------------

    def section(self, title: str, rows: int) -> list[_Row]:
        """The data rows of a section, which must number `rows`."""
        starts = [i for i, text in enumerate(self.lines) if _title(text) == title]
        if not starts:
            raise self.error(None, title, "the section is missing.")
        if len(starts) > 1:
            raise self.error(starts[1] + 1, title, "the section appears twice.")
        i = starts[0] + 1
        for _ in range(_SECTIONS[title]):
            text = self.lines[i] if i < len(self.lines) else ""
            if not text.strip() or _RULE.fullmatch(text.strip()) or text.split()[0][0].isdigit():
                raise self.error(i + 1, title, "expected the line of column headings.")
            i += 1
        found: list[_Row] = []
        while i < len(self.lines) and not _RULE.fullmatch(self.lines[i].strip()):
            words = self.lines[i].split()
            i += 1
            if not words:
                continue
            for word in words:
                if not _NUMBER.fullmatch(word):
                    raise self.error(i, title, f"expected whole numbers, found {word!r}.")
            found.append(_Row(i, tuple(int(word) for word in words)))
        if len(found) != rows:
            raise self.error(
                starts[0] + 1, title, f"expected {rows} row(s) of data, found {len(found)}."
            )
        return found

    def job_row(self, row: _Row, title: str, job: int, length: int, what: str) -> None:
        """Check that a row of a per-job section has `length` values and starts with `job`."""
        if len(row.values) != length:
            raise self.error(
                row.line, title, f"expected {length} numbers ({what}), found {len(row.values)}."
            )
        if row.values[0] != job:
            raise self.error(row.line, title, f"expected job {job}, found {row.values[0]}.")
        if row.values[1] != 1:
            raise self.error(
                row.line, title, f"job {job}: expected mode 1 (single-mode), found {row.values[1]}."
            )

    def project_information(self, n: int) -> int:
        (row,) = self.section(PROJECT_INFORMATION, 1)
        if len(row.values) != 6:
            raise self.error(
                row.line,
                PROJECT_INFORMATION,
                "expected 6 numbers (pronr. #jobs rel.date duedate tardcost MPM-Time), "
                f"found {len(row.values)}.",
            )
        jobs = row.values[1]
        if jobs != n - 2:
            raise self.error(
                row.line,
                PROJECT_INFORMATION,
                f"#jobs is {jobs}, but the header counts {n} jobs with the 2 dummies.",
            )
        return row.values[5]

    def precedence_relations(self, n: int) -> list[list[int]]:
        successors: list[list[int]] = []
        for job, row in enumerate(self.section(PRECEDENCE_RELATIONS, n), start=1):
            count = row.values[2] if len(row.values) >= 3 else 0
            self.job_row(row, PRECEDENCE_RELATIONS, job, 3 + count, "job, modes, count, successors")
            succs = row.values[3:]
            for succ in succs:
                if not 1 <= succ <= n or succ == job:
                    raise self.error(
                        row.line, PRECEDENCE_RELATIONS, f"job {job} has no successor {succ}."
                    )
            if len(set(succs)) != len(succs):
                raise self.error(
                    row.line, PRECEDENCE_RELATIONS, f"job {job} lists a successor twice."
                )
            successors.append([succ - 1 for succ in succs])
        return successors

    def requests_durations(self, n: int, k: int) -> tuple[list[int], list[tuple[int, ...]]]:
        durations: list[int] = []
        resources: list[tuple[int, ...]] = []
        for job, row in enumerate(self.section(REQUESTS_DURATIONS, n), start=1):
            self.job_row(
                row, REQUESTS_DURATIONS, job, 3 + k, f"job, mode, duration, {k} resource(s)"
            )
            durations.append(row.values[2])
            resources.append(row.values[3:])
        return durations, resources

    def resource_availabilities(self, k: int) -> tuple[int, ...]:
        (row,) = self.section(RESOURCE_AVAILABILITIES, 1)
        if len(row.values) != k:
            raise self.error(
                row.line,
                RESOURCE_AVAILABILITIES,
                f"expected {k} capacities (one per renewable resource), found {len(row.values)}.",
            )
        return row.values
