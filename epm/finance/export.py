"""The cost budget as an Excel workbook: the same matrix as the page, with its totals."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from epm.projects.models import Project

from .selectors import BudgetMatrix

MONEY_FORMAT = "#,##0.00"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="E7EEF7")


def budget_workbook(project: Project, matrix: BudgetMatrix) -> bytes:
    """Row 1 names the project; row 3 heads the months; one row per category with its total;
    the last row adds up each month. Amounts are numbers (exact two-decimal values)."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Cost budget")[:31]
    title = " ".join(part for part in (project.number or "", project.name) if part)
    sheet.cell(row=1, column=1, value=f"{_('Cost budget')} · {title}").font = Font(
        bold=True, size=13
    )
    header_row = 3
    headers = [_("Cost category"), *(f"{m:%Y-%m}" for m in matrix.months), _("Total")]
    for col, text in enumerate(headers, start=1):
        cell = sheet.cell(row=header_row, column=col, value=text)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    last_col = len(headers)
    row = header_row
    for budget_row in matrix.rows:
        row += 1
        sheet.cell(row=row, column=1, value=budget_row.category.label)
        for col, amount in enumerate(budget_row.cells, start=2):
            _money(sheet.cell(row=row, column=col, value=amount))
        total = sheet.cell(row=row, column=last_col, value=budget_row.total)
        _money(total).font = _BOLD
    row += 1
    sheet.cell(row=row, column=1, value=_("Total")).font = _BOLD
    for col, amount in enumerate(matrix.column_totals, start=2):
        _money(sheet.cell(row=row, column=col, value=amount)).font = _BOLD
    _money(sheet.cell(row=row, column=last_col, value=matrix.grand_total)).font = _BOLD
    sheet.column_dimensions["A"].width = 18
    for col in range(2, last_col + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 14
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _money(cell):
    cell.number_format = MONEY_FORMAT
    return cell


def export_filename(project: Project) -> str:
    return f"cost-budget-{project.number or project.pk}.xlsx"
