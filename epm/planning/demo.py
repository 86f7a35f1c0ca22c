"""Initiation materials and plans for the demo company, written through the services as the
project managers would write them (epm demo calls these while walking each project)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from epm.core.models import User
from epm.projects.models import Project

from .demo_schedule import write_schedule
from .services.initiation import initiation_save, milestone_add

# What system-integration style projects buy: (item, configuration, quantity, unit, unit price).
HARDWARE = (
    ("核心交换机", "48口万兆，双电源，含三年原厂维保", "2", "台", "186000.00"),
    ("服务器", "2×32核CPU，512GB内存，4×1.92TB SSD", "6", "台", "98500.00"),
    ("下一代防火墙", "吞吐20Gbps，含IPS/AV特征库三年", "2", "台", "132000.00"),
    ("机柜及布线", "42U标准机柜，六类非屏蔽布线", "1", "批", "56800.00"),
)
SOFTWARE = (
    ("数据库软件许可", "企业版，按处理器授权", "4", "套", "42000.00"),
    ("中间件许可", "应用服务器，集群版", "2", "套", "28500.00"),
)


def _clamp(day: dt.date, low: dt.date | None, high: dt.date | None) -> dt.date:
    if low and day < low:
        day = low
    if high and day > high:
        day = high
    return day


def write_initiation(project: Project, actor: User) -> None:
    """The initiation application and its preliminary schedule (R3)."""
    amount = f"{project.contract_amount:,.2f}" if project.contract_amount else "—"
    initiation_save(
        actor=actor,
        project=project,
        background=(
            f"{project.customer}委托我公司实施“{project.name}”，"
            f"合同（{project.contract_number or '虚拟合同'}）已签订。{project.description}"
        ),
        goals="在合同约定工期内完成建设内容，按期通过客户初验与终验；质量、进度、费用受控。",
        scope=project.description or "合同约定的全部交付内容及实施服务。",
        expected_benefits=f"合同收入{amount}元；带动后续运维服务；形成行业示范案例。",
        risks="客户需求变更；第三方系统接口协调；设备到货延期；关键人员变动。",
    )
    start = project.planned_start or project.contract_signed_on or dt.date.today()
    finish = project.planned_finish or start + dt.timedelta(days=180)
    low, high = project.contract_signed_on, project.planned_finish
    steps = (
        ("需求调研与确认", start + dt.timedelta(days=30), "需求调研报告\n需求规格说明书"),
        ("设计评审", start + dt.timedelta(days=60), "概要设计说明书\n详细设计说明书"),
        ("系统上线", finish - dt.timedelta(days=30), "部署记录\n上线确认单"),
        ("初验", finish, "初验报告"),
    )
    for name, day, products in steps:
        milestone_add(
            actor=actor,
            project=project,
            name=name,
            planned_on=_clamp(day, low, high),
            work_products=products,
        )


def write_purchases(project: Project, actor: User) -> None:
    """Purchase plan lines (R3): hardware for integration work, licences for software."""
    from .services.purchase import purchase_line_add

    buys_hardware = project.project_type.code in ("system_integration", "equipment", "smart")
    kinds = HARDWARE if buys_hardware else ()
    lines = kinds + SOFTWARE if kinds else SOFTWARE[:1]
    start = project.planned_start or project.contract_signed_on or dt.date.today()
    delivery = _clamp(
        start + dt.timedelta(days=20), project.contract_signed_on, project.planned_finish
    )
    for item, spec, quantity, unit, price in lines:
        purchase_line_add(
            actor=actor,
            project=project,
            item=item,
            specification=spec,
            quantity=Decimal(quantity),
            unit=unit,
            unit_price=Decimal(price),
            supplier="华东某系统集成设备有限公司",
            delivery_on=delivery,
        )


def write_budget(project: Project, actor: User) -> None:
    """The cost budget (项目费用预算): labour and travel for the first three months."""
    from epm.finance.services import budget_save

    start = project.planned_start or project.contract_signed_on or dt.date.today()
    months = []
    day = start.replace(day=1)
    for _ in range(3):
        if project.planned_finish and day > project.planned_finish:
            break
        months.append(day.strftime("%Y-%m"))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    lines = []
    for month in months:
        lines.append({"category": "labour", "month": month, "amount": "68000.00"})
        lines.append({"category": "travel", "month": month, "amount": "8500.00"})
    budget_save(actor=actor, project=project, lines=lines)


def write_materials(project: Project, actor: User) -> None:
    write_initiation(project, actor)
    write_purchases(project, actor)
    write_budget(project, actor)


PLAN_TEXT = {
    "background": "项目背景见立项申请表；客户希望在合同工期内完成建设并平稳上线。",
    "scope": "合同约定的软硬件交付、安装调试、系统集成、培训及试运行支持。",
    "quality": "一次验收通过；严重缺陷为零；文档齐全率100%；客户满意度不低于90分。",
    "schedule": "按初步进度计划的里程碑推进，每个里程碑提交对应工作产品。",
    "organisation": "项目经理全面负责；技术负责人负责方案与质量；实施工程师负责现场实施。",
    "risk": "需求变更：变更走审批；到货延期：提前下单并跟踪；人员变动：AB角备份。",
    "tracking": "每周五提交周报；每两周召开项目例会；里程碑评审由项目管理部组织。",
}


def write_plan(project: Project, actor: User, *, reason: str = "") -> Project:
    """The implementation plan (R4) with its schedule, written and sent to its countersign
    (whose approval saves the schedule as baseline 1)."""
    from .services.plan import plan_save, plan_submit

    write_schedule(project, actor)
    plan_save(actor=actor, project=project, sections=PLAN_TEXT)
    plan_submit(actor=actor, project=project, reason=reason)
    project.refresh_from_db()
    return project


def demo_answers(task) -> dict | None:
    """What each demo approver fills in: every purchase check confirmed, scores of 4 or 5."""
    from epm.approvals.stepforms import CHECK, SCORE, form_of

    spec = form_of(task.request.subject_kind, task.step.form) if task.step.form else None
    if spec is None:
        return None
    answers: dict = {}
    for number, f in enumerate(spec.fields):
        if f.kind == SCORE:
            answers[f.name] = 5 if (task.assignee_id + number) % 3 == 0 else 4
        elif f.kind == CHECK:
            answers[f.name] = True
        else:
            answers[f.name] = "同意。"
    return answers
