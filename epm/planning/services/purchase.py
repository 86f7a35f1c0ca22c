"""The purchase plan (项目采购计划, R3): its lines, typed or imported from Excel, and exported.

The plan is an initiation material: prepared by the PM (or the assistant, or the PMO) while the
project is a draft, frozen while the initiation is reviewed (commerce then checks it against the
contract), final afterwards. Every line passes the same checks whichever way it comes in — form,
API or spreadsheet — and money stays Decimal from the cell to the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from epm.core.audit import audit_record, scope_of
from epm.core.errors import ApplicationError
from epm.core.models import User
from epm.core.money import MONEY_LIMIT
from epm.interop import excel
from epm.interop.excel import CellError, CellValueError, Column
from epm.projects.models import Project
from epm.projects.services import lock_project

from .. import rules
from ..models import PurchaseLine
from ..purchase_columns import BY_KEY, COLUMNS, FIELDS, NUMBER

MAX_LINES = 2000
MAX_FILE_BYTES = 5 * 1024 * 1024
IMPORT_MODES = ("replace", "append")
ZERO = Decimal("0.00")
MAX_AMOUNT = MONEY_LIMIT  # a line's amount, in yuan


@dataclass(frozen=True)
class ImportResult:
    mode: str
    imported: int  # lines read from the file
    removed: int  # lines the import replaced
    lines: int  # lines of the plan afterwards
    total_before: Decimal
    total_after: Decimal


def lines_total(lines: list[PurchaseLine]) -> Decimal:
    """Exact: the sum of the lines' amounts, each rounded half-up to the cent."""
    return sum((line.amount for line in lines), start=ZERO)


# --- Checking a line ------------------------------------------------------------------------


def _line_checks(project: Project, values: dict[str, Any]) -> list[tuple[Column, CellValueError]]:
    """The checks of a line that look beyond one cell (its cells parsed; bad ones are None)."""
    problems: list[tuple[Column, CellValueError]] = []
    signed = project.contract_signed_on
    delivery_on = values.get("delivery_on")
    if delivery_on is not None and signed is not None and delivery_on < signed:
        problems.append(
            (
                BY_KEY["delivery_on"],
                CellValueError(
                    _("is before the contract was signed (%(d)s)") % {"d": signed.isoformat()},
                    "before_contract",
                ),
            )
        )
    quantity, price = values.get("quantity"), values.get("unit_price")
    # Bounded so amounts and totals stay far inside Decimal's 28 digits (no silent rounding).
    if quantity is not None and price is not None and quantity * price >= MAX_AMOUNT:
        problems.append(
            (
                BY_KEY["unit_price"],
                CellValueError(
                    _("makes the line's amount (quantity × unit price) %(n)s or more")
                    % {"n": f"{MAX_AMOUNT:,}"},
                    "amount_too_large",
                ),
            )
        )
    return problems


def _check(project: Project, values: dict[str, Any]) -> tuple[dict[str, Any], list[tuple]]:
    """The cleaned fields and, for each bad one, (column, message, code)."""
    clean: dict[str, Any] = {}
    problems: list[tuple[Column, str, str]] = []
    for key in FIELDS:
        column = BY_KEY[key]
        try:
            clean[key] = excel.parse_cell(column, values.get(key))
        except CellValueError as exc:
            clean[key] = None
            problems.append((column, exc.message, exc.code))
    problems.extend((c, exc.message, exc.code) for c, exc in _line_checks(project, clean))
    return clean, problems


def _clean(project: Project, values: dict[str, Any]) -> dict[str, Any]:
    """The fields of one line typed in a form or sent to the API, or a refusal naming every
    bad field ("单价: 必须大于 0")."""
    clean, problems = _check(project, values)
    if problems:
        raise ApplicationError(
            "; ".join(
                _("%(column)s: %(message)s") % {"column": column.header, "message": message}
                for column, message, _code in problems
            ),
            problems[0][2],
            detail=[
                {"field": column.key, "column": str(column.header), "message": m, "code": c}
                for column, m, c in problems
            ],
        )
    return clean


def _refuse_unknown(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ApplicationError(
            _("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, "invalid_field"
        )


def quantity_text(quantity: Decimal) -> str:
    """2.500 → "2.5", 100.000 → "100"."""
    return f"{quantity.normalize():f}"


def _describe(line: PurchaseLine) -> str:
    return f"{line.item} {quantity_text(line.quantity)} {line.unit} × {line.unit_price}"


def _own_line(project: Project, line_id: Any) -> PurchaseLine:
    try:
        pk = int(line_id)
    except (TypeError, ValueError):
        pk = 0
    line = PurchaseLine.objects.filter(project=project, pk=pk).first()
    if line is None:
        raise ApplicationError(
            _("No such line in this purchase plan."), "line_not_found", status=404
        )
    return line


def _total(project: Project) -> Decimal:
    return lines_total(list(PurchaseLine.objects.filter(project=project)))


# --- Services -------------------------------------------------------------------------------


@transaction.atomic
def purchase_line_add(*, actor: User, project: Project, **fields: Any) -> PurchaseLine:
    _refuse_unknown(fields)
    project = lock_project(project)
    rules.check_initiation_editable(actor, project)
    clean = _clean(project, fields)
    existing = PurchaseLine.objects.filter(project=project)
    if existing.count() >= MAX_LINES:
        raise ApplicationError(
            _("A purchase plan has at most %(n)d lines.") % {"n": MAX_LINES}, "too_many_lines"
        )
    before = _total(project)
    position = (existing.aggregate(last=Max("position"))["last"] or 0) + 1
    line = PurchaseLine.objects.create(project=project, position=position, **clean)
    audit_record(
        actor=actor,
        action="planning.purchase_line_add",
        target=line,
        scope=scope_of(project),
        changes={
            "line": [None, _describe(line)],
            "total": [str(before), str(before + line.amount)],
        },
    )
    return line


@transaction.atomic
def purchase_line_update(
    *, actor: User, project: Project, line_id: int, **fields: Any
) -> PurchaseLine:
    """Change some fields of a line; the whole line is checked again."""
    _refuse_unknown(fields)
    project = lock_project(project)
    rules.check_initiation_editable(actor, project)
    line = _own_line(project, line_id)
    merged = {key: getattr(line, key) for key in FIELDS}
    merged.update(fields)
    clean = _clean(project, merged)
    before_total = _total(project)
    before = {key: getattr(line, key) for key in FIELDS}
    for key, value in clean.items():
        setattr(line, key, value)
    changed = {
        key: [_plain(before[key]), _plain(clean[key])]
        for key in FIELDS
        if before[key] != clean[key]
    }
    if not changed:
        return line
    line.save(update_fields=list(clean))
    after_total = _total(project)
    if after_total != before_total:
        changed["total"] = [str(before_total), str(after_total)]
    audit_record(
        actor=actor,
        action="planning.purchase_line_update",
        target=line,
        scope=scope_of(project),
        changes=changed,
    )
    return line


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@transaction.atomic
def purchase_line_delete(*, actor: User, project: Project, line_id: int) -> None:
    project = lock_project(project)
    rules.check_initiation_editable(actor, project)
    line = _own_line(project, line_id)
    before = _total(project)
    audit_record(
        actor=actor,
        action="planning.purchase_line_delete",
        target=line,
        scope=scope_of(project),
        changes={
            "line": [_describe(line), None],
            "total": [str(before), str(before - line.amount)],
        },
    )
    line.delete()


def _import_refused(errors: list[CellError]) -> ApplicationError:
    return ApplicationError(
        _("The file has %(n)d problems; nothing was imported. Correct them and import again.")
        % {"n": len(errors)},
        "invalid_rows",
        status=422,
        detail=[error.as_dict() for error in errors],
    )


@transaction.atomic
def purchase_lines_import(
    *, actor: User, project: Project, file: IO[bytes] | bytes, mode: str = "replace"
) -> ImportResult:
    """Read the lines of an .xlsx (first sheet, one header row) into the plan, replacing its
    lines or appending to them. Every row must be right or nothing changes: the refusal lists
    each bad cell by Excel row number and header."""
    if mode not in IMPORT_MODES:
        raise ApplicationError(
            _("Choose whether the file replaces the plan's lines or is added to them."),
            "invalid_mode",
        )
    project = lock_project(project)
    rules.check_initiation_editable(actor, project)
    sheet = excel.read_sheet(file, COLUMNS, max_bytes=MAX_FILE_BYTES, max_rows=MAX_LINES)
    errors = list(sheet.errors)
    for row in sheet.rows:
        errors.extend(
            CellError(row.number, sheet.header(column), exc.message, exc.code, column.key)
            for column, exc in _line_checks(project, row.values)
        )
    if errors:
        errors.sort(key=lambda e: (e.row, FIELDS.index(e.key) if e.key in FIELDS else 0))
        raise _import_refused(errors)
    if not sheet.rows:
        raise ApplicationError(
            _("The file has no purchase lines under its header row."), "no_rows", status=422
        )
    existing = list(PurchaseLine.objects.filter(project=project))
    kept = [] if mode == "replace" else existing
    if len(kept) + len(sheet.rows) > MAX_LINES:
        raise ApplicationError(
            _("A purchase plan has at most %(n)d lines.") % {"n": MAX_LINES},
            "too_many_lines",
            status=422,
        )
    before = lines_total(existing)
    if mode == "replace":
        PurchaseLine.objects.filter(project=project).delete()
    start = max((line.position for line in kept), default=0)
    created = PurchaseLine.objects.bulk_create(
        PurchaseLine(project=project, position=start + offset, **row.values)
        for offset, row in enumerate(sheet.rows, start=1)
    )
    after = lines_total(kept) + lines_total(created)
    result = ImportResult(
        mode=mode,
        imported=len(created),
        removed=len(existing) - len(kept),
        lines=len(kept) + len(created),
        total_before=before,
        total_after=after,
    )
    audit_record(
        actor=actor,
        action="planning.purchase_import",
        target=project,
        scope=scope_of(project),
        changes={
            "mode": [None, mode],
            "imported": [None, result.imported],
            "lines": [len(existing), result.lines],
            "total": [str(before), str(after)],
        },
        note=str(getattr(file, "name", "") or "")[:200],
    )
    return result


# --- Workbooks ------------------------------------------------------------------------------


def _export_columns() -> list[Column]:
    return [NUMBER, *COLUMNS]


def purchase_plan_export(project: Project) -> bytes:
    """The plan as .xlsx: a title, the header row, one row per line with its amount (a number,
    not a formula, so the file shows what the system computed) and the totals row."""
    lines = list(PurchaseLine.objects.filter(project=project))
    records = [
        {
            "position": index,
            **{key: getattr(line, key) for key in FIELDS},
            "amount": line.amount,
        }
        for index, line in enumerate(lines, start=1)
    ]
    name = " ".join(part for part in (project.number or "", project.name) if part)
    return excel.write_sheet(
        _export_columns(),
        records,
        sheet_title=_("Purchase plan"),
        title=f"{_('Purchase plan')} · {name}",
        totals={"amount": lines_total(lines)},
        totals_label=_("Total"),
    )


def purchase_template() -> bytes:
    """An empty plan to fill in: the headers, each explained in a comment, and no rows."""
    return excel.write_sheet(
        [column for column in COLUMNS if column.read],  # no amount: the system computes it
        [],
        sheet_title=_("Purchase plan"),
        comments=True,
    )


def export_filename(project: Project, *, template: bool = False) -> str:
    if template:
        return "purchase-plan-template.xlsx"
    return f"purchase-plan-{project.number or project.pk}.xlsx"
