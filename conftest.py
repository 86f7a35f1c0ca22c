"""Shared fixtures: a small company built through the real services (not raw model writes)."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest

from epm.core.models import OrgRole
from epm.core.services import department_create, department_update, user_create
from epm.projects.models import ProjectType
from epm.projects.services import project_appoint_pm, project_create


@pytest.fixture
def make_user(db):
    counter = {"n": 0}

    def make(username=None, *, roles=(), department=None, **kwargs):
        counter["n"] += 1
        username = username or f"user{counter['n']}"
        return user_create(
            actor=None,
            username=username,
            password="pw-for-tests-1",
            display_name=kwargs.pop("display_name", username),
            email=kwargs.pop("email", f"{username}@example.com"),
            department=department,
            roles=roles,
            validate=False,
            **kwargs,
        )

    return make


@pytest.fixture
def company(db, make_user):
    """A tiny company: PMO admin, PMO staff, president, a department head, a PM, a member and
    a stranger; one technical department under the company root."""
    root = department_create(actor=None, code="company", name="公司")
    tech = department_create(actor=None, code="tech", name="软件开发部", parent=root)
    other = department_create(actor=None, code="other", name="系统集成部", parent=root)
    people = {
        "admin": make_user("admin", roles=[OrgRole.SYSTEM_ADMIN], department=root),
        "pmo": make_user("pmo", roles=[OrgRole.PMO_ADMIN], department=root),
        "pmo_staff": make_user("pmostaff", roles=[OrgRole.PMO_STAFF], department=root),
        "president": make_user("president", roles=[OrgRole.PRESIDENT], department=root),
        "head": make_user("head", department=tech),
        "other_head": make_user("otherhead", department=other),
        "pm": make_user("pm", department=tech, display_name="王经理"),
        "member": make_user("member", department=tech),
        "am": make_user("am", roles=[OrgRole.ACCOUNT_MANAGER], department=root),
        "stranger": make_user("stranger", department=other),
        # The reviewers the default approval chains name.
        "expert": make_user("expert", roles=[OrgRole.EXPERT_COMMITTEE], department=root),
        "finance": make_user("finance", roles=[OrgRole.FINANCE], department=root),
        "quality": make_user("quality", roles=[OrgRole.QUALITY], department=root),
        "commerce": make_user("commerce", roles=[OrgRole.COMMERCE], department=root),
    }
    root = department_update(actor=people["admin"], department=root, head=people["president"])
    tech = department_update(actor=people["admin"], department=tech, head=people["head"])
    other = department_update(actor=people["admin"], department=other, head=people["other_head"])

    class Company:
        pass

    c = Company()
    c.root, c.tech, c.other = root, tech, other
    for name, user in people.items():
        setattr(c, name, user)
    return c


def answers_for(task, score=4):
    """Answers to the form the task's step asks for (a score of 4, every check confirmed)."""
    from epm.approvals.stepforms import CHECK, SCORE, form_of

    spec = form_of(task.request.subject_kind, task.step.form) if task.step.form else None
    if spec is None:
        return None
    return {
        f.name: score if f.kind == SCORE else True if f.kind == CHECK else "同意"
        for f in spec.fields
    }


def approve_everything(project=None, *, comment=""):
    """Approve every open approval task (of one project), each as its approver, until none is
    left; returns the project re-read. Tests of the steps themselves use the services."""
    from epm.approvals.models import ApprovalTask, RequestStatus, TaskStatus
    from epm.approvals.services import task_approve

    for _ in range(100):
        tasks = ApprovalTask.objects.filter(
            status=TaskStatus.PENDING, request__status=RequestStatus.PENDING
        )
        if project is not None:
            tasks = tasks.filter(request__project=project)
        task = tasks.select_related("assignee", "step", "request").order_by("id").first()
        if task is None:
            break
        task_approve(actor=task.assignee, task_id=task.pk, comment=comment, form=answers_for(task))
    if project is not None:
        project.refresh_from_db()
    return project


def fill_initiation(project, *, actor):
    """Write the initiation materials the submit guards ask for (R3), through the services:
    the application, one milestone and one month of cost budget."""
    from epm.planning.services.initiation import initiation_save, milestone_add

    initiation_save(
        actor=actor,
        project=project,
        background="客户需要建设统一的业务平台。",
        goals="按合同按期交付并通过验收。",
        scope="合同约定的全部软件模块及实施服务。",
        expected_benefits="合同收入及后续运维服务。",
        risks="需求变更风险。",
    )
    milestone_on = project.planned_finish or project.contract_signed_on or dt.date.today()
    milestone_add(
        actor=actor,
        project=project,
        name="系统上线",
        planned_on=milestone_on,
        work_products="上线确认单",
    )
    try:
        from epm.finance.services import budget_save
    except ImportError:  # the cost budget arrives with the finance app
        return
    month = project.planned_start or project.contract_signed_on or dt.date.today()
    budget_save(
        actor=actor,
        project=project,
        lines=[{"category": "labour", "month": month.strftime("%Y-%m"), "amount": "50000.00"}],
    )


PLAN_TEXT = "按合同约定的范围、质量与进度组织实施，每周报告进展。"


def submit_plan(project, *, actor, reason=""):
    """Write every section of the implementation plan (R4) and submit it: this asks for the
    start of execution, which the plan's countersign approves."""
    from epm.planning.plan_sections import SECTION_CODES
    from epm.planning.services.plan import plan_save, plan_submit

    plan_save(actor=actor, project=project, sections=dict.fromkeys(SECTION_CODES, PLAN_TEXT))
    plan_submit(actor=actor, project=project, reason=reason)
    project.refresh_from_db()
    return project


@pytest.fixture
def approve_all(db):
    return approve_everything


@pytest.fixture
def make_project(company):
    def make(*, appoint=True, materials=True, **fields):
        """A draft project; with `appoint` its PM is appointed through the approval chain, and
        with `materials` (which needs the PM) its initiation materials are written (R3)."""
        defaults = {
            "name": "某市智慧交通项目",
            "project_type": ProjectType.objects.get(code=fields.pop("type_code", "software")),
            "customer": "某市交通局",
            "department": company.tech,
            "contract_number": "HT-2026-001",
            "contract_amount": Decimal("1200000.00"),
            "contract_signed_on": dt.date(2026, 3, 1),
            "account_manager": company.am,
            "planned_start": dt.date(2026, 4, 1),
            "planned_finish": dt.date(2026, 12, 31),
        }
        defaults.update(fields)
        project = project_create(actor=company.pmo, **defaults)
        if appoint:
            project = project_appoint_pm(actor=company.pmo, project=project, pm=company.pm)
            project = approve_everything(project)
            if materials:
                fill_initiation(project, actor=company.pm)
        return project

    return make


@pytest.fixture
def project(make_project):
    return make_project()


@pytest.fixture
def reference_data(transactional_db):
    """The rows data migrations create (project types, lifecycle templates, the default calendar).

    Transactional tests flush the database; serialized rollback should restore these rows but
    does not reliably on PostgreSQL after other tests, so they are recreated (idempotently) here.
    """
    from django.apps import apps

    for module in (
        "epm.core.migrations.0002_default_calendar",
        "epm.projects.migrations.0002_project_types",
        "epm.approvals.migrations.0002_default_chains",
        "epm.planning.migrations.0002_initiation_chain_forms",
        "epm.finance.migrations.0002_default_categories",
        "epm.projects.migrations.0004_outsourcing_chain",
    ):
        importlib.import_module(module).create(apps, None)


@pytest.fixture
def walk(company):
    """Move a project along transitions, by default as the PMO administrator:
    `walk(project, "submit", "approve_initiation")`."""
    from epm.projects.services import project_transition

    def go(project, *codes, actor=None, reason="因客户原因", approve=True):
        """With `approve`, every approval a step starts is granted at once; initiation review
        is then approved by its chain, so an explicit "approve_initiation" is passed over."""
        for code in codes:
            if approve and code == "approve_initiation":
                template = project.project_type.lifecycle
                if "approve_initiation" in template.gates:
                    continue
            if code == "start_execution":
                project = submit_plan(project, actor=actor or company.pmo, reason=reason)
            else:
                project = project_transition(
                    actor=actor or company.pmo, project=project, code=code, reason=reason
                )
            if approve:
                project = approve_everything(project)
        return project

    return go
