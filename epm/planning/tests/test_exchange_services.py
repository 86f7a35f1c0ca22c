"""Importing and exporting the WBS: MS Project XML and Excel round trips, refusals that change
nothing, summary links re-attached, people matched, calendar differences reported."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import Workbook

from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import AuditEvent
from epm.interop import mpxj_import, mspdi
from epm.planning.models import Assignment, ConstraintType, Dependency, TaskKind, WbsTask
from epm.planning.services import exchange, wbs
from epm.planning.services.scheduler import schedule_of

SAMPLES = Path(__file__).resolve().parents[2] / "interop" / "tests" / "mspdi"


@pytest.fixture
def planning(make_project, walk):
    project = walk(make_project(), "submit", "start_planning")
    schedule = schedule_of(project)
    schedule.start_on = dt.date(2026, 4, 1)
    schedule.save()
    return project


@pytest.fixture
def other(make_project, walk):
    project = walk(
        make_project(name="另一个项目", contract_number="HT-2026-002"), "submit", "start_planning"
    )
    schedule = schedule_of(project)
    schedule.start_on = dt.date(2026, 3, 2)
    schedule.save()
    return project


def build(project, company, *, actuals=True):
    """Summaries, milestones with work products, the four link kinds with lags and leads,
    constraints, actuals and assignments (people and a named resource)."""
    pm = company.pm

    def add(name, **fields):
        return wbs.task_add(actor=pm, project=project, name=name, **fields)

    def link(p, s, kind="FS", lag=0):
        wbs.link_add(actor=pm, project=project, predecessor=p, successor=s, kind=kind, lag_days=lag)

    one = add("需求阶段")
    survey = add(
        "需求调研",
        parent=one,
        duration_days=3,
        **(
            {"actual_start_on": dt.date(2026, 4, 1), "actual_finish_on": dt.date(2026, 4, 3)}
            if actuals
            else {}
        ),
    )
    review = add("需求评审", parent=one, duration_days=2, notes="邀请客户参加\n准备纪要")
    confirm = add(
        "需求确认", parent=one, kind=TaskKind.MILESTONE, work_products="需求规格说明书\n评审纪要"
    )
    two = add("开发阶段")
    design = add(
        "详细设计",
        parent=two,
        duration_days=5,
        constraint_type=ConstraintType.SNET,
        constraint_on=dt.date(2026, 4, 20),
    )
    code = add("编码", parent=two, duration_days=10)
    test = add("单元测试", parent=two, duration_days=4)
    join = add(
        "接口联调",
        parent=two,
        duration_days=3,
        constraint_type=ConstraintType.FNLT,
        constraint_on=dt.date(2026, 6, 30),
    )
    live = add("上线", parent=two, kind=TaskKind.MILESTONE, work_products="上线确认单")
    link(survey, review, "FS", 1)
    link(review, confirm)
    link(confirm, design)
    link(design, code, "SS", 2)
    link(code, test, "FF", -1)
    link(test, join, "SF", 3)
    link(join, live, "FS", -1)
    wbs.assignment_set(actor=pm, task=survey, user=company.pm, planned_hours="24")
    wbs.assignment_set(actor=pm, task=review, user=company.member, planned_hours="16.5")
    Assignment.objects.create(task=code, resource_name="外包团队", planned_hours=Decimal("80"))
    if actuals:
        wbs.task_update(actor=pm, task=review, actual_start_on=dt.date(2026, 4, 8))
    return project


def snapshot(project) -> dict:
    tasks = list(WbsTask.objects.filter(project=project).order_by("row"))
    outline = {t.pk: t.outline for t in tasks}
    return {
        "tasks": [
            (
                t.outline,
                t.name,
                t.kind,
                t.duration_days,
                t.constraint_type,
                t.constraint_on,
                t.actual_start_on,
                t.actual_finish_on,
                t.percent_complete,
                t.work_products,
                t.notes,
                t.start_on,
                t.finish_on,
            )
            for t in tasks
        ],
        "links": sorted(
            (outline[d.predecessor_id], outline[d.successor_id], d.kind, d.lag_days)
            for d in Dependency.objects.filter(project=project)
        ),
        "assignments": sorted(
            (outline[a.task_id], a.user.username if a.user else a.resource_name, a.planned_hours)
            for a in Assignment.objects.filter(task__project=project).select_related("user")
        ),
        "start_on": schedule_of(project).start_on,
        "finish_on": schedule_of(project).finish_on,
    }


def counts(project) -> tuple[int, int, int]:
    return (
        WbsTask.objects.filter(project=project).count(),
        Dependency.objects.filter(project=project).count(),
        Assignment.objects.filter(task__project=project).count(),
    )


def refused(project, call) -> ApplicationError:
    """The call is refused and the project's WBS is exactly as before."""
    before = snapshot(project), counts(project)
    with pytest.raises(ApplicationError) as error:
        call()
    assert (snapshot(project), counts(project)) == before
    return error.value


# --- MS Project round trip ---------------------------------------------------------------------


@pytest.mark.django_db
def test_mspdi_round_trip_keeps_tree_durations_links_and_dates(planning, other, company):
    # given a WBS with summaries, milestones, all link kinds, constraints, actuals, assignments
    build(planning, company)
    source = snapshot(planning)
    assert len(source["links"]) == 7 and source["finish_on"]
    # when it is exported and imported into another project
    data = exchange.export_mspdi(planning)
    with translation.override("en"):
        result = exchange.import_mspdi(actor=company.pm, project=other, data=data)
    # then the other project has the same schedule
    assert snapshot(other) == source
    assert (result.tasks, result.links, result.assignments) == (10, 7, 3)
    assert result.start_on == dt.date(2026, 4, 1)  # the file's start replaced 2026-03-02
    assert result.warnings == [
        "The resource “外包团队” is nobody's login or display name (or more than one "
        "person's); it is kept as a named resource."
    ]
    # The imported tasks keep their UIDs, so a second export gives the same tasks back.
    again = mspdi.parse(exchange.export_mspdi(other))
    first = mspdi.parse(data)
    assert [(t.uid, t.name) for t in again.tasks] == [(t.uid, t.name) for t in first.tasks]


@pytest.mark.django_db
def test_export_is_a_file_ms_project_opens(planning, company):
    build(planning, company)
    data = exchange.export_mspdi(planning)
    text = data.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
    assert '<Project xmlns="http://schemas.microsoft.com/project">' in text
    for element in (
        "<SaveVersion>14</SaveVersion>",
        "<MinutesPerDay>480</MinutesPerDay>",
        "<Calendars>",
        "<Exceptions>",
        "<OutlineNumber>1.1</OutlineNumber>",
        "<WBS>2.3</WBS>",
        "<Duration>PT24H0M0S</Duration>",
        "<LinkLag>4800</LinkLag>",
        "<LagFormat>7</LagFormat>",
        "<ConstraintType>4</ConstraintType>",
        "<ConstraintDate>2026-04-20T08:00:00</ConstraintDate>",
        "<ActualFinish>2026-04-03T17:00:00</ActualFinish>",
        "<Work>PT16H30M0S</Work>",
    ):
        assert element in text, element
    parsed = mspdi.parse(data)
    # The working calendar's 2026 holidays and working weekends are exceptions to Mon–Fri.
    exceptions = {(e.start, e.finish, e.working) for e in parsed.calendar().exceptions}
    assert (dt.date(2026, 5, 1), dt.date(2026, 5, 1), False) in exceptions
    assert (dt.date(2026, 5, 4), dt.date(2026, 5, 5), False) in exceptions
    assert (dt.date(2026, 5, 9), dt.date(2026, 5, 9), True) in exceptions
    # A person is named by the display name when it names only them.
    assert {r.name for r in parsed.resources} == {"王经理", "member", "外包团队"}


# --- MS Project files as MS Project saves them -------------------------------------------------


@pytest.mark.django_db
def test_ms_project_2016_file_imports_with_summary_links_reattached(planning, company):
    data = (SAMPLES / "ms_project_2016.xml").read_bytes()
    with translation.override("en"):
        result = exchange.import_mspdi(actor=company.pm, project=planning, data=data)
    tasks = {t.name: t for t in WbsTask.objects.filter(project=planning)}
    assert [t.outline for t in WbsTask.objects.filter(project=planning).order_by("row")] == [
        "1",
        "1.1",
        "1.2",
        "1.3",
        "2",
        "2.1",
        "2.2",
        "2.3",
        "2.4",
        "2.5",
    ]
    assert tasks["需求阶段"].kind == TaskKind.SUMMARY
    assert tasks["需求确认"].kind == TaskKind.MILESTONE
    assert tasks["需求确认"].work_product_list == ["需求规格说明书", "评审纪要"]
    assert tasks["单元测试"].duration_days == 5
    assert tasks["详细设计"].constraint_type == ConstraintType.SNET
    assert tasks["需求调研"].actual_finish_on == dt.date(2026, 4, 3)
    assert tasks["需求调研"].external_uid == 2
    links = {
        (d.predecessor.name, d.successor.name): (d.kind, d.lag_days)
        for d in Dependency.objects.filter(project=planning).select_related(
            "predecessor", "successor"
        )
    }
    # "需求阶段 FS→ 开发阶段" joins the last task of the first to the first of the second.
    assert links[("需求确认", "详细设计")] == ("FS", 0)
    assert links[("编码", "单元测试")] == ("FF", -1)
    assert all(not k[0].endswith("阶段") and not k[1].endswith("阶段") for k in links)
    people = {
        (a.task.name, a.user.username if a.user else a.resource_name, a.planned_hours)
        for a in Assignment.objects.filter(task__project=planning).select_related("task", "user")
    }
    assert people == {
        ("需求调研", "pm", Decimal("24.0")),  # by display name 王经理
        ("需求评审", "member", Decimal("16.0")),  # by login
        ("编码", "外包团队", Decimal("80.0")),  # nobody: a named resource
    }
    text = "\n".join(result.warnings)
    assert "touches a summary task" in text
    assert "is a summary: the assignment of 王经理 is not imported" in text
    assert "rounded to 5" in text and "Start No Later Than" in text
    # 2026-04-30 is a working day for the company, a day off in the file.
    assert "rests on 2026-04-30" in text
    assert "2026-05-01" not in text  # the file agrees with the PRC calendar there
    assert result.start_on == dt.date(2026, 4, 1)
    assert AuditEvent.objects.filter(action="planning.schedule_import").count() == 1


@pytest.mark.django_db
def test_ms_project_2003_file_imports(planning, company):
    data = (SAMPLES / "ms_project_2003.xml").read_bytes()
    result = exchange.import_mspdi(actor=company.pm, project=planning, data=data)
    assert result.tasks == 3 and result.links == 2
    assert result.start_on == dt.date(2025, 9, 1)
    assert [t.duration_days for t in WbsTask.objects.filter(project=planning)] == [5, 2, 2]


# --- Refusals that change nothing --------------------------------------------------------------


@pytest.mark.django_db
def test_cycle_is_refused_naming_its_tasks(planning, company):
    build(planning, company)
    data = (
        '<Project xmlns="http://schemas.microsoft.com/project"><Tasks>'
        "<Task><UID>1</UID><ID>1</ID><Name>甲</Name><OutlineLevel>1</OutlineLevel>"
        "<Duration>PT8H0M0S</Duration><PredecessorLink><PredecessorUID>3</PredecessorUID>"
        "<Type>1</Type></PredecessorLink></Task>"
        "<Task><UID>2</UID><ID>2</ID><Name>乙</Name><OutlineLevel>1</OutlineLevel>"
        "<Duration>PT8H0M0S</Duration><PredecessorLink><PredecessorUID>1</PredecessorUID>"
        "<Type>1</Type></PredecessorLink></Task>"
        "<Task><UID>3</UID><ID>3</ID><Name>丙</Name><OutlineLevel>1</OutlineLevel>"
        "<Duration>PT8H0M0S</Duration><PredecessorLink><PredecessorUID>2</PredecessorUID>"
        "<Type>1</Type></PredecessorLink></Task></Tasks></Project>"
    ).encode()
    error = refused(
        planning, lambda: exchange.import_mspdi(actor=company.pm, project=planning, data=data)
    )
    assert error.code == "cycle" and error.status == 409
    assert all(name in error.message for name in ("甲", "乙", "丙"))


@pytest.mark.django_db
def test_unknown_predecessor_hostile_and_malformed_files_change_nothing(planning, company):
    build(planning, company)

    def attempt(data: bytes) -> ApplicationError:
        return refused(
            planning, lambda: exchange.import_mspdi(actor=company.pm, project=planning, data=data)
        )

    unknown = attempt(
        b'<Project xmlns="http://schemas.microsoft.com/project"><Tasks><Task><UID>1</UID>'
        b"<Name>\xe5\xbc\x80\xe5\x8f\x91</Name><OutlineLevel>1</OutlineLevel>"
        b"<PredecessorLink><PredecessorUID>42</PredecessorUID></PredecessorLink></Task>"
        b"</Tasks></Project>"
    )
    assert unknown.code == "unknown_predecessor" and unknown.status == 400
    assert "开发" in unknown.message and "42" in unknown.message
    bomb = attempt(
        b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<Project xmlns="http://schemas.microsoft.com/project"><Name>&b;</Name></Project>'
    )
    assert bomb.code == "forbidden_xml"
    xxe = attempt(
        b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Project xmlns="http://schemas.microsoft.com/project"><Name>&x;</Name></Project>'
    )
    assert xxe.code == "forbidden_xml"
    malformed = attempt(b"<Project><Tasks>")
    assert malformed.code == "malformed_xml" and malformed.status == 400
    empty_tasks = attempt(b'<Project xmlns="http://schemas.microsoft.com/project"/>')
    assert empty_tasks.code == "no_rows"


@pytest.mark.django_db
def test_future_actuals_and_bad_values_name_the_task(planning, company):
    build(planning, company)
    data = (
        '<Project xmlns="http://schemas.microsoft.com/project"><Tasks>'
        "<Task><UID>5</UID><Name>验收</Name><OutlineLevel>1</OutlineLevel>"
        "<Duration>PT8H0M0S</Duration><ActualStart>2099-01-01T08:00:00</ActualStart></Task>"
        "</Tasks></Project>"
    ).encode()
    error = refused(
        planning, lambda: exchange.import_mspdi(actor=company.pm, project=planning, data=data)
    )
    assert "验收" in error.message and "UID 5" in error.message


@pytest.mark.django_db
def test_a_50_mb_upload_is_refused_before_anything_reads_it(planning, company, monkeypatch):
    build(planning, company)

    class Upload:
        name = "huge.xml"
        size = 50 * 1024 * 1024

        def read(self, *args):
            raise AssertionError("an oversized upload must not be read")

    monkeypatch.setattr(mspdi, "parse", lambda data: pytest.fail("parsed"))
    error = refused(
        planning,
        lambda: exchange.import_schedule_file(actor=company.pm, project=planning, file=Upload()),
    )
    assert error.status == 413 and error.code == "file_too_large"
    assert "10 MB" in error.message
    # Bytes over the limit are refused too, without parsing.
    error = refused(
        planning,
        lambda: exchange.import_mspdi(
            actor=company.pm, project=planning, data=b"<" + b" " * exchange.MAX_FILE_BYTES
        ),
    )
    assert error.status == 413


@pytest.mark.django_db
def test_only_those_who_plan_may_import(planning, company):
    data = exchange.export_mspdi(planning)
    with pytest.raises(PermissionDenied):
        exchange.import_mspdi(actor=company.member, project=planning, data=data)
    with pytest.raises(PermissionDenied):
        exchange.import_wbs_excel(actor=company.stranger, project=planning, data=b"x")


# --- Excel -------------------------------------------------------------------------------------


def workbook(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.django_db
def test_excel_round_trip(planning, other, company):
    build(planning, company, actuals=False)
    source = snapshot(planning)
    schedule = schedule_of(other)
    schedule.start_on = dt.date(2026, 4, 1)  # a sheet has no start: the project's is kept
    schedule.save()
    result = exchange.import_wbs_excel(
        actor=company.pm, project=other, data=exchange.export_wbs_excel(planning)
    )
    copied = snapshot(other)
    assert (result.tasks, result.links, result.assignments) == (10, 7, 3)
    # Everything but the notes (not a column of the sheet), dates included.
    assert copied["tasks"] == [(*row[:10], "", *row[11:]) for row in source["tasks"]]
    assert copied["finish_on"] == source["finish_on"]
    assert copied["links"] == source["links"]
    assert copied["assignments"] == source["assignments"]


@pytest.mark.django_db
def test_excel_import_builds_the_wbs_and_matches_people(planning, company):
    data = workbook(
        [
            "WBS编码",
            "任务名称",
            "类型",
            "工期",
            "前置任务",
            "限制类型",
            "限制日期",
            "资源",
            "交付物",
        ],
        ["1", "阶段一", "", "", "", "", "", "", ""],
        ["1.1", "调研", "任务", 3, "", "", "", "pm:16; 王经理:8; 李工:4", ""],
        ["1.2", "评审", "", 2, "1.1FS+1", "", "", "member:8", ""],
        ["2", "上线", "里程碑", "", "1.2", "必须开始于", "2026-05-06", "", "上线确认单"],
    )
    result = exchange.import_wbs_excel(actor=company.pm, project=planning, data=data)
    assert (result.tasks, result.links) == (4, 2)
    live = WbsTask.objects.get(project=planning, name="上线")
    assert (live.kind, live.constraint_type, live.constraint_on) == (
        TaskKind.MILESTONE,
        ConstraintType.MSO,
        dt.date(2026, 5, 6),
    )
    survey = WbsTask.objects.get(project=planning, name="调研")
    hours = {
        (a.user.username if a.user else a.resource_name): a.planned_hours
        for a in survey.assignments.select_related("user")
    }
    assert hours == {"pm": Decimal("24.0"), "李工": Decimal("4.0")}  # pm named twice: summed
    assert any("李工" in w for w in result.warnings)


@pytest.mark.django_db
def test_excel_bad_rows_are_named_and_nothing_changes(planning, company):
    build(planning, company)
    data = workbook(
        ["WBS code", "Task name", "Duration (working days)", "Predecessors"],
        ["1", "A", "x", ""],
        ["2", "B", 2, "7"],
    )
    with translation.override("en"):
        error = refused(
            planning,
            lambda: exchange.import_wbs_excel(actor=company.pm, project=planning, data=data),
        )
    assert error.code == "invalid_rows" and error.status == 400
    assert [(d["row"], d["column"]) for d in error.detail] == [
        (2, "Duration (working days)"),
        (3, "Predecessors"),
    ]
    cycle = workbook(
        ["WBS code", "Task name", "Duration (working days)", "Predecessors"],
        ["1", "甲", 1, "2"],
        ["2", "乙", 1, "1"],
    )
    error = refused(
        planning, lambda: exchange.import_wbs_excel(actor=company.pm, project=planning, data=cycle)
    )
    assert error.code == "cycle" and "甲" in error.message and "乙" in error.message
    not_excel = refused(
        planning,
        lambda: exchange.import_wbs_excel(actor=company.pm, project=planning, data=b"PK\x03\x04x"),
    )
    assert not_excel.status == 400


@pytest.mark.django_db
def test_template_and_file_kinds():
    assert exchange.wbs_template().startswith(b"PK")
    assert exchange.file_kind("a.XLSX", b"") == "xlsx"
    assert exchange.file_kind("plan.xml", b"") == "mspdi"
    assert exchange.file_kind("plan.mpp", b"") == "mpxj"
    assert exchange.file_kind("", b"\xef\xbb\xbf<?xml") == "mspdi"
    assert exchange.file_kind("upload", b"PK\x03\x04") == "xlsx"
    with pytest.raises(ApplicationError):
        exchange.file_kind("notes.txt", b"hello")


# --- .mpp / .xer through mpxj ------------------------------------------------------------------


@pytest.mark.django_db
def test_mpp_without_the_mpxj_package_says_what_to_install(planning, company, monkeypatch):
    monkeypatch.setattr(mpxj_import, "package_available", lambda: False)
    with translation.override("en"):
        error = refused(
            planning,
            lambda: exchange.import_schedule_file(
                actor=company.pm, project=planning, file=b"\xd0\xcf\x11\xe0", filename="a.mpp"
            ),
        )
    assert error.code == "mpxj_missing" and error.status == 400
    assert "install Java and pip install openepm[mpp]" in error.message


@pytest.mark.django_db
def test_mpp_without_java_says_what_to_install(planning, company, monkeypatch):
    monkeypatch.setattr(mpxj_import, "package_available", lambda: True)
    monkeypatch.setenv("JAVA_HOME", "/nonexistent")
    monkeypatch.setenv("PATH", "/nonexistent")
    with translation.override("en"):
        error = refused(
            planning,
            lambda: exchange.import_schedule_file(
                actor=company.pm, project=planning, file=b"ERMHDR\t19.12", filename="p.xer"
            ),
        )
    assert error.code == "java_missing"
    assert "install Java and pip install openepm[mpp]" in error.message
