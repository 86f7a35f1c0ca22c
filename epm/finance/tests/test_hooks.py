"""The submit guard (R3: a cost budget is part of the initiation) and the effect of approval
(R13: the current month's budget is in force at once)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from epm.core.errors import ApplicationError
from epm.core.models import AuditEvent
from epm.finance.lifecycle_hooks import current_month_effective
from epm.finance.models import MonthlyBudget, MonthlyBudgetStatus
from epm.finance.services import budget_save
from epm.projects import hooks
from epm.projects.models import Status
from epm.projects.services import project_transition

from .helpers import add_months, around_today, line, this_month


@pytest.mark.django_db
class TestSubmitGuard:
    def test_an_empty_budget_stops_the_submission(self, company, make_project):
        project = make_project()
        budget_save(actor=company.pm, project=project, lines=[])

        with pytest.raises(ApplicationError) as exc:
            project_transition(actor=company.pm, project=project, code="submit")

        assert exc.value.code == "budget_required" and "R3" in exc.value.message
        project.refresh_from_db()
        assert project.status == Status.DRAFT

    def test_the_checklist_names_the_missing_budget(self, company, make_project):
        project = make_project()
        budget_save(actor=company.pm, project=project, lines=[])

        assert any("R3" in p and "budget" in p for p in hooks.problems("submit", project))

    def test_a_budget_lets_it_through(self, company, make_project, walk):
        project = make_project(materials=False)
        from conftest import fill_initiation

        fill_initiation(project, actor=company.pm)
        budget_save(actor=company.pm, project=project, lines=[line("travel", "2026-05", "1")])

        project = walk(project, "submit", approve=False)

        assert project.status == Status.INITIATION_REVIEW


@pytest.mark.django_db
class TestCurrentMonthTakesEffect:
    def test_approval_puts_the_current_month_in_force(self, company, make_project, walk):
        # given a budget with this month and next month
        project = make_project(**around_today())
        budget_save(
            actor=company.pm,
            project=project,
            lines=[
                line("labour", this_month(), "8000.10"),
                line("travel", this_month(), "0.20"),
                line("labour", add_months(this_month(), 1), "9000"),
            ],
        )

        # when the initiation is submitted and every approver approves
        project = walk(project, "submit")

        # then the project is initiated and this month's budget is in force at once
        assert project.status == Status.APPROVED
        record = MonthlyBudget.objects.get(project=project)
        assert (record.month, record.status, record.source) == (
            this_month(),
            MonthlyBudgetStatus.EFFECTIVE,
            "initiation",
        )
        assert record.amount == Decimal("8000.30") and record.effective_at is not None
        event = AuditEvent.objects.get(action="finance.budget_effective")
        assert event.scope == f"projects.project:{project.pk}"
        assert event.changes["month"] == [None, f"{this_month():%Y-%m}"]

    def test_it_happens_once(self, company, make_project, walk):
        project = walk(make_project(**around_today()), "submit")

        current_month_effective(company.president, project)
        current_month_effective(company.president, project)

        assert MonthlyBudget.objects.filter(project=project).count() == 1
        assert AuditEvent.objects.filter(action="finance.budget_effective").count() == 1

    def test_nothing_is_in_force_before_approval(self, company, make_project, walk):
        project = walk(make_project(**around_today()), "submit", approve=False)

        assert not MonthlyBudget.objects.filter(project=project).exists()
