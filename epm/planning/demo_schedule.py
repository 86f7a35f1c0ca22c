"""The demo projects' schedules (R17): the WBS each PM writes with the implementation plan.

Built through the WBS services inside one `deferred()` block, so each project is scheduled
once; durations are shares of the project's working days, so every schedule fits between the
project's planned start and finish.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from epm.core.calendar_services import calendar_year_publish
from epm.core.models import CompanyCalendar, OrgRole, User
from epm.core.workcalendar import get_calendar
from epm.projects.models import Project, ProjectRole

from .models import TaskKind, WbsTask
from .services.scheduler import deferred, schedule_of
from .services.wbs import assignment_set, link_add, schedule_update, task_add, task_update


@dataclass(frozen=True)
class Step:
    """One line of a demo WBS under its phase."""

    key: str
    name: str
    share: float = 0.0  # of the project's working days; 0 for a milestone
    after: tuple[tuple[str, str, int], ...] = ()  # (predecessor key, link type, lag in days)
    role: str = ""  # the ProjectRole doing it; "" for the PM
    products: str = ""  # a milestone's work products, one per line


ANALYSIS = (
    "需求调研",
    (
        Step("kickoff", "项目启动与调研准备", 0.03),
        Step("survey", "业务现状调研", 0.08, (("kickoff", "FS", 0),), ProjectRole.TECHNICAL_LEAD),
        Step(
            "srs",
            "需求分析与需求规格说明书编写",
            0.08,
            (("survey", "SS", 3),),
            ProjectRole.ARCHITECT,
        ),
        Step(
            "srs_ok", "需求确认", after=(("srs", "FS", 0),), products="需求调研报告\n需求规格说明书"
        ),
    ),
)
DESIGN = (
    "系统设计",
    (
        Step("hld", "概要设计", 0.08, (("srs_ok", "FS", 0),), ProjectRole.ARCHITECT),
        Step("lld", "详细设计", 0.11, (("hld", "SS", 5),), ProjectRole.ARCHITECT),
        Step("db", "数据库设计", 0.05, (("hld", "FS", 0),), ProjectRole.DEVELOPER),
        Step(
            "design_ok",
            "设计评审通过",
            after=(("lld", "FS", 0), ("db", "FS", 0)),
            products="概要设计说明书\n详细设计说明书\n数据库设计说明书",
        ),
    ),
)
BUILD_SOFTWARE = (
    "开发实施",
    (
        Step("env", "开发与测试环境搭建", 0.03, (("hld", "FS", 0),), ProjectRole.IMPLEMENTER),
        Step(
            "core",
            "核心业务模块开发",
            0.28,
            (("design_ok", "FS", 0), ("env", "FS", 0)),
            ProjectRole.DEVELOPER,
        ),
        Step("api", "外部接口开发与联调", 0.15, (("core", "SS", 10),), ProjectRole.DEVELOPER),
        Step("migrate", "历史数据迁移", 0.09, (("api", "FF", 5),), ProjectRole.IMPLEMENTER),
        Step(
            "built",
            "开发完成",
            after=(("core", "FS", 0), ("migrate", "FS", 0)),
            products="源代码及部署包\n单元测试报告",
        ),
    ),
)
BUILD_INTEGRATION = (
    "开发实施",
    (
        Step("buy", "设备采购与到货验收", 0.12, (("design_ok", "FS", 0),), ProjectRole.IMPLEMENTER),
        Step(
            "site", "机房改造与综合布线", 0.08, (("design_ok", "FS", 5),), ProjectRole.IMPLEMENTER
        ),
        Step(
            "core",
            "设备安装与调试",
            0.14,
            (("buy", "FS", 0), ("site", "FS", 0)),
            ProjectRole.IMPLEMENTER,
        ),
        Step("api", "系统集成与联调", 0.12, (("core", "SS", 10),), ProjectRole.TECHNICAL_LEAD),
        Step(
            "built",
            "集成完成",
            after=(("core", "FS", 0), ("api", "FF", 0)),
            products="设备安装调试记录\n系统集成联调报告",
        ),
    ),
)
TESTING = (
    "测试",
    (
        Step("cases", "测试方案与用例编写", 0.06, (("design_ok", "FS", 0),), ProjectRole.TESTER),
        Step(
            "system_test",
            "系统测试",
            0.12,
            (("built", "FS", 0), ("cases", "FS", 0)),
            ProjectRole.TESTER,
        ),
        Step(
            "fixes", "缺陷修复与回归测试", 0.08, (("system_test", "SS", 5),), ProjectRole.DEVELOPER
        ),
        Step("uat", "用户验收测试", 0.06, (("fixes", "FS", 0),), ProjectRole.TESTER),
        Step(
            "tested",
            "测试通过",
            after=(("system_test", "FS", 0), ("uat", "FS", 0)),
            products="系统测试报告\n用户测试报告",
        ),
    ),
)
GO_LIVE = (
    "上线试运行",
    (
        Step("training", "上线准备与用户培训", 0.05, (("uat", "SS", 0),), ProjectRole.IMPLEMENTER),
        Step(
            "cutover",
            "系统上线切换",
            0.015,
            (("tested", "FS", 0), ("training", "FS", 0)),
            ProjectRole.IMPLEMENTER,
        ),
        Step("live", "系统上线", after=(("cutover", "FS", 0),), products="部署记录\n上线确认单"),
        Step("trial", "试运行与问题跟踪", 0.18, (("live", "FS", 0),), ProjectRole.TECHNICAL_LEAD),
        Step("accepted", "初验", after=(("trial", "FS", 0),), products="试运行报告\n初验报告"),
    ),
)
SERVICE = (
    (
        "服务启动",
        (
            Step("handover", "服务交接与现场调研", 0.04),
            Step(
                "plan",
                "运维服务方案编制",
                0.04,
                (("handover", "SS", 5),),
                ProjectRole.TECHNICAL_LEAD,
            ),
            Step(
                "plan_ok",
                "运维方案确认",
                after=(("plan", "FS", 0),),
                products="运维服务方案\n应急预案",
            ),
        ),
    ),
    (
        "驻场运维",
        tuple(
            step
            for q, (name, prev) in enumerate(
                (
                    ("第一季度", "plan_ok"),
                    ("第二季度", "q0"),
                    ("第三季度", "q1"),
                    ("第四季度", "q2"),
                )
            )
            for step in (
                Step(f"q{q}", f"{name}驻场运维", 0.21, ((prev, "FS", 0),), ProjectRole.IMPLEMENTER),
                Step(f"check{q}", f"{name}巡检", after=((f"q{q}", "FF", 0),), products="巡检报告"),
            )
        ),
    ),
    (
        "服务总结",
        (
            Step("summary", "服务总结与资料移交", 0.03, (("q3", "FS", 0),)),
            Step(
                "done",
                "服务验收",
                after=(("summary", "FS", 0),),
                products="年度服务总结报告\n服务验收报告",
            ),
        ),
    ),
)
# Who does a role's work when the team has nobody in that role (the PM when nobody fits).
STAND_INS: dict[str, tuple[str, ...]] = {
    ProjectRole.TECHNICAL_LEAD: (ProjectRole.TECHNICAL_LEAD, ProjectRole.ARCHITECT),
    ProjectRole.ARCHITECT: (ProjectRole.ARCHITECT, ProjectRole.TECHNICAL_LEAD),
    ProjectRole.DEVELOPER: (ProjectRole.DEVELOPER, ProjectRole.IMPLEMENTER),
    ProjectRole.TESTER: (ProjectRole.TESTER, ProjectRole.QUALITY, ProjectRole.DEVELOPER),
    ProjectRole.IMPLEMENTER: (ProjectRole.IMPLEMENTER, ProjectRole.DEVELOPER),
}


def _phases(project: Project) -> tuple:
    code = project.project_type.code
    if code == "it_service":
        return SERVICE
    build = BUILD_INTEGRATION if code in ("system_integration", "equipment") else BUILD_SOFTWARE
    return (ANALYSIS, DESIGN, build, TESTING, GO_LIVE)


def _people(project: Project, team: dict[str, list[User]], role: str) -> list[User]:
    for stand_in in STAND_INS.get(role, ()):
        if team.get(stand_in):
            return team[stand_in]
    assert project.pm is not None
    return [project.pm]


def publish_calendar_years(first: dt.date, last: dt.date) -> None:
    """Publish, for the default calendar, the years `chinesecalendar` does not cover yet.

    The demo projects run into 2027, which the package does not know; the PMO administrator
    publishes the year as a plain Monday–Friday year, with a note that its holidays are to be
    entered once the State Council announces them (as a PMO would do to plan ahead)."""
    code = getattr(settings, "EPM_DEFAULT_CALENDAR", "default") or "default"
    calendar = CompanyCalendar.objects.filter(code=code).first()
    admin = (
        User.objects.filter(role_assignments__role=OrgRole.PMO_ADMIN, is_active=True)
        .order_by("pk")
        .first()
    )
    if calendar is None or admin is None:
        return
    working = get_calendar(code)
    for year in range(first.year, last.year + 1):
        if not working.is_covered(year):
            calendar_year_publish(
                actor=admin,
                calendar=calendar,
                year=year,
                note=f"{year}年节假日安排待国务院办公厅公布后录入；此前按周一至周五工作日排期。",
            )


def write_schedule(project: Project, actor: User) -> None:
    """The implementation plan's WBS (R4, R17): five phases as summaries with their tasks,
    milestones carrying work products, finish-to-start links and a few overlapping ones (SS,
    FF, with lags), and the team on the tasks. Durations are shares of the project's working
    days, so every demo project's schedule fits between its planned start and finish."""
    if WbsTask.objects.filter(project=project).exists():
        return
    start = project.planned_start or project.contract_signed_on or dt.date.today()
    finish = project.planned_finish or start + dt.timedelta(days=300)
    publish_calendar_years(start, finish)
    schedule = schedule_of(project)
    working_days = max(
        get_calendar(schedule.calendar_code or None).working_days_between(
            schedule.start_on, finish
        ),
        60,
    )
    team: dict[str, list[User]] = {}
    for membership in project.memberships.select_related("user"):
        team.setdefault(membership.role, []).append(membership.user)
    made: dict[str, WbsTask] = {}
    with deferred():
        for phase_name, steps in _phases(project):
            phase = task_add(actor=actor, project=project, name=phase_name)
            for step in steps:
                if step.share:
                    days = max(round(step.share * working_days), 1)
                    fields: dict = {"duration_days": days}
                else:
                    fields = {"kind": TaskKind.MILESTONE, "work_products": step.products}
                task = made[step.key] = task_add(
                    actor=actor, project=project, name=step.name, parent=phase, **fields
                )
                for key, kind, lag in step.after:
                    link_add(
                        actor=actor,
                        project=project,
                        predecessor=made[key],
                        successor=task,
                        kind=kind,
                        lag_days=lag,
                    )
                if step.share:
                    for person in _people(project, team, step.role):
                        assignment_set(actor=actor, task=task, user=person, planned_hours=days * 8)


def record_progress(project: Project, actor: User, *, late_days: int = 0) -> None:
    """The PM's progress up to today, as the plan had it: what was due to finish is done on its
    dates, what is under way has started with its remaining days. With `late_days`, the longest
    task under way runs that many working days over, so its successors and milestones slip
    against the baseline (the R19 flag the PM is told about)."""
    today = timezone.localdate()
    leaves = [
        (t, t.start_on, t.finish_on)
        for t in WbsTask.objects.filter(project=project).order_by("row")
        if t.kind != TaskKind.SUMMARY and t.start_on and t.finish_on and t.start_on <= today
    ]
    if not leaves:
        return
    calendar = get_calendar(schedule_of(project).calendar_code or None)
    under_way = [t for t, _s, end in leaves if end >= today and t.kind == TaskKind.TASK]
    slipping = max(under_way, key=lambda t: t.duration_days, default=None) if late_days else None
    schedule_update(actor=actor, project=project, status_on=today)
    with deferred():
        for task, start, finish in leaves:
            if finish < today or task.kind == TaskKind.MILESTONE:
                task_update(actor=actor, task=task, actual_start_on=start, actual_finish_on=finish)
                continue
            remaining = max(calendar.working_days_between(today, finish), 0)
            extra = late_days if task is slipping else 0
            task_update(
                actor=actor,
                task=task,
                actual_start_on=start,
                duration_days=task.duration_days + extra,
                remaining_days=min(remaining + extra, task.duration_days + extra),
            )
