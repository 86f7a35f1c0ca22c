"""Reading and writing simple Excel tables: parsing cells, finding headers, refusing bad files."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from epm.core.errors import ApplicationError
from epm.interop import excel
from epm.interop.excel import CellValueError, Column, parse_date, parse_decimal, parse_text

COLUMNS = (
    Column("name", "Name", ("名称", "品名"), required=True, max_length=10),
    Column(
        "price",
        "Price",
        ("单价",),
        kind="decimal",
        required=True,
        decimals=2,
        greater_than=Decimal(0),
        less_than=Decimal("1e6"),
    ),
    Column("on", "Date", ("日期",), kind="date"),
    Column("total", "Total amount", ("金额",), kind="decimal", decimals=2, read=False),
)


def xlsx(*rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def refused(data, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as error:
        excel.read_sheet(data, COLUMNS, **kwargs)
    return error.value


class TestParseDecimal:
    def test_a_float_is_read_as_its_shortest_decimal(self):
        assert parse_decimal(0.1) == Decimal("0.1")
        assert str(parse_decimal(0.1, decimals=2)) == "0.10"
        assert parse_decimal(0.1) + parse_decimal(0.2) == Decimal("0.3")

    def test_excel_noise_beyond_15_digits_is_read_as_excel_shows_it(self):
        assert parse_decimal(0.1 + 0.2, decimals=2) == Decimal("0.30")
        with pytest.raises(CellValueError) as error:
            parse_decimal(0.125, decimals=2)
        assert error.value.code == "too_many_decimals"

    @pytest.mark.parametrize(
        ("value", "expected"),
        [("1,234.50", "1234.50"), (" ¥12 ", "12.00"), (7, "7.00"), (Decimal("2.5"), "2.50")],
    )
    def test_text_ints_and_decimals(self, value, expected):
        assert str(parse_decimal(value, decimals=2)) == expected

    @pytest.mark.parametrize(
        ("value", "code"),
        [
            ("abc", "not_a_number"),
            ("#DIV/0!", "not_a_number"),
            (True, "not_a_number"),
            (float("nan"), "not_a_number"),
            (float("inf"), "not_a_number"),
            ("Infinity", "not_a_number"),
            (dt.date(2026, 1, 1), "not_a_number"),
            (0, "not_positive"),
            ("-1", "not_positive"),
            ("1.001", "too_many_decimals"),
            ("1e6", "too_large"),
            ("1_000", "not_a_number"),  # Decimal() would read these
            ("１２", "not_a_number"),
            ("١٢", "not_a_number"),
            ("1 0", "not_a_number"),
        ],
    )
    def test_refusals(self, value, code):
        with pytest.raises(CellValueError) as error:
            parse_decimal(value, decimals=2, greater_than=Decimal(0), less_than=Decimal("1e6"))
        assert error.value.code == code

    def test_blank_is_none_and_trailing_zeros_are_not_decimals(self):
        assert parse_decimal("  ") is None and parse_decimal(None) is None
        assert parse_decimal("1.500", decimals=2) == Decimal("1.50")

    def test_a_number_too_long_for_the_context_is_refused_not_crashed(self):
        with pytest.raises(CellValueError) as error:
            parse_decimal("1e40", decimals=2)
        assert error.value.code == "too_large"


class TestParseDateAndText:
    @pytest.mark.parametrize(
        "value",
        [
            dt.date(2026, 5, 1),
            dt.datetime(2026, 5, 1, 0, 0),
            "2026-05-01",
            "2026/5/1",
            "2026.05.01",
            "2026年5月1日",
            "20260501",
            20260501,
            46143,  # the serial number of 2026-05-01
            "2026-05-01 00:00:00",
        ],
    )
    def test_dates(self, value):
        assert parse_date(value) == dt.date(2026, 5, 1)

    @pytest.mark.parametrize("value", ["tomorrow", "2026-13-01", 12, 1.5, True])
    def test_not_dates(self, value):
        with pytest.raises(CellValueError) as error:
            parse_date(value)
        assert error.value.code == "not_a_date"

    def test_text(self):
        assert parse_text(None) == "" and parse_text("  a ") == "a"
        assert parse_text(8.0) == "8" and parse_text(2.5) == "2.5" and parse_text(3) == "3"
        with pytest.raises(CellValueError) as error:
            parse_text("x" * 11, max_length=10)
        assert error.value.code == "too_long"


class TestReadSheet:
    def test_rows_are_keyed_by_column_and_typed(self):
        data = xlsx(
            ["Report title"],
            [],
            ["名称", "单价（元）", "日期", "金额", "Ignored"],
            ["A", 0.1, dt.datetime(2026, 5, 1), 99, "x"],
            [None, None, None],
            [" B ", "2", "2026-06-01"],
            ["合计", None, None, 99],
            ["after the totals", 1, None],
        )

        sheet = excel.read_sheet(data, COLUMNS)

        assert sheet.errors == []
        assert sheet.headers == {"name": "名称", "price": "单价（元）", "on": "日期"}
        assert [(r.number, r.values) for r in sheet.rows] == [
            (4, {"name": "A", "price": Decimal("0.10"), "on": dt.date(2026, 5, 1)}),
            (6, {"name": "B", "price": Decimal("2.00"), "on": dt.date(2026, 6, 1)}),
        ]

    def test_every_bad_cell_is_named_by_row_and_header(self):
        data = xlsx(
            ["Name", "Price", "Date"],
            ["ok", 1, "2026-01-01"],
            [None, -1, "soon"],
            ["toolongtoolong", "abc", None],
        )

        with translation.override("en"):  # messages are written in the reader's language
            sheet = excel.read_sheet(data, COLUMNS)

        assert [(e.row, e.column, e.code) for e in sheet.errors] == [
            (3, "Name", "required"),
            (3, "Price", "not_positive"),
            (3, "Date", "not_a_date"),
            (4, "Name", "too_long"),
            (4, "Price", "not_a_number"),
        ]
        with translation.override("en"):
            assert str(sheet.errors[1]) == "Row 3, “Price”: must be greater than 0"
            assert sheet.errors[1].as_dict() == {
                "row": 3,
                "column": "Price",
                "message": "must be greater than 0",
                "code": "not_positive",
                "field": "price",
                "text": "Row 3, “Price”: must be greater than 0",
            }

    def test_missing_and_duplicate_headers(self):
        missing = refused(xlsx(["Name", "Date"], ["a", "2026-01-01"]))
        twice = refused(xlsx(["Name", "名称", "Price"], ["a", "b", 1]))

        assert missing.code == "missing_columns" and missing.status == 422
        assert missing.detail == {"missing": ["Price"]}
        assert twice.code == "duplicate_column" and "名称" in twice.message

    def test_the_header_must_be_near_the_top(self):
        rows = [[f"title {n}"] for n in range(excel.HEADER_SEARCH_ROWS)]
        assert refused(xlsx(*rows, ["Name", "Price"])).code == "missing_columns"
        assert excel.read_sheet(xlsx(*rows[:-1], ["Name", "Price"]), COLUMNS).rows == []

    def test_too_many_rows(self):
        data = xlsx(["Name", "Price"], *[["a", 1]] * 4)
        assert refused(data, max_rows=3).code == "too_many_rows"
        assert len(excel.read_sheet(data, COLUMNS, max_rows=4).rows) == 4

    def test_too_large_empty_and_foreign_files(self):
        data = xlsx(["Name", "Price"], ["a", 1])
        too_big = refused(data, max_bytes=len(data) - 1)
        assert (too_big.code, too_big.status) == ("file_too_large", 413)
        assert refused(b"").code == "empty_file"
        assert refused(b"name,price\na,1\n").code == "not_xlsx"
        assert refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100).code == "not_xlsx"
        other_zip = BytesIO()
        with zipfile.ZipFile(other_zip, "w") as archive:
            archive.writestr("readme.txt", "hello")
        assert refused(other_zip.getvalue()).code == "not_xlsx"

    def test_a_damaged_workbook_is_refused_not_crashed(self):
        damaged = BytesIO()
        original = BytesIO(xlsx(["Name", "Price"], ["a", 1]))
        with zipfile.ZipFile(original) as source, zipfile.ZipFile(damaged, "w") as target:
            for info in source.infolist():
                body = source.read(info)
                if info.filename.startswith("xl/worksheets/"):
                    body = body[: len(body) // 2]
                target.writestr(info, body)
        assert refused(damaged.getvalue()).code == "corrupt_file"
        assert refused(xlsx(["a"])[:300]).code == "not_xlsx"

    @pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
    def test_xml_entities_are_refused_not_expanded(self, part):
        # a "billion laughs" declaration in a part of the workbook: defusedxml forbids entities
        laughs = (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;">]>'
        )
        hostile = BytesIO()
        original = BytesIO(xlsx(["Name", "Price"], ["a", 1]))
        with zipfile.ZipFile(original) as source, zipfile.ZipFile(hostile, "w") as target:
            for info in source.infolist():
                body = source.read(info)
                if info.filename == part:
                    if body.startswith(b"<?xml"):
                        body = body.split(b"?>", 1)[1]
                    body = laughs + body
                target.writestr(info, body)
        assert refused(hostile.getvalue()).code == "corrupt_file"

    def test_a_zip_bomb_is_refused_before_parsing(self, monkeypatch):
        monkeypatch.setattr(excel, "MAX_UNZIPPED", 1000)
        error = refused(xlsx(["Name", "Price"], *[["a" * 50, 1]] * 50))
        assert error.code == "file_too_large"

    def test_uploaded_file_objects_are_read_from_the_start(self):
        upload = BytesIO(xlsx(["Name", "Price"], ["a", 1]))
        upload.read(10)
        assert len(excel.read_sheet(upload, COLUMNS).rows) == 1

    def test_headers_in_any_site_language_are_recognised(self):
        with translation.override("en"):
            sheet = excel.read_sheet(xlsx(["name ", "PRICE*"], ["a", 1]), COLUMNS)
        assert sheet.errors == [] and len(sheet.rows) == 1


class TestWriteSheet:
    def test_title_headers_rows_formats_and_totals(self):
        data = excel.write_sheet(
            COLUMNS,
            [{"name": "A", "price": Decimal("0.10"), "on": dt.date(2026, 5, 1), "total": 1}],
            sheet_title="Plan: 2026/1",
            title="Plan of X",
            totals={"total": Decimal("0.30")},
            totals_label="Sum",
        )

        sheet = load_workbook(BytesIO(data)).active
        assert sheet.title == "Plan  2026 1"
        assert sheet["A1"].value == "Plan of X"
        assert [c.value for c in sheet[3]] == ["Name", "Price", "Date", "Total amount"]
        assert sheet["B4"].value == 0.1 and sheet["B4"].number_format == "#,##0.00"
        assert sheet["C4"].number_format == excel.DATE_FORMAT
        assert sheet["A5"].value == "Sum" and sheet["D5"].value == 0.3
        assert sheet["D5"].data_type == "n" and sheet.freeze_panes == "A4"

    def test_a_template_has_only_headers_with_their_help(self):
        columns = [Column("name", "Name", help="What is bought")]
        sheet = load_workbook(
            BytesIO(excel.write_sheet(columns, [], sheet_title="T", comments=True))
        ).active
        assert sheet.max_row == 1 and sheet["A1"].comment.text == "What is bought"

    def test_what_is_written_reads_back(self):
        rows = [{"name": "A", "price": Decimal("12.34"), "on": dt.date(2026, 5, 1)}]
        data = excel.write_sheet(COLUMNS, rows, sheet_title="T", title="T", totals={"total": 1})
        sheet = excel.read_sheet(data, COLUMNS)
        assert [r.values for r in sheet.rows] == rows
