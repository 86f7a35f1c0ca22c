"""MS Project XML: reading files as MS Project saves them, refusing hostile ones, writing back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from epm.interop import mspdi

SAMPLES = Path(__file__).parent / "mspdi"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def codes(project: mspdi.ProjectFile) -> list[str]:
    return [w.code for w in project.warnings]


def refused(data: bytes) -> mspdi.MspdiError:
    with pytest.raises(mspdi.MspdiError) as error:
        mspdi.parse(data)
    return error.value


def project_xml(tasks: str, header: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Project xmlns="http://schemas.microsoft.com/project">'
        f"<SaveVersion>14</SaveVersion>{header}<Tasks>{tasks}</Tasks></Project>"
    ).encode()


def task(uid: int, name: str, level: int = 1, extra: str = "") -> str:
    return (
        f"<Task><UID>{uid}</UID><ID>{uid}</ID><Name>{name}</Name>"
        f"<OutlineLevel>{level}</OutlineLevel><Duration>PT8H0M0S</Duration>{extra}</Task>"
    )


# --- Files as MS Project writes them -----------------------------------------------------------


def test_ms_project_2016_file_reads_tree_durations_links_and_progress():
    project = mspdi.parse(sample("ms_project_2016.xml"))
    assert project.start_date == dt.datetime(2026, 4, 1, 8, 0)
    assert project.minutes_per_day == 480
    by_uid = {t.uid: t for t in project.tasks}
    assert [t.uid for t in project.tasks] == list(range(1, 11))  # the summary task 0 skipped
    assert [(t.outline_level, t.summary) for t in project.tasks[:2]] == [(1, True), (2, False)]
    assert by_uid[2].duration_days == 3
    assert (by_uid[2].actual_start, by_uid[2].actual_finish) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 4, 3),
    )
    assert by_uid[2].percent_complete == 100
    assert by_uid[4].milestone and by_uid[4].work_products == ["需求规格说明书", "评审纪要"]
    assert (by_uid[6].constraint, by_uid[6].constraint_date) == ("snet", dt.date(2026, 4, 20))
    assert (by_uid[9].constraint, by_uid[9].constraint_date) == ("fnlt", dt.date(2026, 6, 30))
    assert by_uid[7].notes.startswith("按模块分批提交")
    links = {(link.predecessor_uid, t.uid): link for t in project.tasks for link in t.predecessors}
    assert (links[2, 3].kind, links[2, 3].lag_days) == ("FS", 1)
    assert (links[6, 7].kind, links[6, 7].lag_days) == ("SS", 2)
    assert (links[7, 8].kind, links[7, 8].lag_days) == ("FF", -1)  # a lead
    assert (links[8, 9].kind, links[8, 9].lag_days) == ("SF", 1)  # half a day, rounded
    assert (links[1, 5].kind, links[1, 5].lag_days) == ("FS", 0)  # summary to summary
    # 36 hours are 4.5 days: rounded half up, with a warning naming the task.
    assert by_uid[8].duration_days == 5
    warnings = {w.code: str(w) for w in project.warnings}
    assert "单元测试" in warnings["duration_rounded"]
    assert "接口联调" in warnings["lag_rounded"]
    assert "Start No Later Than" in warnings["constraint_unsupported"]
    assert by_uid[10].constraint == "asap"


def test_ms_project_2016_calendar_resources_and_assignments():
    project = mspdi.parse(sample("ms_project_2016.xml"))
    calendar = project.calendar()
    assert calendar is not None and calendar.name == "标准"
    # Each exception is in the file twice (old and new form); it is read once, with its name.
    assert [(e.start, e.finish, e.working, e.name) for e in calendar.exceptions] == [
        (dt.date(2026, 4, 6), dt.date(2026, 4, 6), False, "清明节"),
        (dt.date(2026, 4, 30), dt.date(2026, 4, 30), False, "公司年会"),
        (dt.date(2026, 5, 1), dt.date(2026, 5, 5), False, "劳动节"),
        (dt.date(2026, 5, 9), dt.date(2026, 5, 9), True, "劳动节调休"),
    ]
    assert project.is_working_day(dt.date(2026, 5, 9))  # a Saturday made a working day
    assert not project.is_working_day(dt.date(2026, 5, 4))
    assert project.is_working_day(dt.date(2026, 5, 6))
    assert [(r.uid, r.name) for r in project.resources] == [
        (1, "王经理"),
        (2, "member"),
        (3, "外包团队"),
    ]
    # The material resource and the unassigned row are left out; the rest keep their hours.
    assert [(a.task_uid, a.resource_uid, a.hours) for a in project.assignments] == [
        (2, 1, Decimal("24.0")),
        (3, 2, Decimal("16.0")),
        (7, 3, Decimal("80.0")),
        (5, 1, Decimal("8.0")),
    ]
    assert "not_work_resource" in codes(project)


def test_ms_project_2003_layout_minutes_per_day_and_old_exceptions():
    project = mspdi.parse(sample("ms_project_2003.xml"))
    assert project.minutes_per_day == 450
    by_uid = {t.uid: t for t in project.tasks}
    assert set(by_uid) == {11, 12, 14}  # the null row is skipped
    assert by_uid[11].duration_days == 5  # 37.5 hours of 7.5-hour days
    assert by_uid[11].constraint == "asap"  # Must Finish On is not kept
    assert by_uid[12].duration_days == 2  # 48 elapsed hours
    assert by_uid[12].predecessors[0].kind == "SS"
    assert by_uid[12].predecessors[0].lag_days == 2  # 40 % of 5 days
    assert by_uid[14].predecessors[0].lag_days == 2  # two elapsed days
    assert {
        "constraint_unsupported",
        "elapsed_duration",
        "lag_percent",
        "elapsed_lag",
    } <= set(codes(project))
    # The project calendar is derived: its base calendar's old-style exceptions apply.
    assert project.calendar().name == "机房施工"
    assert not project.is_working_day(dt.date(2025, 10, 3))
    assert project.is_working_day(dt.date(2025, 9, 28))  # a Sunday made a working day
    assert not project.is_working_day(dt.date(2025, 9, 27))


def test_recurring_exceptions_are_reported_not_guessed():
    calendars = (
        "<CalendarUID>1</CalendarUID><Calendars><Calendar><UID>1</UID><Name>Std</Name>"
        "<Exceptions><Exception><TimePeriod><FromDate>2026-01-01T00:00:00</FromDate>"
        "<ToDate>2030-01-01T23:59:00</ToDate></TimePeriod><Occurrences>5</Occurrences>"
        "<Name>元旦</Name><Type>2</Type><DayWorking>0</DayWorking></Exception></Exceptions>"
        "</Calendar></Calendars>"
    )
    project = mspdi.parse(project_xml(task(1, "A"), calendars))
    assert project.calendar().exceptions == []
    assert "recurring_exception" in codes(project)


# --- Refusals ----------------------------------------------------------------------------------


def test_billion_laughs_is_refused_before_expanding():
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
        b' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n'
        b']>\n<Project xmlns="http://schemas.microsoft.com/project"><Name>&lol3;</Name>'
        b"</Project>"
    )
    error = refused(bomb)
    assert error.code == "forbidden_xml"
    assert "entities" in str(error)


def test_external_entity_is_refused_without_reading_it():
    xxe = (
        b'<?xml version="1.0"?>\n<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b'<Project xmlns="http://schemas.microsoft.com/project"><Name>&x;</Name></Project>'
    )
    error = refused(xxe)
    assert error.code == "forbidden_xml"
    assert "root:" not in str(error)


def test_malformed_and_foreign_files_are_refused_clearly():
    error = refused(b"<Project xmlns='http://schemas.microsoft.com/project'><Tasks></Project>")
    assert error.code == "malformed_xml" and "line 1" in str(error)
    assert refused(b"\x00\x01 not xml").code == "malformed_xml"
    assert refused(b"<html><body>hi</body></html>").code == "not_mspdi"


def test_unknown_predecessor_is_named():
    data = project_xml(
        task(1, "设计")
        + task(
            2,
            "开发",
            extra="<PredecessorLink><PredecessorUID>99</PredecessorUID>"
            "<Type>1</Type></PredecessorLink>",
        )
    )
    error = refused(data)
    assert error.code == "unknown_predecessor"
    assert "开发" in str(error) and "99" in str(error)


def test_negative_duration_bad_date_and_outline_jump_are_named():
    negative = refused(project_xml(task(1, "A").replace("PT8H0M0S", "-PT8H0M0S")))
    assert negative.code == "negative_duration" and "“A”" in str(negative)
    bad_date = refused(project_xml(task(1, "B", extra="<Start>2026-13-45T08:00:00</Start>")))
    assert bad_date.code == "bad_date" and "“B”" in str(bad_date)
    jump = refused(project_xml(task(1, "C") + task(2, "D", level=3)))
    assert jump.code == "bad_outline" and "“D”" in str(jump)
    twice = refused(project_xml(task(1, "E") + task(1, "F")))
    assert twice.code == "duplicate_uid"
    unreadable = refused(project_xml(task(1, "G").replace("PT8H0M0S", "three days")))
    assert unreadable.code == "bad_duration"


# --- Writing -----------------------------------------------------------------------------------


def test_written_file_reads_back_the_same():
    original = mspdi.ProjectFile(
        name="p.xml",
        title="P & Q <测试>",
        start_date=dt.datetime(2026, 4, 1, 8),
        finish_date=dt.datetime(2026, 4, 30, 17),
        calendar_uid=1,
        calendars=[
            mspdi.Calendar(
                uid=1,
                name="标准",
                exceptions=[
                    mspdi.CalendarException(dt.date(2026, 5, 1), dt.date(2026, 5, 5), False, "x"),
                    mspdi.CalendarException(dt.date(2026, 5, 9), dt.date(2026, 5, 9), True, "y"),
                ],
            )
        ],
        tasks=[
            mspdi.Task(uid=7, name="阶段", outline_level=1, outline_number="1", summary=True),
            mspdi.Task(
                uid=8,
                name="A",
                outline_level=2,
                outline_number="1.1",
                duration_days=3,
                constraint="snet",
                constraint_date=dt.date(2026, 4, 2),
                actual_start=dt.date(2026, 4, 2),
                percent_complete=30,
                notes="line 1\nline 2 \x01",
            ),
            mspdi.Task(
                uid=9,
                name="M",
                outline_level=2,
                outline_number="1.2",
                milestone=True,
                work_products=["报告", "纪要"],
                predecessors=[mspdi.Link(8, "SF", -2)],
            ),
        ],
        resources=[mspdi.Resource(1, "王经理")],
        assignments=[mspdi.Assignment(8, 1, Decimal("12.5"))],
    )
    data = mspdi.write(original)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
    assert b"<SaveVersion>14</SaveVersion>" in data and b"<MinutesPerDay>480" in data
    again = mspdi.parse(data)
    assert again.warnings == []
    assert [(t.uid, t.name, t.outline_level, t.summary) for t in again.tasks] == [
        (7, "阶段", 1, True),
        (8, "A", 2, False),
        (9, "M", 2, False),
    ]
    a, m = again.tasks[1], again.tasks[2]
    assert (a.duration_days, a.constraint, a.constraint_date) == (3, "snet", dt.date(2026, 4, 2))
    assert (a.actual_start, a.percent_complete, a.notes) == (
        dt.date(2026, 4, 2),
        30,
        "line 1\nline 2",
    )
    assert m.milestone and m.work_products == ["报告", "纪要"]
    assert m.predecessors == [mspdi.Link(8, "SF", -2)]
    assert again.calendar().exceptions == original.calendars[0].exceptions
    assert [(x.task_uid, x.hours) for x in again.assignments] == [(8, Decimal("12.5"))]
    assert again.title == "P & Q <测试>"
