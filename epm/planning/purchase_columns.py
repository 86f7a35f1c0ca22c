"""The columns of the purchase plan: its form, its Excel sheets and the checks of each cell.

One declaration serves every entry path (form, API, spreadsheet) so they check a line alike.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy

from epm.core.money import MONEY_LIMIT
from epm.interop import excel
from epm.interop.excel import Column

# The columns of the plan, in the order of the printed form; the aliases are the headers
# companies' own sheets use. "No." and "Amount" are written but never read (both are derived).
NUMBER = Column("position", gettext_lazy("No."), ("序号", "行号", "no", "#"), read=False, width=6)
COLUMNS: tuple[Column, ...] = (
    Column(
        "item",
        gettext_lazy("Item"),
        (
            "物料名称",
            "名称",
            "品名",
            "物品名称",
            "货物名称",
            "设备名称",
            "采购内容",
            "采购项目",
            "item",
            "item name",
            "name",
        ),
        required=True,
        max_length=200,
        width=24,
        help=gettext_lazy("Required. What is bought, at most 200 characters."),
    ),
    Column(
        "specification",
        gettext_lazy("Specification / configuration"),
        (
            "规格",
            "规格型号",
            "型号",
            "配置",
            "规格配置",
            "规格/配置",
            "规格/配置/型号",
            "specification",
            "spec",
            "configuration",
            "model",
        ),
        max_length=4000,
        width=36,
        help=gettext_lazy("The configuration commerce checks against the contract."),
    ),
    Column(
        "quantity",
        gettext_lazy("Quantity"),
        ("数量", "采购数量", "quantity", "qty"),
        kind="decimal",
        required=True,
        decimals=3,
        greater_than=Decimal(0),
        less_than=Decimal("1e11"),
        number_format="#,##0.###",
        width=10,
        help=gettext_lazy("Required. Greater than 0, at most 3 decimal places."),
    ),
    Column(
        "unit",
        gettext_lazy("Unit"),
        ("单位", "计量单位", "unit", "uom"),
        required=True,
        max_length=20,
        width=8,
        help=gettext_lazy("Required, e.g. 台, 套, 个."),
    ),
    Column(
        "unit_price",
        gettext_lazy("Unit price"),
        ("单价", "含税单价", "采购单价", "unit price", "price"),
        kind="decimal",
        required=True,
        decimals=2,
        greater_than=Decimal(0),
        less_than=MONEY_LIMIT,
        number_format=excel.MONEY_FORMAT,
        width=14,
        help=gettext_lazy("Required, in yuan. Greater than 0, at most 2 decimal places."),
    ),
    Column(
        "amount",
        gettext_lazy("Amount"),
        ("金额", "小计", "amount"),
        kind="decimal",
        decimals=2,
        number_format=excel.MONEY_FORMAT,
        width=16,
        read=False,
    ),
    Column(
        "supplier",
        gettext_lazy("Supplier"),
        ("供应商", "供货商", "厂商", "厂家", "supplier", "vendor"),
        max_length=200,
        width=20,
    ),
    Column(
        "delivery_on",
        gettext_lazy("Required delivery date"),
        (
            "交货日期",
            "要求交货日期",
            "要求到货日期",
            "到货日期",
            "交付日期",
            "交货时间",
            "到货时间",
            "delivery date",
            "required delivery date",
            "delivery",
            "delivery on",
            "due date",
        ),
        kind="date",
        required=True,
        width=14,
        help=gettext_lazy("Required, as 2026-05-01. Not before the contract was signed."),
    ),
    Column(
        "note",
        gettext_lazy("Note"),
        ("备注", "说明", "note", "notes", "remark", "remarks"),
        max_length=500,
        width=24,
    ),
)
BY_KEY = {column.key: column for column in COLUMNS}
FIELDS = tuple(column.key for column in COLUMNS if column.read)
