"""The PSPLIB `.sm` parser: a small instance, malformed files, and all 2,040 benchmark instances
checked against their published critical-path length (MPM-Time) through epm.scheduling."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path

import pytest

from epm.interop.psplib import Instance, load, parse
from epm.scheduling import CycleError, compute

# Test data shared beside the repository: <repo>/../shared/data/psplib (see its README.md).
PSPLIB = (Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "psplib").resolve()
# Per folder: how many instances, and how many jobs each has (activities + 2 dummies).
GROUPS = {"j30": (480, 32), "j60": (480, 62), "j90": (480, 92), "j120": (600, 122)}

# 3 activities and 2 renewable resources; the critical path is 1 -> 2 -> 4 -> 5, 2 + 4 = 6.
SMALL = """\
************************************************************************
file with basedata            : tiny.bas
initial value random generator: 1
************************************************************************
projects                      :  1
jobs (incl. supersource/sink ):  5
horizon                       :  11
RESOURCES
  - renewable                 :  2   R
  - nonrenewable              :  0   N
  - doubly constrained        :  0   D
************************************************************************
PROJECT INFORMATION:
pronr.  #jobs rel.date duedate tardcost  MPM-Time
    1      3      0        7        2        6
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        1          1           4
   3        1          1           5
   4        1          1           5
   5        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1  R 2
------------------------------------------------------------------------
  1      1     0       0    0
  2      1     2       3    1
  3      1     5       2    0
  4      1     4       0    2
  5      1     0       0    0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1  R 2
    4    2
************************************************************************
"""


def small_with(old: str, new: str) -> str:
    assert SMALL.count(old) == 1, f"{old!r} must occur once in SMALL"
    return SMALL.replace(old, new)


def test_parses_a_small_instance():
    inst = parse(SMALL, name="tiny")

    assert inst == Instance(
        name="tiny",
        durations=[0, 2, 5, 4, 0],
        successors=[[1, 2], [3], [4], [4], []],
        mpm_time=6,
        resources=[(0, 0), (3, 1), (2, 0), (0, 2), (0, 0)],
        capacities=(4, 2),
    )
    assert inst.links() == [
        (0, 1, "FS", 0),
        (0, 2, "FS", 0),
        (1, 3, "FS", 0),
        (2, 4, "FS", 0),
        (3, 4, "FS", 0),
    ]
    assert compute(inst.durations, inst.links()).finish == inst.mpm_time
    with pytest.raises(dataclasses.FrozenInstanceError):
        inst.mpm_time = 7  # type: ignore[misc]


def test_name_defaults_to_empty_and_line_endings_do_not_matter():
    assert parse(SMALL).name == ""
    assert parse(SMALL.replace("\n", "\r\n"), name="tiny") == parse(SMALL, name="tiny")


def test_load_names_the_instance_after_the_file(tmp_path):
    path = tmp_path / "tiny.sm"
    path.write_text(SMALL, encoding="ascii")

    assert load(path) == parse(SMALL, name="tiny")
    assert load(str(path)).name == "tiny"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # header
        (":  5\n", ":  five\n", "line 6 (header): 'jobs' must be a whole number, not 'five'."),
        ("jobs (incl. supersource/sink ):  5\n", "", "header: the 'jobs' line is missing."),
        (":  5\n", ":  1\n", "line 6 (header): need at least the 2 dummy jobs, not 1."),
        ("  - renewable     ", "  - other     ", "header: the 'renewable' line is missing."),
        (":  0   N", ":  1   N", "line 10 (header): only renewable resources are supported."),
        (":  0   D", ":  2   D", "line 11 (header): only renewable resources are supported."),
        ("projects                      :  1", "projects : 2", "line 5 (header): expected 1 pro"),
        ("horizon  ", "jobs  ", "line 7 (header): 'jobs' is given twice."),
        # PROJECT INFORMATION
        ("    1      3      0", "    1      4      0", "line 15 (PROJECT INFORMATION): #jobs is 4"),
        ("    2        6\n", "    2\n", "line 15 (PROJECT INFORMATION): expected 6 numbers"),
        ("PROJECT INFORMATION:\n", "", "PROJECT INFORMATION: the section is missing."),
        ("pronr.  #jobs rel.date duedate tardcost  MPM-Time\n", "", "line 14 (PROJECT INFO"),
        # PRECEDENCE RELATIONS
        (
            "jobnr.    #modes  #successors   successors\n",
            "",
            "line 18 (PRECEDENCE RELATIONS): expected the line of column headings.",
        ),
        ("   2        1          1           4", "   2        1          2           4", "line 20"),
        ("           5\n   4", "           6\n   4", "line 21 (PRECEDENCE RELATIONS): job 3 h"),
        ("           5\n   4", "           3\n   4", "line 21 (PRECEDENCE RELATIONS): job 3 h"),
        ("2           2   3", "2           2   2", "line 19 (PRECEDENCE RELATIONS): job 1 lists a"),
        ("   4        1          1           5", "   7    1   1   5", "line 22 (PRECEDENCE RE"),
        ("   4        1  ", "   4        2  ", "job 4: expected mode 1 (single-mode), found 2."),
        (
            "   5        1          0\n",
            "",
            "line 17 (PRECEDENCE RELATIONS): expected 5 row(s) of data, found 4.",
        ),
        # REQUESTS/DURATIONS
        ("  2      1     2       3", "  2      1     2       x", "line 29 (REQUESTS/DURATIONS):"),
        ("  2      1     2", "  2      1    -2", "line 29 (REQUESTS/DURATIONS): expected whole nu"),
        ("  3      1     5       2    0", "  3      1     5       2", "line 30 (REQUESTS/DURATI"),
        ("  4      1     4", "  4      3     4", "line 31 (REQUESTS/DURATIONS): job 4: ex"),
        ("-" * 72 + "\n", "", "line 27 (REQUESTS/DURATIONS): expected the line of column headings"),
        # RESOURCEAVAILABILITIES
        ("    4    2\n", "    4\n", "line 36 (RESOURCEAVAILABILITIES): expected 2 capacities"),
        ("    4    2\n", "", "line 34 (RESOURCEAVAILABILITIES): expected 1 row(s) of data, f"),
        ("    4    2\n", "    4    2\n    4    2\n", "expected 1 row(s) of data, found 2."),
        ("RESOURCEAVAILABILITIES:\n", "", "RESOURCEAVAILABILITIES: the section is missing."),
        ("REQUESTS/DURATIONS:\n", "PRECEDENCE RELATIONS:\n", "line 25 (PRECEDENCE RELATIONS): th"),
    ],
)
def test_malformed_input_names_the_line_and_section(old, new, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse(small_with(old, new))


def test_errors_name_the_instance():
    with pytest.raises(ValueError, match=r"^j301_1: line 29 \(REQUESTS/DURATIONS\): "):
        parse(small_with("  2      1     2", "  2      1     ?"), name="j301_1")


@pytest.mark.parametrize("text", ["", "\n\n", "not a PSPLIB file at all"])
def test_text_that_is_not_an_instance(text):
    with pytest.raises(ValueError, match="the 'jobs' line is missing"):
        parse(text)


def test_every_psplib_instance_finishes_at_its_mpm_time():
    """One pass over all 2,040 instances: the CPM finish must equal the file's MPM-Time."""
    folder = PSPLIB / "instances"
    if not folder.is_dir():  # the repository's sample below still runs
        pytest.skip(f"The PSPLIB instances are not at {folder} (see shared/data/psplib/README.md).")

    counts: Counter[str] = Counter()
    problems: list[str] = []
    for path in sorted(folder.glob("*/*.sm")):
        group = path.parent.name
        counts[group] += 1
        where = f"{group}/{path.name}"
        try:
            inst = load(path)
            finish = compute(inst.durations, inst.links()).finish
        except (CycleError, ValueError) as error:
            problems.append(f"{where}: {error}")
            continue
        jobs = GROUPS.get(group, (0, None))[1]
        if len(inst.durations) != jobs:
            problems.append(f"{where}: {len(inst.durations)} jobs, expected {jobs}")
        if len(inst.capacities) != 4:
            problems.append(f"{where}: {len(inst.capacities)} resources, expected 4")
        if finish != inst.mpm_time:
            problems.append(f"{where}: CPM finish {finish} != MPM-Time {inst.mpm_time}")

    assert problems == []
    assert dict(counts) == {group: count for group, (count, _) in GROUPS.items()}
    assert sum(counts.values()) == 2040


SAMPLE = Path(__file__).resolve().parent / "psplib"


def test_the_sample_kept_in_the_repository_finishes_at_its_mpm_time():
    """Eight instances (smallest and largest group of each size) copied from PSPLIB, so the
    check runs wherever the shared data folder is missing."""
    paths = sorted(SAMPLE.glob("*.sm"))
    assert len(paths) == 8
    for path in paths:
        instance = load(path)
        assert compute(instance.durations, instance.links()).finish == instance.mpm_time, path.name
