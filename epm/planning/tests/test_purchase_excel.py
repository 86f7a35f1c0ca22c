"""The purchase plan in Excel: export, import (all or nothing, row-level errors), template."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook, load_workbook

from epm.core.errors import ApplicationError
from epm.core.models import AuditEvent
from epm.planning.models import PurchaseLine
from epm.planning.services.purchase import (
    FIELDS,
    purchase_line_add,
    purchase_lines_import,
    purchase_plan_export,
    purchase_template,
)

HEADERS_ZH = [
    "序号",
    "物料名称",
    "规格型号",
    "数量",
    "单位",
    "单价（元）",
    "供应商",
    "交货日期",
    "备注",
]
HEADERS_EN = ["Item", "Spec", "Qty", "Unit", "Unit price", "Vendor", "Delivery date", "Remarks"]


def workbook(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def lines_of(project) -> list[dict]:
    return [
        {key: getattr(line, key) for key in FIELDS}
        for line in PurchaseLine.objects.filter(project=project)
    ]


def seed(project, actor):
    rows = [
        ("服务器", "2×16核\n256GB", "2", "台", "85000.00", "某科技公司", dt.date(2026, 5, 1), ""),
        ("交换机", "", "0.125", "台", "0.20", "", dt.date(2026, 5, 2), "含安装"),
        ("线缆", "", "3", "米", "0.10", "", dt.date(2026, 5, 3), ""),
    ]
    for item, spec, qty, unit, price, supplier, on, note in rows:
        purchase_line_add(
            actor=actor,
            project=project,
            item=item,
            specification=spec,
            quantity=qty,
            unit=unit,
            unit_price=price,
            supplier=supplier,
            delivery_on=on,
            note=note,
        )


def import_refused(project, actor, data, **kwargs) -> ApplicationError:
    before = lines_of(project)
    with pytest.raises(ApplicationError) as error:
        purchase_lines_import(actor=actor, project=project, file=data, **kwargs)
    assert lines_of(project) == before
    return error.value


@pytest.mark.django_db
class TestRoundTrip:
    def test_exported_lines_import_equal_into_another_project(self, company, make_project):
        # given a plan with lines, exported
        source = make_project()
        seed(source, company.pm)
        data = purchase_plan_export(source)

        # when the file is imported into another project
        target = make_project(name="另一个项目")
        upload = SimpleUploadedFile("plan.xlsx", data)
        result = purchase_lines_import(actor=company.pm, project=target, file=upload)

        # then the lines are equal, money exact
        assert lines_of(target) == lines_of(source)
        assert (result.imported, result.removed, result.lines) == (3, 0, 3)
        assert result.total_after == Decimal("170000.33")  # 170000 + 0.03 + 0.30
        event = AuditEvent.objects.get(action="planning.purchase_import")
        assert event.changes["total"] == ["0.00", "170000.33"] and event.note == "plan.xlsx"

    def test_the_export_has_numbers_formats_and_the_total(self, company, project):
        seed(project, company.pm)

        with translation.override("en"):
            sheet = load_workbook(BytesIO(purchase_plan_export(project))).active

        headers = [c.value for c in sheet[3]]
        assert headers[:2] == ["No.", "Item"] and "Amount" in headers
        amount = headers.index("Amount") + 1
        amounts = [sheet.cell(row=r, column=amount) for r in (4, 5, 6, 7)]
        assert [c.value for c in amounts] == [170000, 0.03, 0.3, 170000.33]
        assert all(c.data_type == "n" and c.number_format == "#,##0.00" for c in amounts)
        assert sheet.cell(row=7, column=1).value == "Total"
        assert sheet.cell(row=4, column=headers.index("Required delivery date") + 1).is_date

    def test_append_adds_after_the_lines_replace_replaces_them(self, company, make_project):
        source = make_project()
        seed(source, company.pm)
        data = purchase_plan_export(source)

        appended = purchase_lines_import(actor=company.pm, project=source, file=data, mode="append")
        assert (appended.lines, appended.total_before, appended.total_after) == (
            6,
            Decimal("170000.33"),
            Decimal("340000.66"),
        )
        assert list(
            PurchaseLine.objects.filter(project=source).values_list("position", flat=True)
        ) == [1, 2, 3, 4, 5, 6]
        replaced = purchase_lines_import(actor=company.pm, project=source, file=data)
        assert (replaced.removed, replaced.lines) == (6, 3)

    def test_the_template_has_the_headers_with_help_and_imports_empty(self, company, project):
        sheet = load_workbook(BytesIO(purchase_template())).active
        assert sheet.max_row == 1
        assert sheet.cell(row=1, column=1).comment is not None
        error = import_refused(project, company.pm, purchase_template())
        assert error.code == "no_rows"


@pytest.mark.django_db
class TestBadFiles:
    def test_bad_rows_are_each_named_and_nothing_changes(self, company, project):
        seed(project, company.pm)
        data = workbook(
            ["某市智慧交通项目采购计划"],
            HEADERS_ZH,
            [1, "服务器", "", 2, "台", 85000, "", dt.date(2026, 5, 1), ""],
            [2, "交换机", "", -3, "台", 100, "", "2026-05-01", ""],  # negative quantity
            [3, "线缆", "", 1, "米", "十元", "", "2026-05-01", ""],  # text price
            [4, None, "", 1, "个", 1, "", "2026-05-01", ""],  # missing item
            [5, "机柜", "", 1, "个", 1, "", "下个月", ""],  # bad date
            [6, "光纤", "", 1, "米", 1, "", dt.date(2025, 12, 31), ""],  # before the contract
            [7, "电源", "", 1, "个", 0, "", "2026-05-01", ""],  # zero price
        )

        with translation.override("en"):
            error = import_refused(project, company.pm, data, mode="append")

        assert (error.code, error.status) == ("invalid_rows", 422)
        assert [(d["row"], d["column"], d["code"]) for d in error.detail] == [
            (4, "数量", "not_positive"),
            (5, "单价（元）", "not_a_number"),
            (6, "物料名称", "required"),
            (7, "交货日期", "not_a_date"),
            (8, "交货日期", "before_contract"),
            (9, "单价（元）", "not_positive"),
        ]
        assert error.detail[0]["text"] == "Row 4, “数量”: must be greater than 0"
        assert "2026-03-01" in error.detail[4]["message"]
        assert "6" in error.message
        assert not AuditEvent.objects.filter(action="planning.purchase_import").exists()

    def test_english_headers_are_accepted(self, company, project):
        data = workbook(
            HEADERS_EN,
            ["Server", "2x16 cores", 2, "pcs", 85000.5, "ACME", dt.date(2026, 5, 1), "urgent"],
        )
        purchase_lines_import(actor=company.pm, project=project, file=data)
        assert lines_of(project) == [
            {
                "item": "Server",
                "specification": "2x16 cores",
                "quantity": Decimal("2.000"),
                "unit": "pcs",
                "unit_price": Decimal("85000.50"),
                "supplier": "ACME",
                "delivery_on": dt.date(2026, 5, 1),
                "note": "urgent",
            }
        ]

    def test_a_float_cell_of_a_tenth_is_a_tenth(self, company, project):
        data = workbook([*HEADERS_EN[:5], "Delivery date"], ["a", "", 0.1, "m", 0.1, "2026-05-01"])
        sheet = load_workbook(BytesIO(data)).active
        assert isinstance(sheet["C2"].value, float)  # what openpyxl hands over

        purchase_lines_import(actor=company.pm, project=project, file=data)

        line = PurchaseLine.objects.get(project=project)
        assert (line.quantity, line.unit_price) == (Decimal("0.1"), Decimal("0.1"))
        assert line.amount == Decimal("0.01")

    def test_too_many_decimals_in_a_cell(self, company, project):
        data = workbook(HEADERS_EN, ["a", "", 1.0005, "m", 0.125, "", "2026-05-01", ""])
        error = import_refused(project, company.pm, data)
        assert [(d["row"], d["field"], d["code"]) for d in error.detail] == [
            (2, "quantity", "too_many_decimals"),
            (2, "unit_price", "too_many_decimals"),
        ]

    @pytest.mark.parametrize(
        ("data", "code"),
        [
            (b"item,quantity\nx,1\n", "not_xlsx"),
            (b"", "empty_file"),
            (b"PK\x03\x04 not really a zip", "not_xlsx"),
        ],
    )
    def test_files_that_are_not_workbooks(self, company, project, data, code):
        assert import_refused(project, company.pm, data).code == code

    def test_too_many_rows_and_too_large(self, company, project, monkeypatch):
        from epm.planning.services import purchase

        monkeypatch.setattr(purchase, "MAX_LINES", 2)
        rows = [["a", "", 1, "m", 1, "", "2026-05-01", ""]] * 3
        assert import_refused(project, company.pm, workbook(HEADERS_EN, *rows)).code == (
            "too_many_rows"
        )
        monkeypatch.setattr(purchase, "MAX_FILE_BYTES", 100)
        error = import_refused(project, company.pm, workbook(HEADERS_EN, *rows[:1]))
        assert (error.code, error.status) == ("file_too_large", 413)

    def test_appending_beyond_the_line_limit(self, company, project, monkeypatch):
        from epm.planning.services import purchase

        seed(project, company.pm)
        monkeypatch.setattr(purchase, "MAX_LINES", 4)
        rows = [["a", "", 1, "m", 1, "", "2026-05-01", ""]] * 2
        error = import_refused(project, company.pm, workbook(HEADERS_EN, *rows), mode="append")
        assert error.code == "too_many_lines"

    def test_missing_columns_and_a_bad_mode(self, company, project):
        data = workbook(["Item", "Qty"], ["a", 1])
        with translation.override("en"):
            missing = import_refused(project, company.pm, data)
        assert missing.code == "missing_columns" and set(missing.detail["missing"]) >= {"Unit"}
        assert import_refused(project, company.pm, data, mode="merge").code == "invalid_mode"

    def test_frozen_and_forbidden(self, company, project, walk):
        data = workbook(HEADERS_EN, ["a", "", 1, "m", 1, "", "2026-05-01", ""])
        with pytest.raises(ApplicationError) as stranger:
            purchase_lines_import(actor=company.member, project=project, file=data)
        project = walk(project, "submit", approve=False)
        error = import_refused(project, company.pm, data)
        assert stranger.value.status == 403 and error.code == "in_approval"
