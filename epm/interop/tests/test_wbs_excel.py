"""The WBS sheet: MS Project's predecessor notation, resources, and errors by row and column."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from epm.interop import wbs_excel
from epm.interop.excel import CellValueError
from epm.interop.wbs_excel import PredecessorRef

HEADERS = [
    "WBS编码",
    "任务名称",
    "类型",
    "工期",
    "前置任务",
    "限制类型",
    "限制日期",
    "资源",
    "交付物",
]


def workbook(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_predecessors_in_ms_project_notation():
    assert wbs_excel.parse_predecessors("1.1FS+2, 1.2SS，3; 2.01ff-1d；4SF+3 个工作日") == [
        PredecessorRef("1.1", "FS", 2),
        PredecessorRef("1.2", "SS", 0),
        PredecessorRef("3", "FS", 0),
        PredecessorRef("2.1", "FF", -1),
        PredecessorRef("4", "SF", 3),
    ]
    assert wbs_excel.parse_predecessors("") == []
    with pytest.raises(CellValueError) as error:
        wbs_excel.parse_predecessors("1.1XX")
    assert error.value.code == "invalid_predecessor"
    assert wbs_excel.format_predecessor("1.2", "FS", 0) == "1.2"
    assert wbs_excel.format_predecessor("1.2", "SS", -3) == "1.2SS-3"
    assert wbs_excel.format_predecessor("1.2", "FF", 0) == "1.2FF"


def test_resources_durations_and_their_refusals():
    assert wbs_excel.parse_resources("zhangsan:16; 李四：7.5小时\nlisi : 8") == [
        ("zhangsan", Decimal("16.0")),
        ("李四", Decimal("7.5")),
        ("lisi", Decimal("8.0")),
    ]
    for bad in ("zhangsan", "zhangsan:0", "zhangsan:-3", "zhangsan:1.25", "zhangsan:abc"):
        with pytest.raises(CellValueError):
            wbs_excel.parse_resources(bad)
    assert wbs_excel.parse_duration("5") == 5
    assert wbs_excel.parse_duration("3 天") == 3
    assert wbs_excel.parse_duration("") is None
    for bad, code in (("-2", "negative_duration"), ("1.5", "invalid_duration"), ("x", None)):
        with pytest.raises(CellValueError) as error:
            wbs_excel.parse_duration(bad)
        assert code is None or error.value.code == code


def test_sheet_builds_the_tree_from_codes():
    data = workbook(
        HEADERS,
        ["1", "阶段一", "", "", "", "", "", "", ""],
        ["1.2", "评审", "", 2, "1.1FS+1", "", "", "pm:8", ""],
        ["1.1", "调研", "任务", 3, "", "不得早于...开始", dt.date(2026, 4, 2), "", ""],
        ["1.3", "确认", "里程碑", "", "1.2", "", "", "", "规格说明书\n纪要"],
        ["2", "收尾", "", 0, "1.3SS-1", "", "", "", ""],
    )
    sheet = wbs_excel.read_wbs(data)
    assert sheet.errors == []
    assert [(r.code, r.kind, r.parent) for r in sheet.rows] == [
        ("1", "summary", None),
        ("1.1", "task", "1"),
        ("1.2", "task", "1"),
        ("1.3", "milestone", "1"),
        ("2", "milestone", None),
    ]
    review, survey = sheet.rows[2], sheet.rows[1]
    assert review.predecessors == [PredecessorRef("1.1", "FS", 1)]
    assert review.resources == [("pm", Decimal("8.0"))]
    assert (survey.constraint_type, survey.constraint_on) == ("snet", dt.date(2026, 4, 2))
    assert sheet.rows[3].work_products == ["规格说明书", "纪要"]


def test_bad_rows_are_named_by_row_and_column():
    data = workbook(
        [
            "WBS code",
            "Task name",
            "Kind",
            "Duration (working days)",
            "Predecessors",
            "Constraint",
            "Constraint date",
            "Resources",
            "Work products",
        ],
        ["1", "Phase", "", "", "", "", "", "pm:8", ""],  # resources on a summary
        ["1.1", "A", "", -3, "", "", "", "", ""],  # negative duration
        ["1.2", "B", "sprint", 2, "9.9", "", "", "", ""],  # bad kind, unknown predecessor
        ["1.2", "C", "", 1, "", "", "", "", ""],  # duplicate code
        ["3.1", "D", "", 1, "1", "mso", "", "", "doc"],  # no parent, link to a summary,
        # a constraint without date, work products on a task
        ["4", "E", "", 1, "4", "", "2026-02-30", "", ""],  # self link, bad date
    )
    sheet = wbs_excel.read_wbs(data)
    found = {(e.row, e.column, e.code) for e in sheet.errors}
    assert found == {
        (2, "Resources", "assignment_on_summary"),
        (3, "Duration (working days)", "negative_duration"),
        (4, "Kind", "invalid_kind"),
        (4, "Predecessors", "unknown_predecessor"),
        (5, "WBS code", "duplicate_code"),
        (6, "WBS code", "missing_parent"),
        (6, "Constraint date", "constraint_date_required"),
        (6, "Predecessors", "links_on_summary"),
        (6, "Work products", "work_products_on_task"),
        (7, "Constraint date", "not_a_date"),
        (7, "Predecessors", "self_link"),
    }
    with translation.override("en"):
        texts = [str(e) for e in sheet.errors]
    assert any("Row 3" in t and "Duration (working days)" in t for t in texts)


def test_template_has_the_columns_with_help():
    book = load_workbook(BytesIO(wbs_excel.template()))
    sheet = book.active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:2] == ["WBS code", "Task name"] or headers[:2] == ["WBS 编码", "任务名称"]
    assert len(headers) == len(wbs_excel.COLUMNS)
    assert sheet.cell(row=1, column=5).comment is not None
