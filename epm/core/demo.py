"""The demo company loaded by `epm demo`: people, departments and projects across the lifecycle.

It is also the shared fixture of the browser tests, so it is built only through the services
(history, numbers and audit events come out as in real use) and is idempotent: everything is
looked up by its natural key first (username, department code, contract number) and an existing
object is left as it is, so a second run writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from epm.approvals.models import ApprovalTask, RequestStatus, TaskStatus
from epm.approvals.services import task_approve
from epm.core.models import Department, OrgRole, User
from epm.core.services import department_create, department_update, user_create
from epm.planning.demo import demo_answers, write_materials, write_plan
from epm.planning.demo_schedule import record_progress
from epm.projects.lifecycle import FORWARD, Actor, main_line, transition_by_code
from epm.projects.models import Project, ProjectRole, ProjectType, Status
from epm.projects.services import (
    project_appoint_pm,
    project_create,
    project_member_add,
    project_transition,
)
from epm.registers.demo import write_kickoff

DEMO_PASSWORD = "demo-pass-2026"
EMAIL_DOMAIN = "demo.openepm.cn"
DEMO_PM = "chenjie"  # the browser tests sign in as this project manager
SYSTEM_ADMIN = "admin"
PMO_ADMIN = "linxue"


class Writer(Protocol):
    """Where progress lines go: a text stream or a management command's stdout."""

    def write(self, text: str, /) -> Any: ...


# --- What the demo company consists of -----------------------------------------------------------


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    parent: str | None  # department code
    head: str  # username, set once the people exist
    sort_order: int


@dataclass(frozen=True)
class PersonSpec:
    username: str
    display_name: str
    department: str  # department code
    title: str  # job title shown in the login table, e.g. 项目经理
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectSpec:
    contract_number: str  # natural key
    name: str
    short_name: str
    project_type: str  # ProjectType.code
    customer: str
    department: str
    pm: str
    account_manager: str
    assistant: str
    members: tuple[tuple[str, str], ...]  # (username, ProjectRole)
    state: str  # the Status the project is walked to
    fields: dict[str, Any]
    parent: str | None = None  # contract number of the big project
    suspended_from: str = ""  # for state=suspended: the main-line state it was suspended in
    reason: str = ""  # the suspension reason
    pending: tuple[str, str] = ()  # (code, reason): a step the PM asked for, still in approval


DEPARTMENTS = (
    DepartmentSpec("company", "公司", None, "zhouzhiming", 0),
    DepartmentSpec("office", "总裁办", "company", "zhaomin", 10),
    DepartmentSpec("pmo", "项目管理部", "company", "linxue", 20),
    DepartmentSpec("it", "信息技术部", "company", "zhenglei", 30),
    DepartmentSpec("si", "系统集成部", "company", "gaofeng", 40),
    DepartmentSpec("si-impl", "实施一组", "si", "wanghao", 10),
    DepartmentSpec("sw", "软件开发部", "company", "huangzhiqiang", 50),
    DepartmentSpec("sw-rd1", "研发一组", "sw", "liutao", 10),
    DepartmentSpec("commerce", "商务部", "company", "songjia", 60),
    DepartmentSpec("finance", "财务部", "company", "wujuan", 70),
    DepartmentSpec("quality", "质量管理部", "company", "guojun", 80),
    DepartmentSpec("service", "售后服务部", "company", "yangfan", 90),
)

# In employee-number order: E0001 is the president.
PEOPLE = (
    PersonSpec("zhouzhiming", "周志明", "company", "总裁", (OrgRole.PRESIDENT,)),
    PersonSpec("zhaomin", "赵敏", "office", "总裁办主任"),
    PersonSpec(SYSTEM_ADMIN, "孙浩", "it", "系统管理员", (OrgRole.SYSTEM_ADMIN,)),
    PersonSpec("zhenglei", "郑磊", "it", "信息技术部经理"),
    PersonSpec("xuchen", "许晨", "it", "项目经理（运维）"),
    PersonSpec(PMO_ADMIN, "林雪", "pmo", "项目管理部经理", (OrgRole.PMO_ADMIN,)),
    PersonSpec("hejing", "何静", "pmo", "PMO专员", (OrgRole.PMO_STAFF,)),
    PersonSpec("tiantian", "田甜", "pmo", "项目助理"),
    PersonSpec("xuli", "徐丽", "pmo", "项目助理"),
    PersonSpec("gaofeng", "高峰", "si", "系统集成部经理", (OrgRole.EXPERT_COMMITTEE,)),
    PersonSpec(DEMO_PM, "陈杰", "si", "项目经理（演示）"),
    PersonSpec("wangfang", "王芳", "si", "大项目经理"),
    PersonSpec("tangning", "唐宁", "si", "实施工程师"),
    PersonSpec("wanghao", "王浩", "si-impl", "实施一组组长、项目经理"),
    PersonSpec("zhulei", "朱磊", "si-impl", "项目经理"),
    PersonSpec("hanbing", "韩冰", "si-impl", "实施工程师"),
    PersonSpec("huangzhiqiang", "黄志强", "sw", "软件开发部经理", (OrgRole.EXPERT_COMMITTEE,)),
    PersonSpec("liqiang", "李强", "sw", "项目经理"),
    PersonSpec("luolin", "罗琳", "sw", "测试工程师"),
    PersonSpec("liutao", "刘涛", "sw-rd1", "研发一组组长、项目经理"),
    PersonSpec("sunli", "孙丽", "sw-rd1", "开发工程师"),
    PersonSpec("machao", "马超", "sw-rd1", "开发工程师"),
    PersonSpec("songjia", "宋佳", "commerce", "商务部经理", (OrgRole.COMMERCE,)),
    PersonSpec("zhangwei", "张伟", "commerce", "客户经理", (OrgRole.ACCOUNT_MANAGER,)),
    PersonSpec("liuyang", "刘洋", "commerce", "客户经理", (OrgRole.ACCOUNT_MANAGER,)),
    PersonSpec("wujuan", "吴娟", "finance", "财务部经理", (OrgRole.FINANCE,)),
    PersonSpec("guojun", "郭军", "quality", "质量管理部经理", (OrgRole.QUALITY,)),
    PersonSpec("caoying", "曹颖", "quality", "质量工程师", (OrgRole.QUALITY,)),
    PersonSpec("yangfan", "杨帆", "service", "售后服务部经理", (OrgRole.AFTER_SALES,)),
)

CAMPUS = "HT-2026-ZH-0205"
APPROVAL_COMMENT = "同意。"


def _projects(today: dt.date) -> tuple[ProjectSpec, ...]:
    """The projects in the order they were signed, so project numbers follow contract age."""
    # R29 reminds one month ahead of the contractual final acceptance; keep one due within it
    # whenever the demo is loaded.
    due_soon = today + dt.timedelta(days=25)
    return (
        ProjectSpec(
            contract_number="HT-2024-YW-0087",
            name="某能源集团2025年度IT运维服务",
            short_name="能源集团运维2025",
            project_type="it_service",
            customer="华东某能源集团有限公司",
            department="it",
            pm="xuchen",
            account_manager="liuyang",
            assistant="tiantian",
            members=(
                ("zhenglei", ProjectRole.TECHNICAL_LEAD),
                ("tangning", ProjectRole.IMPLEMENTER),
            ),
            state=Status.CLOSED,
            fields={
                "description": "集团总部及下属6家电厂的服务器、网络、桌面终端一年期驻场运维，"
                "含7×24小时故障响应与季度巡检。",
                "contract_amount": Decimal("1280000.00"),
                "contract_signed_on": dt.date(2024, 12, 20),
                "contract_final_acceptance_on": dt.date(2026, 1, 15),
                "planned_start": dt.date(2025, 1, 1),
                "planned_finish": dt.date(2025, 12, 31),
            },
        ),
        ProjectSpec(
            contract_number="HT-2025-JC-0412",
            name="某银行数据中心网络集成",
            short_name="银行数据中心网络",
            project_type="system_integration",
            customer="某城市商业银行股份有限公司",
            department="si-impl",
            pm="wanghao",
            account_manager="zhangwei",
            assistant="xuli",
            members=(
                ("gaofeng", ProjectRole.TECHNICAL_LEAD),
                ("hanbing", ProjectRole.IMPLEMENTER),
                ("tangning", ProjectRole.IMPLEMENTER),
                ("caoying", ProjectRole.QUALITY),
            ),
            state=Status.CLOSING,
            pending=("close", "初验已通过，结项资料齐全，申请结项。"),
            fields={
                "description": "新建同城灾备数据中心核心、汇聚及接入网络，含防火墙、负载均衡"
                "设备采购与集成，两中心网络双活改造。",
                "contract_amount": Decimal("5260000.00"),
                "contract_signed_on": dt.date(2025, 9, 18),
                "contract_initial_acceptance_on": dt.date(2026, 10, 20),
                "contract_final_acceptance_on": due_soon,
                "planned_start": dt.date(2025, 10, 8),
                "planned_finish": dt.date(2026, 10, 31),
            },
        ),
        ProjectSpec(
            contract_number="HT-2025-RJ-0536",
            name="某医院HIS系统升级",
            short_name="医院HIS升级",
            project_type="software",
            customer="某市第一人民医院",
            department="sw",
            pm="liqiang",
            account_manager="liuyang",
            assistant="tiantian",
            members=(
                ("huangzhiqiang", ProjectRole.ARCHITECT),
                ("sunli", ProjectRole.DEVELOPER),
                ("machao", ProjectRole.DEVELOPER),
                ("luolin", ProjectRole.TESTER),
                ("caoying", ProjectRole.QUALITY),
            ),
            state=Status.TRIAL_RUN,
            fields={
                "description": "门急诊、住院、药房模块升级至新版架构，对接医保结算平台与电子病历"
                "系统，满足电子病历应用水平分级评价四级要求。",
                "contract_amount": Decimal("3860000.00"),
                "contract_signed_on": dt.date(2025, 11, 28),
                "contract_initial_acceptance_on": dt.date(2026, 12, 20),
                "contract_final_acceptance_on": dt.date(2027, 6, 30),
                "planned_start": dt.date(2026, 1, 5),
                "planned_finish": dt.date(2026, 12, 31),
            },
        ),
        ProjectSpec(
            contract_number="HT-2026-ZH-0118",
            name="某市智慧交通信号控制系统",
            short_name="智慧交通信号",
            project_type="smart",
            customer="某市公安局交通警察支队",
            department="si",
            pm=DEMO_PM,
            account_manager="zhangwei",
            assistant="xuli",
            members=(
                ("gaofeng", ProjectRole.TECHNICAL_LEAD),
                ("sunli", ProjectRole.DEVELOPER),
                ("tangning", ProjectRole.IMPLEMENTER),
                ("luolin", ProjectRole.TESTER),
            ),
            state=Status.EXECUTING,
            fields={
                "description": "主城区126个路口信号机联网改造，建设区域自适应信号控制平台，"
                "实现干线绿波协调与特勤路线控制。",
                "contract_amount": Decimal("6480000.00"),
                "contract_signed_on": dt.date(2026, 3, 16),
                "contract_initial_acceptance_on": dt.date(2027, 1, 31),
                "contract_final_acceptance_on": dt.date(2027, 7, 31),
                "planned_start": dt.date(2026, 4, 1),
                "planned_finish": dt.date(2027, 3, 31),
            },
        ),
        ProjectSpec(
            contract_number=CAMPUS,
            name="某高校智慧校园一期",
            short_name="智慧校园一期",
            project_type="smart",
            customer="某理工大学",
            department="si",
            pm="wangfang",
            account_manager="liuyang",
            assistant="tiantian",
            members=(
                ("gaofeng", ProjectRole.TECHNICAL_LEAD),
                ("huangzhiqiang", ProjectRole.ARCHITECT),
            ),
            state=Status.EXECUTING,
            fields={
                "description": "智慧校园一期总体建设：统一身份认证与数据中台，下设一卡通、"
                "安防监控两个子项目。",
                "is_big_project": True,
                "contract_amount": Decimal("12800000.00"),
                "contract_signed_on": dt.date(2026, 5, 20),
                "contract_initial_acceptance_on": dt.date(2027, 6, 30),
                "contract_final_acceptance_on": dt.date(2027, 12, 31),
                "planned_start": dt.date(2026, 6, 15),
                "planned_finish": dt.date(2027, 8, 31),
            },
        ),
        ProjectSpec(
            contract_number=f"{CAMPUS}-01",
            name="某高校智慧校园一期—一卡通子项目",
            short_name="校园一卡通",
            project_type="smart",
            customer="某理工大学",
            department="sw-rd1",
            pm="liutao",
            account_manager="liuyang",
            assistant="tiantian",
            members=(("machao", ProjectRole.DEVELOPER), ("luolin", ProjectRole.TESTER)),
            state=Status.EXECUTING,
            parent=CAMPUS,
            fields={
                "description": "校园卡消费、门禁、图书借阅一卡通平台，支持虚拟校园卡与移动支付。",
                "contract_amount": Decimal("4200000.00"),
                "contract_signed_on": dt.date(2026, 5, 20),
                "planned_start": dt.date(2026, 7, 1),
                "planned_finish": dt.date(2027, 5, 31),
            },
        ),
        ProjectSpec(
            contract_number=f"{CAMPUS}-02",
            name="某高校智慧校园一期—安防监控子项目",
            short_name="校园安防监控",
            project_type="smart",
            customer="某理工大学",
            department="si-impl",
            pm="zhulei",
            account_manager="liuyang",
            assistant="tiantian",
            members=(("hanbing", ProjectRole.IMPLEMENTER),),
            state=Status.SUSPENDED,
            suspended_from=Status.EXECUTING,
            reason="校方新建教学楼土建工程延期，监控点位及弱电管线不具备施工条件，"
            "经与校方确认暂停现场实施，预计2027年3月复工。",
            parent=CAMPUS,
            fields={
                "description": "全校区视频监控、周界报警与应急广播系统，接入市公安视频专网。",
                "contract_amount": Decimal("3650000.00"),
                "contract_signed_on": dt.date(2026, 5, 20),
                "planned_start": dt.date(2026, 8, 1),
                "planned_finish": dt.date(2027, 6, 30),
            },
        ),
        ProjectSpec(
            contract_number="HT-2026-JC-0958",
            name="某区政务云平台迁移",
            short_name="政务云迁移",
            project_type="system_integration",
            customer="某区大数据发展管理局",
            department="si",
            pm=DEMO_PM,
            account_manager="zhangwei",
            assistant="xuli",
            members=(("tangning", ProjectRole.IMPLEMENTER),),
            state=Status.DRAFT,
            fields={
                "description": "区属32个委办局业务系统由自建机房迁移至市政务云，"
                "含等保三级测评整改。",
                "contract_amount": Decimal("2180000.00"),
                "contract_signed_on": dt.date(2026, 11, 10),
                "contract_initial_acceptance_on": dt.date(2027, 6, 30),
                "contract_final_acceptance_on": dt.date(2027, 12, 31),
                "planned_start": dt.date(2026, 12, 15),
                "planned_finish": dt.date(2027, 6, 30),
            },
        ),
    )


# Notes recorded with the forward transitions, as the people taking them would write.
NOTES = {
    "start_execution": "项目实施计划已评审通过，进入实施。",
    "pass_initial_acceptance": "客户已签署初验报告。",
    "pass_final_acceptance": "客户已签署终验报告。",
    "close": "结项资料齐全，质量管理部检查通过。",
}


# --- What loading returns ------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    display_name: str
    department: str
    title: str
    roles: tuple[str, ...]  # OrgRole values


@dataclass(frozen=True)
class DemoProject:
    number: str
    name: str
    status: str
    pm: str  # username


@dataclass
class DemoResult:
    password: str
    demo_pm_username: str
    logins: list[DemoLogin] = field(default_factory=list)
    projects: list[DemoProject] = field(default_factory=list)
    created_departments: int = 0
    created_users: int = 0
    created_projects: int = 0

    @property
    def created_anything(self) -> bool:
        return bool(self.created_departments or self.created_users or self.created_projects)


def demo_summary() -> DemoResult:
    """The demo logins and projects present in the database, without writing anything."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[p.username for p in PEOPLE])
        .select_related("department")
        .prefetch_related("role_assignments")
    }
    logins = [
        DemoLogin(
            username=p.username,
            display_name=users[p.username].display_name,
            department=str(users[p.username].department or ""),
            title=p.title,
            roles=tuple(sorted(a.role for a in users[p.username].role_assignments.all())),
        )
        for p in PEOPLE
        if p.username in users
    ]
    keys = [s.contract_number for s in _projects(timezone.localdate())]
    by_key = {
        p.contract_number: p
        for p in Project.objects.filter(contract_number__in=keys).select_related("pm")
    }
    projects = [
        DemoProject(
            number=p.number or "",
            name=p.name,
            status=p.status,
            pm=p.pm.username if p.pm else "",
        )
        for p in (by_key[k] for k in keys if k in by_key)
    ]
    return DemoResult(
        password=DEMO_PASSWORD, demo_pm_username=DEMO_PM, logins=logins, projects=projects
    )


# --- Loading -------------------------------------------------------------------------------------


@transaction.atomic
def load_demo(*, stdout: Writer | None = None) -> DemoResult:
    """Create whatever of the demo company is missing; returns the logins and projects."""

    def say(line: str) -> None:
        if stdout is not None:
            stdout.write(line + "\n")

    created = {"departments": 0, "users": 0, "projects": 0}
    departments = _load_departments(say, created)
    users = _load_people(departments, say, created)
    _set_heads(departments, users)
    for spec in _projects(timezone.localdate()):
        _load_project(spec, departments, users, say, created)
    result = demo_summary()
    result.created_departments = created["departments"]
    result.created_users = created["users"]
    result.created_projects = created["projects"]
    return result


def _load_departments(say: Callable[[str], None], created: dict[str, int]) -> dict[str, Department]:
    departments: dict[str, Department] = {}
    for spec in DEPARTMENTS:
        department = Department.objects.filter(code=spec.code).first()
        if department is None:
            # The command line creates the tree before any administrator exists (actor=None).
            department = department_create(
                actor=None,
                code=spec.code,
                name=spec.name,
                parent=departments[spec.parent] if spec.parent else None,
                sort_order=spec.sort_order,
            )
            created["departments"] += 1
            say(f"department {spec.code} {spec.name}")
        departments[spec.code] = department
    return departments


def _load_people(
    departments: dict[str, Department], say: Callable[[str], None], created: dict[str, int]
) -> dict[str, User]:
    users: dict[str, User] = {}
    admin = User.objects.filter(username__iexact=SYSTEM_ADMIN).first()
    for number, spec in enumerate(PEOPLE, start=1):
        user = User.objects.filter(username__iexact=spec.username).first()
        if user is None:
            user = user_create(
                actor=admin,  # None for the administrator themself: created from the command line
                username=spec.username,
                password=DEMO_PASSWORD,
                display_name=spec.display_name,
                email=f"{spec.username}@{EMAIL_DOMAIN}",
                phone=f"1395718{number:04d}",
                employee_no=f"E{number:04d}",
                department=departments[spec.department],
                roles=spec.roles,
            )
            created["users"] += 1
            say(f"user {spec.username} {spec.display_name}")
        if spec.username == SYSTEM_ADMIN:
            admin = user
        users[spec.username] = user
    return users


def _set_heads(departments: dict[str, Department], users: dict[str, User]) -> None:
    admin = users[SYSTEM_ADMIN]
    for spec in DEPARTMENTS:
        department = departments[spec.code]
        head = users[spec.head]
        if department.head_id is None:  # a head someone set by hand stays
            departments[spec.code] = department_update(
                actor=admin, department=department, head=head
            )


def _load_project(
    spec: ProjectSpec,
    departments: dict[str, Department],
    users: dict[str, User],
    say: Callable[[str], None],
    created: dict[str, int],
) -> None:
    if Project.objects.filter(contract_number=spec.contract_number).exists():
        return
    pmo = users[PMO_ADMIN]
    parent = None
    if spec.parent:
        parent = Project.objects.get(contract_number=spec.parent)
    project = project_create(
        actor=pmo,
        name=spec.name,
        project_type=ProjectType.objects.get(code=spec.project_type),
        customer=spec.customer,
        department=departments[spec.department],
        contract_number=spec.contract_number,
        account_manager=users[spec.account_manager],
        assistant=users[spec.assistant],
        parent=parent,
        **spec.fields,
    )
    project = project_appoint_pm(
        actor=pmo, project=project, pm=users[spec.pm], short_name=spec.short_name
    )
    project = _approve_all(project)
    # Members join before the walk: a closed project no longer accepts any.
    for username, role in spec.members:
        project_member_add(actor=users[spec.pm], project=project, user=users[username], role=role)
    # The PM prepares the initiation materials (R3), also for the draft waiting to be submitted.
    write_materials(project, users[spec.pm])
    project = _walk(project, spec, pmo)
    created["projects"] += 1
    say(f"project {project.number} {project.name}: {project.status}")


def _walk(project: Project, spec: ProjectSpec, pmo: User) -> Project:
    """Take the project through every main-line transition up to its demo state.

    The PM asks for the steps that are theirs, the PMO for the others; every approval a step
    starts is decided by the people its chain names, signing as themselves.
    """
    template = project.project_type.lifecycle
    line = main_line(template)
    destination = spec.suspended_from or spec.state
    for state in line[1 : line.index(destination) + 1]:
        if project.status == state:
            continue  # reached through an approval started by the step before (initiation)
        code = FORWARD[state].code
        transition = transition_by_code(template, code)
        assert transition is not None
        if code == "start_execution":
            # The implementation plan is written and sent to its countersign (R4).
            assert project.pm is not None
            project = write_plan(project, project.pm, reason=NOTES[code])
        else:
            project = project_transition(
                actor=project.pm if Actor.PM in transition.actors else pmo,
                project=project,
                code=code,
                reason=NOTES.get(code, ""),
            )
        project = _approve_all(project)
        if code == "start_execution":
            assert project.pm is not None
            write_kickoff(project, project.pm)  # the team starts with its kickoff meeting
            # Progress to date; one PM's project runs late, so its milestones are flagged.
            record_progress(project, project.pm, late_days=8 if spec.pm == "chenjie" else 0)
    if spec.state == Status.SUSPENDED:
        assert project.pm is not None
        project = project_transition(
            actor=project.pm, project=project, code="suspend", reason=spec.reason
        )
        project = _approve_all(project)
    if spec.pending:
        assert project.pm is not None
        code, reason = spec.pending
        project = project_transition(actor=project.pm, project=project, code=code, reason=reason)
    return project


def _approve_all(project: Project) -> Project:
    """Every approval of the project decided by its approvers, one after another."""
    while True:
        task = (
            ApprovalTask.objects.filter(
                request__project=project,
                request__status=RequestStatus.PENDING,
                status=TaskStatus.PENDING,
            )
            .select_related("assignee", "step", "request")
            .order_by("pk")
            .first()
        )
        if task is None:
            break
        task_approve(
            actor=task.assignee,
            task_id=task.pk,
            comment=str(APPROVAL_COMMENT),
            form=demo_answers(task),
        )
    project.refresh_from_db()
    return project
