"""The WBS as an Excel sheet: one task per row, the WBS code ("1.2.3") giving the tree.

Columns (Chinese or English headers; see `COLUMNS`): WBS code, name, kind (任务/里程碑, task/
milestone; summaries are the rows with subtasks), duration in working days, predecessors in MS
Project's notation by WBS code ("1.1FS+2, 1.2SS, 3"; FS when no type is given, the lag in working
days, negative for a lead), constraint type and date, resources ("username:hours; name:hours")
and work products (milestones; one per line).

`read_wbs` parses a workbook into `WbsRow`s and checks what one sheet can check by itself: each
cell, duplicate codes, parents that are missing, predecessors that name no row or a summary.
Every problem names its row (as Excel numbers it) and column header; people and users are
matched by the caller. `write_wbs` and `template` write the same columns back.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import excel
from .excel import CellError, CellValueError, Column

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5_000
MAX_HOURS = Decimal("100000")
MAX_DURATION = 10_000
MAX_LAG = 1_000

TASK, MILESTONE, SUMMARY = "task", "milestone", "summary"
KIND_WORDS = {
    TASK: ("任务", "task", "工作", "活动", "activity"),
    MILESTONE: ("里程碑", "milestone", "节点", "里程碑节点"),
    SUMMARY: ("摘要", "摘要任务", "summary", "summary task", "阶段", "phase"),
}
CONSTRAINT_WORDS = {
    "asap": ("asap", "越早越好", "as soon as possible", "尽早"),
    "snet": (
        "snet",
        "不得早于...开始",
        "不得早于…开始",
        "不早于开始",
        "不得早于开始",
        "start no earlier than",
    ),
    "fnlt": (
        "fnlt",
        "不得晚于...完成",
        "不得晚于…完成",
        "不晚于完成",
        "不得晚于完成",
        "finish no later than",
    ),
    "mso": ("mso", "必须开始于", "must start on"),
}
CONSTRAINT_LABELS = {
    "asap": gettext_lazy("As soon as possible"),
    "snet": gettext_lazy("Start no earlier than"),
    "fnlt": gettext_lazy("Finish no later than"),
    "mso": gettext_lazy("Must start on"),
}
KIND_LABELS = {
    TASK: gettext_lazy("Task"),
    MILESTONE: gettext_lazy("Milestone"),
    SUMMARY: gettext_lazy("Summary"),
}
_CODE = re.compile(r"^\d{1,5}(?:\.\d{1,5})*$")
_PREDECESSOR = re.compile(
    r"^(?P<code>\d{1,5}(?:\.\d{1,5})*)\s*(?P<kind>FS|SS|FF|SF)?"
    r"\s*(?:(?P<sign>[+\-－])\s*(?P<lag>\d{1,5})\s*"
    r"(?:d|days?|天|个?工作日|工作天)?)?$",
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"^(?P<days>\d+(?:\.\d+)?)\s*(?:d|days?|天|个?工作日|工作天)?$", re.IGNORECASE
)
_RESOURCE = re.compile(r"^(?P<name>[^:：]+?)\s*[:：]\s*(?P<hours>[^:：]+?)\s*(?:h|小时|工时)?$")

COLUMNS: tuple[Column, ...] = (
    Column(
        "code",
        gettext_lazy("WBS code"),
        ("wbs", "wbs编码", "wbs编号", "wbs代码", "编码", "大纲编号", "outline", "outline number"),
        required=True,
        max_length=100,
        number_format="@",
        width=10,
        help=gettext_lazy(
            "Required: 1, 1.1, 1.2, 2 … The code gives the tree: 1.2 is a subtask of 1. "
            "A row with subtasks is a summary."
        ),
    ),
    Column(
        "name",
        gettext_lazy("Task name"),
        ("任务名称", "名称", "任务", "工作内容", "name", "task", "task name"),
        required=True,
        max_length=200,
        width=32,
        help=gettext_lazy("Required, at most 200 characters."),
    ),
    Column(
        "kind",
        gettext_lazy("Kind"),
        ("类型", "任务类型", "kind", "type"),
        max_length=20,
        width=8,
        help=gettext_lazy("任务/里程碑 (task/milestone); blank is a task. Summaries need nothing."),
    ),
    Column(
        "duration",
        gettext_lazy("Duration (working days)"),
        ("工期", "持续时间", "duration", "days"),
        max_length=20,
        width=10,
        help=gettext_lazy(
            "Whole working days, 0 or more; 0 makes a milestone. Ignored on summary rows."
        ),
    ),
    Column(
        "predecessors",
        gettext_lazy("Predecessors"),
        ("前置任务", "紧前任务", "前置", "predecessor", "predecessors", "depends on"),
        max_length=1000,
        width=18,
        help=gettext_lazy(
            "WBS codes as in MS Project: 1.1FS+2, 1.2SS, 3 (FS when no type; +n lag, -n lead "
            "in working days). Only tasks and milestones can be linked, not summaries."
        ),
    ),
    Column(
        "constraint_type",
        gettext_lazy("Constraint"),
        ("限制类型", "约束类型", "限制", "constraint", "constraint type"),
        max_length=40,
        width=16,
        help=gettext_lazy(
            "Blank (as soon as possible), 不得早于...开始 (SNET), 不得晚于...完成 (FNLT) or "
            "必须开始于 (MSO). A date without a type is SNET."
        ),
    ),
    Column(
        "constraint_on",
        gettext_lazy("Constraint date"),
        ("限制日期", "约束日期", "constraint date"),
        kind="date",
        width=12,
        help=gettext_lazy("As 2026-05-01, for the constraint."),
    ),
    Column(
        "resources",
        gettext_lazy("Resources"),
        ("资源", "资源名称", "负责人", "人员", "resource", "resources", "resource names"),
        max_length=2000,
        width=24,
        help=gettext_lazy(
            "username:hours, separated by semicolons: zhangsan:16; lisi:8. A name that is "
            "nobody's login or display name is kept as a named resource."
        ),
    ),
    Column(
        "work_products",
        gettext_lazy("Work products"),
        ("交付物", "工作产品", "交付成果", "可交付成果", "work products", "deliverables"),
        max_length=5000,
        width=28,
        help=gettext_lazy("Milestones only: one work product per line."),
    ),
)
EXPORT_ONLY: tuple[Column, ...] = (
    Column("start_on", gettext_lazy("Start"), kind="date", read=False, width=12),
    Column("finish_on", gettext_lazy("Finish"), kind="date", read=False, width=12),
)
BY_KEY = {column.key: column for column in (*COLUMNS, *EXPORT_ONLY)}


@dataclass(frozen=True)
class PredecessorRef:
    code: str  # canonical: "1.2", whatever leading zeros the sheet had
    kind: str  # FS, SS, FF, SF
    lag_days: int


@dataclass
class WbsRow:
    number: int  # as Excel numbers the row
    code: str  # canonical
    name: str
    kind: str  # task, milestone or summary (rows with subtasks)
    duration_days: int
    predecessors: list[PredecessorRef] = field(default_factory=list)
    constraint_type: str = "asap"
    constraint_on: dt.date | None = None
    resources: list[tuple[str, Decimal]] = field(default_factory=list)
    work_products: list[str] = field(default_factory=list)
    parent: str | None = None  # the parent's code

    @property
    def level(self) -> int:
        return self.code.count(".") + 1


@dataclass
class WbsSheet:
    rows: list[WbsRow]  # in outline order: parents first, siblings by code
    errors: list[CellError]
    headers: dict[str, str]

    def header(self, key: str) -> str:
        return self.headers.get(key, str(BY_KEY[key].header))


def _key(code: str) -> tuple[int, ...]:
    return tuple(int(part) for part in code.split("."))


def canonical_code(code: str) -> str:
    return ".".join(str(part) for part in _key(code))


def _words(choices: Mapping[str, Iterable[Any]], labels: Mapping[str, Any]) -> dict[str, str]:
    """Normalised word → value, with the labels in every language the site offers."""
    words: dict[str, str] = {}
    for value, aliases in choices.items():
        label = labels[value]
        names = {*aliases, value, *excel._each_language(label.__str__)}
        for name in names:
            words[_normal(name)] = value
    return words


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).lower().replace("…", "...")


# --- Cells --------------------------------------------------------------------------------------


def parse_kind(text: str, words: Mapping[str, str]) -> str | None:
    if not text:
        return None
    found = words.get(_normal(text))
    if found is None:
        raise CellValueError(
            _("is not a kind: write 任务 or 里程碑 (task or milestone)"), "invalid_kind"
        )
    return found


def parse_duration(text: str) -> int | None:
    if not text:
        return None
    match = _DURATION.match(text.strip())
    if text.strip().startswith(("-", "－")):
        raise CellValueError(_("cannot be negative"), "negative_duration")
    if match is None:
        raise CellValueError(_("is not a number of working days"), "invalid_duration")
    days = Decimal(match["days"])
    if days != days.to_integral_value():
        raise CellValueError(_("must be a whole number of working days"), "invalid_duration")
    if days > MAX_DURATION:
        raise CellValueError(
            _("is longer than %(n)d working days") % {"n": MAX_DURATION}, "invalid_duration"
        )
    return int(days)


def parse_predecessors(text: str) -> list[PredecessorRef]:
    refs: list[PredecessorRef] = []
    for part in re.split(r"[,，;；、\n]", text or ""):
        part = part.strip()
        if not part:
            continue
        match = _PREDECESSOR.match(part)
        if match is None:
            raise CellValueError(
                _("“%(part)s” is not a predecessor; write it like 1.1FS+2 or 1.2SS")
                % {"part": part[:40]},
                "invalid_predecessor",
            )
        lag = int(match["lag"] or 0)
        if match["sign"] in ("-", "－"):
            lag = -lag
        if abs(lag) > MAX_LAG:
            raise CellValueError(
                _("the lag of “%(part)s” is more than %(n)d working days")
                % {"part": part[:40], "n": MAX_LAG},
                "invalid_lag",
            )
        kind = (match["kind"] or "FS").upper()
        refs.append(PredecessorRef(canonical_code(match["code"]), kind, lag))
    return refs


def parse_constraint(text: str, words: Mapping[str, str]) -> str | None:
    if not text:
        return None
    found = words.get(_normal(text))
    if found is None:
        raise CellValueError(
            _("is not a constraint: write 不得早于...开始, 不得晚于...完成 or 必须开始于"),
            "invalid_constraint",
        )
    return found


def parse_resources(text: str) -> list[tuple[str, Decimal]]:
    resources: list[tuple[str, Decimal]] = []
    for part in re.split(r"[;；\n]", text or ""):
        part = part.strip()
        if not part:
            continue
        match = _RESOURCE.match(part)
        if match is None:
            raise CellValueError(
                _("“%(part)s” needs its hours: write name:hours, like zhangsan:16")
                % {"part": part[:40]},
                "invalid_resource",
            )
        try:
            hours = Decimal(match["hours"].replace(",", ""))
        except InvalidOperation:
            hours = Decimal(-1)
        if not hours.is_finite() or not Decimal(0) < hours <= MAX_HOURS:
            raise CellValueError(
                _("the hours of “%(part)s” must be a number above 0 and at most %(n)s")
                % {"part": part[:40], "n": MAX_HOURS},
                "invalid_hours",
            )
        if hours != hours.quantize(Decimal("0.1")):
            raise CellValueError(
                _("the hours of “%(part)s” have more than one decimal place") % {"part": part[:40]},
                "invalid_hours",
            )
        resources.append((match["name"].strip()[:200], hours.quantize(Decimal("0.1"))))
    return resources


def format_predecessor(code: str, kind: str, lag: int) -> str:
    """MS Project's notation: "1.2" for FS without lag, else "1.2SS+3" / "1.2FS-1"."""
    if kind == "FS" and not lag:
        return code
    return f"{code}{kind}{lag:+d}" if lag else f"{code}{kind}"


def format_hours(hours: Decimal) -> str:
    return f"{hours.normalize():f}"


# --- Reading ------------------------------------------------------------------------------------


def read_wbs(file: IO[bytes] | bytes, *, max_bytes: int = MAX_BYTES) -> WbsSheet:
    """The rows of an uploaded WBS sheet, with every problem by row and column. A file that
    cannot be read at all raises ApplicationError (413 when too large)."""
    sheet = excel.read_sheet(file, COLUMNS, max_bytes=max_bytes, max_rows=MAX_ROWS)
    errors = list(sheet.errors)
    kinds = _words(KIND_WORDS, KIND_LABELS)
    constraints = _words(CONSTRAINT_WORDS, CONSTRAINT_LABELS)
    header = sheet.header

    def error(number: int, key: str, exc: CellValueError) -> None:
        errors.append(CellError(number, header(BY_KEY[key]), exc.message, exc.code, key))

    bad_cells = {(e.row, e.key) for e in sheet.errors}
    rows: list[WbsRow] = []
    where: dict[tuple[int, ...], WbsRow] = {}
    for sheet_row in sheet.rows:
        values, number = sheet_row.values, sheet_row.number
        code = values.get("code") or ""
        if code and not _CODE.match(code):
            error(
                number,
                "code",
                CellValueError(_("is not a WBS code like 1, 1.2 or 1.2.3"), "invalid_code"),
            )
            continue
        if not code:
            continue  # already reported as required
        row = WbsRow(
            number=number,
            code=canonical_code(code),
            name=values.get("name") or "",
            kind=TASK,
            duration_days=1,
        )
        parsers: list[tuple[str, Any]] = [
            ("kind", lambda v: parse_kind(v, kinds)),
            ("duration", parse_duration),
            ("predecessors", parse_predecessors),
            ("constraint_type", lambda v: parse_constraint(v, constraints)),
            ("resources", parse_resources),
        ]
        parsed: dict[str, Any] = {}
        for key, parse in parsers:
            if (number, key) in bad_cells:
                continue
            try:
                parsed[key] = parse(values.get(key) or "")
            except CellValueError as exc:
                error(number, key, exc)
        duration = parsed.get("duration")
        kind = parsed.get("kind")
        if kind == MILESTONE or (kind is None and duration == 0):
            row.kind, row.duration_days = MILESTONE, 0
            if duration:
                error(
                    number,
                    "duration",
                    CellValueError(_("must be 0 or blank for a milestone"), "milestone_duration"),
                )
        else:
            row.duration_days = 1 if duration is None else duration
            if row.duration_days == 0:
                row.kind = MILESTONE
        row.predecessors = parsed.get("predecessors") or []
        row.resources = parsed.get("resources") or []
        row.constraint_on = values.get("constraint_on")
        constraint = parsed.get("constraint_type")
        if constraint is None:
            constraint = "snet" if row.constraint_on else "asap"
        row.constraint_type = constraint
        missing_date = constraint != "asap" and row.constraint_on is None
        if missing_date and (number, "constraint_on") not in bad_cells:
            error(
                number,
                "constraint_on",
                CellValueError(_("is needed for the constraint"), "constraint_date_required"),
            )
        text = values.get("work_products") or ""
        row.work_products = [line.strip() for line in re.split(r"[\n;；]", text) if line.strip()]
        place = _key(row.code)
        if place in where:
            error(
                number,
                "code",
                CellValueError(
                    _("%(code)s is also the code of row %(row)d")
                    % {"code": row.code, "row": where[place].number},
                    "duplicate_code",
                ),
            )
            continue
        where[place] = row
        rows.append(row)

    _check_tree(rows, where, error)
    rows.sort(key=lambda r: _key(r.code))
    return WbsSheet(rows=rows, errors=_sorted(errors), headers=sheet.headers)


def _check_tree(rows: list[WbsRow], where: dict[tuple[int, ...], WbsRow], error) -> None:
    """Parents, summaries and the links between rows."""
    for row in rows:
        key = _key(row.code)
        if len(key) > 1:
            parent = where.get(key[:-1])
            if parent is None:
                error(
                    row.number,
                    "code",
                    CellValueError(
                        _("its parent %(code)s is not in the sheet")
                        % {"code": canonical_code(".".join(map(str, key[:-1])))},
                        "missing_parent",
                    ),
                )
            else:
                row.parent = parent.code
                parent.kind = SUMMARY
    for row in rows:
        if row.kind == SUMMARY:
            if row.resources:
                error(
                    row.number,
                    "resources",
                    CellValueError(
                        _("a summary row takes no resources: put them on its subtasks"),
                        "assignment_on_summary",
                    ),
                )
        elif row.work_products and row.kind != MILESTONE:
            error(
                row.number,
                "work_products",
                CellValueError(_("are attached to milestones only"), "work_products_on_task"),
            )
        seen: set[str] = set()
        for ref in row.predecessors:
            target = where.get(_key(ref.code))
            problem = None
            if target is None:
                problem = CellValueError(
                    _("%(code)s is not a WBS code of the sheet") % {"code": ref.code},
                    "unknown_predecessor",
                )
            elif target is row:
                problem = CellValueError(_("a task cannot depend on itself"), "self_link")
            elif target.kind == SUMMARY or row.kind == SUMMARY:
                summary = target if target.kind == SUMMARY else row
                problem = CellValueError(
                    _("%(code)s is a summary: link its subtasks instead") % {"code": summary.code},
                    "links_on_summary",
                )
            elif ref.code in seen:
                problem = CellValueError(
                    _("%(code)s is named twice") % {"code": ref.code}, "duplicate_link"
                )
            seen.add(ref.code)
            if problem is not None:
                error(row.number, "predecessors", problem)


def _sorted(errors: list[CellError]) -> list[CellError]:
    order = [c.key for c in COLUMNS]
    return sorted(errors, key=lambda e: (e.row, order.index(e.key) if e.key in order else 0))


# --- Writing ------------------------------------------------------------------------------------


def write_wbs(records: Iterable[Mapping[str, Any]], *, title: str) -> bytes:
    """A workbook of the WBS: each record has the keys of COLUMNS and EXPORT_ONLY, with
    predecessors, resources and work products already as text."""
    return excel.write_sheet([*COLUMNS, *EXPORT_ONLY], records, sheet_title=_("WBS"), title=title)


def template() -> bytes:
    """An empty WBS to fill in: the headers, each explained in a comment, and no rows."""
    return excel.write_sheet(list(COLUMNS), [], sheet_title=_("WBS"), comments=True)


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def constraint_label(kind: str) -> str:
    return "" if kind == "asap" else str(CONSTRAINT_LABELS.get(kind, kind))
