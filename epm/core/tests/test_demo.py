"""The demo company (`epm demo`): idempotent, complete, and usable by the browser tests."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.utils import timezone

from epm.core.demo import DEMO_PASSWORD, PEOPLE, DemoResult, load_demo
from epm.core.models import AuditEvent, Department, Language, OrgRole, OrgRoleAssignment, User
from epm.core.services import department_create, user_create
from epm.projects.models import Membership, Project, ProjectType, Status
from epm.projects.rules import visible_projects
from epm.projects.services import project_create

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "roles": OrgRoleAssignment.objects.count(),
        "departments": Department.objects.count(),
        "projects": Project.objects.count(),
        "members": Membership.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture
def demo() -> DemoResult:
    return load_demo()


def test_loading_twice_changes_nothing(demo):
    # given
    before = counts()
    numbers = dict(Project.objects.values_list("contract_number", "number"))
    # when
    again = load_demo()
    # then
    assert counts() == before
    assert not again.created_anything
    assert dict(Project.objects.values_list("contract_number", "number")) == numbers
    assert again.logins == demo.logins
    assert again.projects == demo.projects


def test_first_load_reports_what_it_created(demo):
    assert demo.created_departments == Department.objects.count() >= 10
    assert demo.created_users == len(PEOPLE) == User.objects.count()
    assert demo.created_projects == 8
    assert len(demo.logins) == len(PEOPLE)


def test_projects_are_spread_over_the_lifecycle(demo):
    states = Counter(Project.objects.values_list("status", flat=True))
    assert sum(states.values()) == 8
    assert states[Status.SUSPENDED] == 1
    assert states[Status.CLOSED] == 1
    assert states[Status.DRAFT] == 1
    assert states[Status.EXECUTING] >= 2
    assert len(states) >= 6
    assert all(p.number and p.pm_id for p in Project.objects.all())


def test_the_suspended_project_has_a_reason_and_can_resume(demo):
    project = Project.objects.get(status=Status.SUSPENDED)
    assert project.suspended_from == Status.EXECUTING
    event = AuditEvent.objects.get(
        action="project.suspend", target_type="projects.project", target_id=str(project.pk)
    )
    assert event.note


def test_the_closed_project_walked_the_whole_main_line(demo):
    project = Project.objects.get(status=Status.CLOSED)
    actions = list(
        AuditEvent.objects.filter(target_type="projects.project", target_id=str(project.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    lifecycle = [a for a in actions if a.startswith("project.")]
    assert lifecycle[:3] == ["project.create", "project.appoint_pm", "project.submit"]
    assert "project.start_execution" in lifecycle
    assert lifecycle[-2:] == ["project.start_closure", "project.close"]
    # its initiation materials were written before it was submitted (R3)
    submitted = actions.index("project.submit")
    assert "finance.budget_save" in actions[:submitted]


def test_one_big_project_with_two_sub_projects_each_with_its_own_pm(demo):
    big = Project.objects.get(is_big_project=True)
    children = list(big.children.all())
    assert len(children) == 2
    assert len({big.pm_id, *(c.pm_id for c in children)}) == 3
    assert big.status == Status.EXECUTING


def test_one_project_has_its_final_acceptance_due_within_a_month(demo):
    today = timezone.localdate()
    due = Project.objects.filter(
        contract_final_acceptance_on__gte=today,
        contract_final_acceptance_on__lte=today + dt.timedelta(days=30),
    ).exclude(status__in=[Status.CLOSED, Status.CANCELLED, Status.FINAL_ACCEPTANCE])
    assert due.count() == 1
    assert due.get().account_manager is not None


def test_every_org_role_has_a_holder(demo):
    held = set(OrgRoleAssignment.objects.values_list("role", flat=True))
    assert held == set(OrgRole.values)
    assert OrgRoleAssignment.objects.filter(role=OrgRole.ACCOUNT_MANAGER).count() >= 2


def test_people_can_sign_in_with_the_demo_password(demo, client):
    validate_password(DEMO_PASSWORD)
    for user in User.objects.all():
        assert user.check_password(DEMO_PASSWORD), user.username
        assert user.display_name and user.department_id and user.employee_no
        assert user.email.endswith("@demo.openepm.cn")
        assert user.language == Language.ZH_HANS
    assert client.login(username=demo.demo_pm_username, password=DEMO_PASSWORD)


def test_every_department_has_a_head_and_the_tree_has_three_levels(demo):
    departments = list(Department.objects.all())
    assert all(d.head_id for d in departments)
    roots = [d for d in departments if d.parent_id is None]
    assert [r.code for r in roots] == ["company"]
    assert roots[0].head.has_org_role(OrgRole.PRESIDENT)
    assert max(len(d.lineage()) for d in departments) == 3


def test_the_demo_pm_sees_an_executing_and_a_submittable_draft_project(demo):
    pm = User.objects.get(username=demo.demo_pm_username)
    visible = visible_projects(pm)
    own = visible.filter(pm=pm)
    assert own.filter(status=Status.EXECUTING).exists()
    draft = own.get(status=Status.DRAFT)
    assert draft.number and draft.contract_number and draft.contract_signed_on
    assert visible.count() < Project.objects.count()  # a PM is not a portfolio viewer


def test_command_loads_the_demo_into_an_empty_database():
    # given
    out = StringIO()
    # when
    call_command("demo", "--if-empty", stdout=out)
    # then
    assert Project.objects.count() == 8
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    assert "chenjie" in text and "陈杰" in text and "pmo_admin" in text


def test_command_if_empty_does_nothing_when_a_project_exists():
    # given
    department = department_create(actor=None, code="ops", name="运营管理部")
    pmo = user_create(
        actor=None,
        username="pmo",
        password=None,
        department=department,
        roles=[OrgRole.PMO_ADMIN],
    )
    project_create(
        actor=pmo,
        name="已有项目",
        project_type=ProjectType.objects.get(code="software"),
        customer="某客户",
        department=department,
    )
    before = counts()
    out = StringIO()
    # when
    call_command("demo", "--if-empty", stdout=out)
    # then
    assert counts() == before
    assert "not loaded" in out.getvalue()


def test_command_if_empty_still_prints_the_logins_of_a_loaded_demo(demo):
    before = counts()
    out = StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert counts() == before
    assert "zhouzhiming" in out.getvalue() and DEMO_PASSWORD in out.getvalue()


def test_projects_in_execution_held_their_kickoff_with_action_items(demo):
    from epm.registers.models import ActionItem, Meeting, MeetingKind

    started = Project.objects.exclude(
        status__in=[Status.DRAFT, Status.INITIATION_REVIEW, Status.APPROVED, Status.PLANNING]
    )
    kickoffs = Meeting.objects.filter(kind=MeetingKind.KICKOFF_INTERNAL, published_at__isnull=False)
    assert set(kickoffs.values_list("project_id", flat=True)) == set(
        started.values_list("pk", flat=True)
    )
    items = ActionItem.objects.filter(meeting__in=kickoffs)
    assert items.exists() and all(item.owner_id for item in items)
