"""Reading and writing simple Excel tables: one header row, one record per row.

Companies prepare lists (purchase plans, budgets, …) in Excel with headers of their own, in
Chinese or English. `read_sheet` finds the header row, maps each header to a `Column` through
its aliases, and parses every cell to its type — text, `Decimal` (never float) or date — keeping
one `CellError` per bad cell that names the row as Excel numbers it and the header as the file
spells it. `write_sheet` writes the same columns back with formats and a totals row.

Uploaded files are untrusted: size, row count and the unzipped size are bounded before openpyxl
parses anything, and any failure to parse becomes a readable error rather than a 500.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import IO, Any, Literal

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from epm.core.errors import ApplicationError
from epm.core.money import NUMBER_TEXT

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
# Bounds on what the zip container may unpack to, against zip bombs (a 5 MB xlsx of ordinary
# text unzips to well under this).
MAX_UNZIPPED = 60 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
# Only so many leading rows may hold a title before the header row, and so many columns count.
HEADER_SEARCH_ROWS = 10
MAX_COLUMNS = 60
# Rows whose first cells say this end the table (the totals row of an exported sheet).
FOOTER_LABELS = ("合计", "总计", "total", "grandtotal")
# Serial numbers of 1990-01-01 and 2099-12-31: a date column formatted as "General" shows these.
_SERIAL_DATES = (32874, 73050)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls format
_HEADER_FILL = PatternFill("solid", fgColor="E7EEF7")
_BOLD = Font(bold=True)

Kind = Literal["text", "decimal", "date"]


@dataclass(frozen=True)
class Column:
    """One column of a table: how it is headed, recognised, parsed and written.

    `header` (usually a lazy translation) is written on export and always accepted on import;
    `aliases` are the other headers people use (Chinese and English, compared without case,
    spaces, a trailing unit in brackets or a required-mark `*`). `read=False` columns are
    written (amounts, line numbers) but computed again rather than read.
    """

    key: str
    header: Any
    aliases: tuple[str, ...] = ()
    kind: Kind = "text"
    required: bool = False
    max_length: int | None = None
    decimals: int | None = None
    greater_than: Decimal | None = None
    less_than: Decimal | None = None
    number_format: str | None = None
    width: float = 14
    help: Any = ""
    read: bool = True

    def names(self) -> set[str]:
        """The normalised headers that name this column: the header in every language the
        site offers (a file exported in Chinese imports for an English user) and the aliases."""
        headers = {str(self.header), *_each_language(lambda: str(self.header))}
        return {normalize_header(h) for h in (*headers, *self.aliases)}


class CellValueError(ValueError):
    """A value that does not fit its column, with a translated message and a stable code."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CellError:
    row: int
    column: str  # the header as the file spells it
    message: str
    code: str
    key: str = ""  # the column's key, for callers that sort or map errors

    def __str__(self) -> str:
        return _("Row %(row)d, “%(column)s”: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "code": self.code,
            "field": self.key,
            "text": str(self),
        }


@dataclass
class SheetRow:
    number: int  # as Excel numbers it, counting the title and header rows
    values: dict[str, Any]


@dataclass
class Sheet:
    rows: list[SheetRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # column key → header in the file

    def header(self, column: Column) -> str:
        return self.headers.get(column.key, str(column.header))


# --- Parsing single values (also used for values typed into forms and sent to the API) -------


def normalize_header(text: str) -> str:
    text = re.sub(r"\s+", "", str(text)).lower().replace("*", "").replace("＊", "")
    # "单价（元）", "Unit price (CNY)": the unit in brackets does not change the column.
    return re.sub(r"[(（【\[][^)）】\]]*[)）】\]]$", "", text)


def parse_text(value: Any, *, max_length: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        value = _float_to_decimal(value)
    if isinstance(value, Decimal):
        value = format(value.normalize(), "f") if value.is_finite() else str(value)
    elif isinstance(value, dt.datetime):
        value = value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    elif isinstance(value, dt.date):
        value = value.isoformat()
    text = str(value).strip()
    if "\x00" in text:
        raise CellValueError(_("contains a NUL character"), "nul_character")
    if max_length is not None and len(text) > max_length:
        raise CellValueError(_("is longer than %(n)d characters") % {"n": max_length}, "too_long")
    return text


def _float_to_decimal(value: float) -> Decimal:
    """A float's shortest decimal form: 0.1 is Decimal("0.1"), not 0.1000000000000000055…"""
    return Decimal(repr(value))


def parse_decimal(
    value: Any,
    *,
    decimals: int | None = None,
    greater_than: Decimal | None = None,
    less_than: Decimal | None = None,
) -> Decimal | None:
    """A number as an exact Decimal (None when blank), with at most `decimals` places.

    Floats (numeric Excel cells, JSON numbers) go through their shortest decimal form. Excel
    keeps 15 significant digits, so a float whose long form only has extra places beyond those
    (=0.1+0.2 is 0.30000000000000004) is read as Excel shows it.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CellValueError(_("is not a number"), "not_a_number")
    if isinstance(value, float):
        number = _float_to_decimal(value) if value == value else Decimal("NaN")
        if decimals is not None and number.is_finite() and _places(number) > decimals:
            shown = Decimal(format(value, ".15g"))
            if _places(shown) <= decimals:
                number = shown
    elif isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, str):
        text = re.sub(r"[,，¥￥]", "", value.strip())
        if not NUMBER_TEXT.fullmatch(text):
            raise CellValueError(_("is not a number"), "not_a_number")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellValueError(_("is not a number"), "not_a_number") from None
    else:
        raise CellValueError(_("is not a number"), "not_a_number")
    if not number.is_finite():
        raise CellValueError(_("is not a number"), "not_a_number")
    if greater_than is not None and number <= greater_than:
        if greater_than == 0:
            raise CellValueError(_("must be greater than 0"), "not_positive")
        raise CellValueError(_("must be greater than %(n)s") % {"n": greater_than}, "too_small")
    if less_than is not None and number >= less_than:
        raise CellValueError(_("must be less than %(n)s") % {"n": f"{less_than:,}"}, "too_large")
    if decimals is not None:
        if _places(number) > decimals:
            raise CellValueError(
                _("has more than %(n)d decimal places") % {"n": decimals}, "too_many_decimals"
            )
        try:
            number = number.quantize(Decimal(1).scaleb(-decimals))
        except InvalidOperation:  # more digits than the decimal context holds
            raise CellValueError(_("is too large"), "too_large") from None
    return number


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def parse_date(value: Any) -> dt.date | None:
    """A date (None when blank): a date cell, a text like 2026-05-01 / 2026/5/1 / 2026年5月1日,
    or the serial number a date shows as when its cell is formatted as a plain number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and 19000101 <= value <= 29991231:
        value = str(value)  # 20260501 typed as a number
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_DATES[0] <= value <= _SERIAL_DATES[1]:
            serial = from_excel(value)
            if isinstance(serial, dt.datetime):
                return serial.date()
        raise CellValueError(_("is not a date (write it as 2026-05-01)"), "not_a_date")
    if isinstance(value, str):
        text = value.strip()
        for pattern in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        # "2026-05-01 00:00:00", as a date cell pasted as text reads.
        try:
            return dt.datetime.fromisoformat(text).date()
        except ValueError:
            pass
    raise CellValueError(_("is not a date (write it as 2026-05-01)"), "not_a_date")


def parse_cell(column: Column, value: Any) -> Any:
    """The cell's value as the column's type; raises CellValueError."""
    if column.kind == "decimal":
        parsed: Any = parse_decimal(
            value,
            decimals=column.decimals,
            greater_than=column.greater_than,
            less_than=column.less_than,
        )
    elif column.kind == "date":
        parsed = parse_date(value)
    else:
        parsed = parse_text(value, max_length=column.max_length)
    if column.required and parsed in (None, ""):
        raise CellValueError(_("is required"), "required")
    return parsed


# --- Reading a sheet ------------------------------------------------------------------------


def _file_error(message: str, code: str, status: int = 422) -> ApplicationError:
    return ApplicationError(message, code, status=status)


def _read_bytes(file: IO[bytes] | bytes, max_bytes: int) -> bytes:
    too_large = _file_error(
        _("The file is larger than %(mb)s MB.") % {"mb": f"{max_bytes / 1024 / 1024:g}"},
        "file_too_large",
        status=413,
    )
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)  # uploads know their size before being read
        if isinstance(size, int) and size > max_bytes:
            raise too_large
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large
    if not data:
        raise _file_error(_("The file is empty."), "empty_file")
    return data


def _check_container(data: bytes) -> None:
    not_xlsx = _("This is not an Excel workbook (.xlsx). Save it as .xlsx and try again.")
    if data.startswith(_OLE_SIGNATURE):
        raise _file_error(
            _("This is an old Excel file (.xls). Save it as .xlsx and try again."), "not_xlsx"
        )
    if not zipfile.is_zipfile(BytesIO(data)):
        raise _file_error(not_xlsx, "not_xlsx")
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _file_error(not_xlsx, "not_xlsx") from None
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _file_error(not_xlsx, "not_xlsx")
    if len(infos) > MAX_ZIP_ENTRIES or sum(info.file_size for info in infos) > MAX_UNZIPPED:
        raise _file_error(_("The workbook is too large to read."), "file_too_large", status=413)


def _rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    """The first sheet's rows as values (formulas as their last computed values)."""
    corrupt = _("The workbook cannot be read; it may be damaged. Open it in Excel and save again.")
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types (KeyError, ValueError, XML errors, …)
        raise _file_error(corrupt, "corrupt_file") from None
    try:
        sheet = book.active or (book.worksheets[0] if book.worksheets else None)
        if sheet is None:
            raise _file_error(corrupt, "corrupt_file")
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception:  # damaged sheet XML shows only while rows are read
                raise _file_error(corrupt, "corrupt_file") from None
            yield tuple(row)
    finally:
        book.close()


def _each_language(say: Callable[[], str]) -> set[str]:
    """What `say` returns in each language the site offers."""
    from django.conf import settings
    from django.utils import translation

    said = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            said.add(say())
    return said


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _match_headers(
    row: Sequence[Any], columns: Sequence[Column], names: Mapping[str, set[str]]
) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """column key → cell index, key → header text, and the headers that appear twice."""
    positions: dict[str, int] = {}
    texts: dict[str, str] = {}
    twice: list[str] = []
    for index, value in enumerate(row):
        if _blank(value):
            continue
        name = normalize_header(str(value))
        for column in columns:
            if name in names[column.key]:
                if column.key in positions:
                    twice.append(str(value).strip())
                else:
                    positions[column.key] = index
                    texts[column.key] = str(value).strip()
                break
    return positions, texts, twice


def read_sheet(
    file: IO[bytes] | bytes,
    columns: Sequence[Column],
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    footer_labels: Iterable[str] = FOOTER_LABELS,
) -> Sheet:
    """The records of the first sheet of an uploaded .xlsx, each cell parsed for its column.

    The header row is the first of the leading rows that names every required column; blank
    rows are skipped; a row whose first cells say "合计"/"Total" ends the table. Bad cells are
    collected (all of them, so people can fix the file in one go); the file itself being
    unreadable, too big or without the headers raises an ApplicationError.
    """
    data = _read_bytes(file, max_bytes)
    _check_container(data)
    footers = {
        normalize_header(label) for label in (*footer_labels, *_each_language(lambda: _("Total")))
    }
    readable = [c for c in columns if c.read]
    required = [c for c in readable if c.required]
    names = {c.key: c.names() for c in readable}
    sheet = Sheet()
    positions: dict[str, int] | None = None
    best: dict[str, int] = {}
    for number, row in enumerate(_rows(data), start=1):
        if positions is None:
            if number > HEADER_SEARCH_ROWS:
                break
            found, texts, twice = _match_headers(row, readable, names)
            if all(c.key in found for c in required) and found:
                if twice:
                    raise _file_error(
                        _("The column “%(header)s” appears twice.") % {"header": twice[0]},
                        "duplicate_column",
                    )
                positions, sheet.headers = found, texts
            elif len(found) > len(best):
                best = found
            continue
        cells = list(row)
        if all(_blank(v) for v in cells):
            continue
        leading = [normalize_header(str(v)) for v in cells[:2] if not _blank(v)]
        if leading and leading[0] in footers:
            break
        if len(sheet.rows) >= max_rows:
            raise _file_error(
                _("The file has more than %(n)d rows; split it into smaller files.")
                % {"n": max_rows},
                "too_many_rows",
            )
        values: dict[str, Any] = {}
        for column in readable:
            index = positions.get(column.key)
            raw = cells[index] if index is not None and index < len(cells) else None
            try:
                values[column.key] = parse_cell(column, raw)
            except CellValueError as exc:
                values[column.key] = None
                sheet.errors.append(
                    CellError(number, sheet.header(column), exc.message, exc.code, column.key)
                )
        sheet.rows.append(SheetRow(number, values))
    if positions is None:
        missing = [str(c.header) for c in required if c.key not in best] or [
            str(c.header) for c in readable
        ]
        raise ApplicationError(
            _("No header row found: the first rows must name the columns %(columns)s.")
            % {"columns": "、".join(f"「{h}」" for h in missing)},
            "missing_columns",
            status=422,
            detail={"missing": missing},
        )
    return sheet


# --- Writing a sheet ------------------------------------------------------------------------


def write_sheet(
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, Any]],
    *,
    sheet_title: str,
    title: str = "",
    totals: Mapping[str, Any] | None = None,
    totals_label: str | None = None,
    comments: bool = False,
) -> bytes:
    """A workbook with one sheet: an optional title (row 1, then a blank row), the header row,
    one row per record and an optional totals row labelled in the first column. Values are
    written as they are (Decimals as numbers, no formulas); columns get their number formats.
    With `comments`, each header cell carries its column's help as a comment (templates)."""
    book = Workbook()
    sheet = book.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", sheet_title)[:31] or "Sheet1"
    header_row = 1
    if title:
        sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
        header_row = 3
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=header_row, column=index, value=str(column.header))
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if comments and column.help:
            cell.comment = Comment(str(column.help), "OpenEPM", width=260, height=90)
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    number = header_row
    for record in rows:
        number += 1
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=number, column=index, value=record.get(column.key))
            _format(cell, column)
    if totals is not None:
        number += 1
        label = totals_label if totals_label is not None else _("Total")
        sheet.cell(row=number, column=1, value=label).font = _BOLD
        for index, column in enumerate(columns, start=1):
            if column.key in totals:
                cell = sheet.cell(row=number, column=index, value=totals[column.key])
                _format(cell, column).font = _BOLD
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _format(cell, column: Column):
    if column.number_format:
        cell.number_format = column.number_format
    elif column.kind == "date":
        cell.number_format = DATE_FORMAT
    elif column.kind == "decimal" and column.decimals is not None:
        cell.number_format = "#,##0." + "0" * column.decimals if column.decimals else "#,##0"
    if column.kind == "text" and column.max_length and column.max_length > 200:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell
