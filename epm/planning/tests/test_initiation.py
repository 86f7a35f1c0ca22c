"""The initiation application, the preliminary schedule, the submit guard and the review."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import answers_for, fill_initiation
from epm.approvals.models import ApprovalTask, TaskStatus
from epm.approvals.services import task_approve
from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import AuditEvent
from epm.planning.models import InitiationApplication, Milestone, PurchaseLine
from epm.planning.review import scorecard
from epm.planning.services.initiation import (
    initiation_problems,
    initiation_save,
    milestone_add,
    milestone_delete,
    milestone_update,
)
from epm.projects.models import Project, Status
from epm.projects.services import project_transition
from epm.testing import api_client, assert_error, send

TEXTS = {
    "background": "背景",
    "goals": "目标",
    "scope": "范围",
    "expected_benefits": "效益",
    "risks": "",
}


@pytest.fixture
def bare(make_project):
    """A draft with its PM appointed but no initiation materials yet."""
    return make_project(materials=False)


def texts_of(project) -> dict:
    application = InitiationApplication.objects.get(project=project)
    return {name: getattr(application, name) for name in TEXTS}


@pytest.mark.django_db
class TestApplication:
    def test_the_pm_writes_it_and_the_audit_keeps_the_sizes(self, company, bare):
        application = initiation_save(actor=company.pm, project=bare, **TEXTS)

        assert texts_of(bare) == TEXTS and application.updated_by == company.pm
        event = AuditEvent.objects.get(action="planning.initiation_save")
        assert event.scope == f"projects.project:{bare.pk}"
        assert event.changes["background (characters)"] == [0, 2]

    def test_fields_left_out_keep_their_text(self, company, bare):
        initiation_save(actor=company.pm, project=bare, **TEXTS)
        initiation_save(actor=company.pmo, project=bare, goals="新目标")

        assert texts_of(bare) == {**TEXTS, "goals": "新目标"}

    def test_saving_the_same_text_writes_no_event(self, company, bare):
        initiation_save(actor=company.pm, project=bare, **TEXTS)
        initiation_save(actor=company.pm, project=bare, **TEXTS)

        assert AuditEvent.objects.filter(action="planning.initiation_save").count() == 1

    @pytest.mark.parametrize("who", ["member", "head", "stranger", "am"])
    def test_only_the_pm_assistant_and_pmo_write_it(self, company, bare, who):
        with pytest.raises(PermissionDenied):
            initiation_save(actor=getattr(company, who), project=bare, goals="x")
        assert not InitiationApplication.objects.filter(project=bare).exists()

    def test_unknown_and_too_long_fields_are_refused(self, company, bare):
        with pytest.raises(ApplicationError) as unknown:
            initiation_save(actor=company.pm, project=bare, budget="1")
        with pytest.raises(ApplicationError) as long:
            initiation_save(actor=company.pm, project=bare, goals="长" * 20_001)
        assert (unknown.value.code, long.value.code) == ("invalid_field", "too_long")
        assert not InitiationApplication.objects.filter(project=bare).exists()

    def test_no_materials_before_the_pm_is_appointed(self, company, make_project):
        project = make_project(appoint=False)

        with pytest.raises(ApplicationError) as error:
            initiation_save(actor=company.pmo, project=project, goals="x")
        assert error.value.code == "pm_required"

    def test_frozen_while_in_approval_and_after(self, company, project, approve_all):
        project_transition(actor=company.pm, project=project, code="submit")
        before = texts_of(project)

        with pytest.raises(ApplicationError) as in_review:
            initiation_save(actor=company.pm, project=project, goals="改")
        with pytest.raises(ApplicationError) as milestone:
            milestone_add(
                actor=company.pm, project=project, name="x", planned_on=dt.date(2026, 6, 1)
            )
        approve_all(project)
        with pytest.raises(ApplicationError) as approved:
            initiation_save(actor=company.pm, project=project, goals="改")

        assert (in_review.value.code, in_review.value.status) == ("in_approval", 409)
        assert milestone.value.code == "in_approval"
        assert approved.value.code == "initiation_closed"
        assert texts_of(project) == before


@pytest.mark.django_db
class TestMilestones:
    def test_add_update_delete(self, company, bare):
        m = milestone_add(
            actor=company.pm,
            project=bare,
            name="需求确认",
            planned_on="2026-05-01",
            work_products="需求规格说明书\n\n 需求确认单 ",
        )
        assert m.planned_on == dt.date(2026, 5, 1)
        assert m.work_product_list == ["需求规格说明书", "需求确认单"]

        milestone_update(actor=company.pm, project=bare, milestone_id=m.pk, name="需求评审")
        m.refresh_from_db()
        assert (m.name, m.planned_on) == ("需求评审", dt.date(2026, 5, 1))

        milestone_delete(actor=company.pm, project=bare, milestone_id=m.pk)
        assert not Milestone.objects.filter(pk=m.pk).exists()
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        assert {"planning.milestone_add", "planning.milestone_update"} <= actions
        assert "planning.milestone_delete" in actions

    @pytest.mark.parametrize(
        ("name", "planned_on", "code"),
        [
            ("", "2026-05-01", "name_required"),
            ("x" * 201, "2026-05-01", "too_long"),
            ("上线", "", "date_required"),
            ("上线", "2026-13-01", "date_required"),
            ("上线", "2026-02-28", "before_contract"),  # the contract was signed on 1 March
            ("上线", "2027-01-01", "after_finish"),  # the planned finish is 31 December
        ],
    )
    def test_bad_milestones_are_refused(self, company, bare, name, planned_on, code):
        with pytest.raises(ApplicationError) as error:
            milestone_add(actor=company.pm, project=bare, name=name, planned_on=planned_on)
        assert error.value.code == code
        assert not bare.milestones.exists()

    def test_another_projects_milestone_is_not_found(self, company, bare, make_project):
        other = make_project(name="另一个项目", contract_number="HT-2")
        theirs = other.milestones.first()

        with pytest.raises(ApplicationError) as error:
            milestone_delete(actor=company.pm, project=bare, milestone_id=theirs.pk)
        assert (error.value.code, error.value.status) == ("milestone_not_found", 404)
        assert Milestone.objects.filter(pk=theirs.pk).exists()


@pytest.mark.django_db
class TestSubmitGuard:
    def test_submit_lists_what_is_missing(self, company, bare):
        initiation_save(actor=company.pm, project=bare, background="背景")

        with pytest.raises(ApplicationError) as error:
            project_transition(actor=company.pm, project=bare, code="submit")

        bare.refresh_from_db()
        assert bare.status == Status.DRAFT
        assert error.value.code in {"initiation_incomplete", "budget_required"}
        problems = initiation_problems(bare)
        assert len(problems) == 2
        assert "目标" in problems[0] or "goals" in problems[0]

    def test_with_the_materials_it_goes_to_review(self, company, bare):
        fill_initiation(bare, actor=company.pm)

        project = project_transition(actor=company.pm, project=bare, code="submit")

        assert project.status == Status.INITIATION_REVIEW

    def test_a_contract_date_moved_past_the_deliveries_stops_the_submit(self, company, bare):
        from epm.planning.services.purchase import purchase_line_add
        from epm.projects.services import project_update

        fill_initiation(bare, actor=company.pm)
        purchase_line_add(
            actor=company.pm,
            project=bare,
            item="核心交换机",
            quantity="1",
            unit="台",
            unit_price="100.00",
            delivery_on=dt.date(2026, 3, 2),  # after the signing on 1 March
        )
        project_update(actor=company.pmo, project=bare, contract_signed_on=dt.date(2026, 6, 1))

        with pytest.raises(ApplicationError) as error:
            project_transition(actor=company.pm, project=bare, code="submit")

        assert error.value.code == "initiation_incomplete"
        assert "核心交换机" in error.value.message and "2026-06-01" in error.value.message
        assert Project.objects.get(pk=bare.pk).status == Status.DRAFT


def approve_as_each(project, *, scores: dict[str, int] | None = None):
    """Approve every pending task; review board members give `scores` (default 4 each)."""
    for _ in range(50):
        task = (
            ApprovalTask.objects.filter(request__project=project, status=TaskStatus.PENDING)
            .select_related("step", "request", "assignee")
            .order_by("id")
            .first()
        )
        if task is None:
            return
        answers = answers_for(task)
        if scores and task.step.form == "review_scores":
            answers = scores.get(task.assignee.username, answers)
        task_approve(actor=task.assignee, task_id=task.pk, comment="同意", form=answers)


@pytest.mark.django_db
class TestReview:
    def test_the_board_scores_and_the_averages_are_exact(self, company, project):
        project_transition(actor=company.pm, project=project, code="submit")
        approve_as_each(
            project,
            scores={
                "expert": dict(necessity=5, feasibility=4, technical=5, budget=3, benefit=4),
                "finance": dict(necessity=4, feasibility=4, technical=4, budget=2, benefit=4),
                "am": dict(necessity=5, feasibility=5, technical=4, budget=4, benefit=5),
            },
        )
        project.refresh_from_db()
        card = scorecard(project)

        assert project.status == Status.APPROVED
        assert [row.reviewer.username for row in card.rows] == ["expert", "finance", "am"]
        assert card.averages == {
            "necessity": Decimal("4.7"),
            "feasibility": Decimal("4.3"),
            "technical": Decimal("4.3"),
            "budget": Decimal("3.0"),
            "benefit": Decimal("4.3"),
        }
        assert card.average_total == Decimal("20.7")
        (reviewer, checks, _comment), *_ = card.purchase_checks
        assert reviewer == company.commerce and len(checks) == 4

    def test_the_purchase_page_shows_commerces_check(self, client, company, project):
        client.force_login(company.pm)
        page = client.get(f"/projects/{project.pk}/purchase/").content.decode()
        assert 'data-testid="commerce-review"' in page and "commerce-check" not in page
        project_transition(actor=company.pm, project=project, code="submit")
        approve_as_each(project)
        page = client.get(f"/projects/{project.pk}/purchase/").content.decode()
        assert page.count('data-testid="commerce-check"') == 1

    def test_a_board_member_cannot_approve_without_scores(self, company, project):
        project_transition(actor=company.pm, project=project, code="submit")
        for _ in range(2):  # PMO, then commerce
            task = ApprovalTask.objects.filter(
                request__project=project, status=TaskStatus.PENDING
            ).first()
            task_approve(actor=task.assignee, task_id=task.pk, form=answers_for(task))
        board = ApprovalTask.objects.get(
            request__project=project, status=TaskStatus.PENDING, assignee=company.expert
        )

        with pytest.raises(ApplicationError) as error:
            task_approve(actor=company.expert, task_id=board.pk, form={"necessity": 9})

        board.refresh_from_db()
        assert error.value.code == "invalid_form" and board.status == TaskStatus.PENDING
        assert len(error.value.detail) == 5  # one out of range, four missing


@pytest.mark.django_db
class TestPages:
    def test_the_pm_edits_and_submits_from_the_page(self, client, company, bare):
        client.force_login(company.pm)
        url = reverse("planning:initiation", args=[bare.pk])

        page = client.get(url)
        assert page.status_code == 200 and b'data-testid="initiation-form"' in page.content
        assert b'data-testid="initiation-problems"' in page.content

        saved = client.post(reverse("planning:initiation_save", args=[bare.pk]), TEXTS)
        added = client.post(
            reverse("planning:milestone_add", args=[bare.pk]),
            {"name": "上线", "planned_on": "2026-10-01", "work_products": "上线确认单"},
        )
        assert saved.status_code == added.status_code == 302
        assert texts_of(bare) == TEXTS and bare.milestones.count() == 1

    def test_a_refused_milestone_shows_why_and_changes_nothing(self, client, company, bare):
        client.force_login(company.pm)

        page = client.post(
            reverse("planning:milestone_add", args=[bare.pk]),
            {"name": "上线", "planned_on": "2020-01-01"},
        )

        assert page.status_code == 200 and "2026-03-01" in page.content.decode()
        assert not bare.milestones.exists()

    def test_members_read_and_strangers_get_404(self, client, company, project):
        from epm.projects.services import project_member_add

        project_member_add(actor=company.pm, project=project, user=company.member, role="tester")
        client.force_login(company.member)
        page = client.get(reverse("planning:initiation", args=[project.pk]))
        assert page.status_code == 200 and b'data-testid="initiation-read"' in page.content
        assert (
            client.post(reverse("planning:initiation_save", args=[project.pk]), TEXTS).status_code
            == 403
        )

        client.force_login(company.stranger)
        for name in ("planning:initiation", "planning:initiation_print"):
            assert client.get(reverse(name, args=[project.pk])).status_code == 404

    def test_the_printed_form_has_the_sections_and_the_scores(
        self, client, company, project, approve_all
    ):
        PurchaseLine.objects.create(
            project=project,
            item="服务器",
            quantity=Decimal("2"),
            unit="台",
            unit_price=Decimal("0.10"),
            delivery_on=dt.date(2026, 5, 1),
        )
        project_transition(actor=company.pm, project=project, code="submit")
        approve_all(project)
        client.force_login(company.president)

        page = client.get(reverse("planning:initiation_print", args=[project.pk])).content.decode()

        assert "@page" not in page  # the A4 rules live in print.css
        assert "print.css" in page and "服务器" in page and "¥0.20" in page
        assert "立项评审会会签" in page and "总裁审批" in page


@pytest.mark.django_db
class TestApi:
    def url(self, project, rest="initiation"):
        return f"/api/v1/planning/projects/{project.pk}/{rest}"

    def test_read_write_and_submit(self, company, bare):
        pm = api_client(company.pm)
        body = send(pm, "put", self.url(bare), TEXTS).json()
        assert body["application"]["goals"] == "目标" and body["editable"] is True
        assert body["can_submit"] is False and len(body["problems"]) >= 1

        added = send(
            pm, "post", self.url(bare, "milestones"), {"name": "上线", "planned_on": "2026-10-01"}
        )
        assert added.status_code == 201
        mid = added.json()["id"]
        patched = send(pm, "patch", self.url(bare, f"milestones/{mid}"), {"work_products": "a\nb"})
        assert patched.json()["work_products"] == ["a", "b"]
        assert pm.delete(self.url(bare, f"milestones/{mid}")).status_code == 204
        listed = send(pm, "get", self.url(bare, "milestones")).json()
        assert listed == []

    def test_money_is_exact(self, company, project):
        for price in ("0.10", "0.20"):
            PurchaseLine.objects.create(
                project=project,
                item="件",
                quantity=Decimal("1"),
                unit="个",
                unit_price=Decimal(price),
                delivery_on=dt.date(2026, 5, 1),
            )
        body = send(api_client(company.pm), "get", self.url(project)).json()
        assert Decimal(str(body["purchase_total"])) == Decimal("0.30")
        assert Decimal(str(body["preliminary_budget"])) == Decimal("0.30") + Decimal(
            str(body["budget_total"])
        )

    def test_errors(self, company, project, make_project):
        member, stranger = api_client(company.member), api_client(company.stranger)
        pm = api_client(company.pm)
        assert_error(send(stranger, "get", self.url(project)), 404)
        assert_error(send(member, "put", self.url(project), {"goals": "x"}), 404)
        from epm.projects.services import project_member_add

        project_member_add(actor=company.pm, project=project, user=company.member, role="tester")
        assert_error(send(member, "put", self.url(project), {"goals": "x"}), 403)
        assert_error(send(pm, "put", self.url(project), {"goals": "x" * 20_001}), 422)
        assert_error(
            send(pm, "post", self.url(project, "milestones"), {"name": "x", "planned_on": "x"}),
            422,
        )
        assert_error(
            send(
                pm,
                "post",
                self.url(project, "milestones"),
                {"name": "x", "planned_on": "2020-01-01"},
            ),
            400,
            "before_contract",
        )
        project_transition(actor=company.pm, project=project, code="submit")
        assert_error(send(pm, "put", self.url(project), {"goals": "x"}), 409, "in_approval")
