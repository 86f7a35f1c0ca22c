"""The plan pages: editor, reviewer, stranger, version comparison and the printed plan."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from epm.approvals.models import ApprovalTask, RequestStatus, TaskStatus
from epm.approvals.services import task_return
from epm.planning.models import ImplementationPlan, PlanComment, PlanSeen, PlanStatus
from epm.planning.services.plan import plan_save, plan_submit
from epm.projects.models import Status

from .test_plan_services import FULL


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def planning(make_project, walk):
    return walk(make_project(), "submit", "start_planning")


@pytest.fixture
def in_review(company, planning):
    plan_save(actor=company.pm, project=planning, sections=FULL)
    plan_submit(actor=company.pm, project=planning)
    return planning


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.django_db
class TestEditor:
    def test_pm_sees_the_editor_and_saves(self, company, planning):
        client = client_for(company.pm)
        url = reverse("planning:plan", args=[planning.pk])
        html = html_of(client.get(url))
        assert 'data-testid="plan-form"' in html and 'data-testid="plan-input-scope"' in html
        assert 'data-testid="plan-milestones"' in html and "系统上线" in html
        assert 'data-testid="plan-team"' in html and "王经理" in html
        response = client.post(
            reverse("planning:plan_save", args=[planning.pk]), {**FULL, "action": "save"}
        )
        assert response.status_code == 302
        version = ImplementationPlan.objects.get(project=planning).versions.get()
        assert version.sections["scope"] == FULL["scope"] and version.submitted_at is None

    def test_save_and_submit_in_one_click(self, company, planning):
        response = client_for(company.pm).post(
            reverse("planning:plan_save", args=[planning.pk]),
            {**FULL, "action": "submit", "reason": "请评审"},
        )
        assert response.status_code == 302
        assert ImplementationPlan.objects.get(project=planning).status == PlanStatus.IN_REVIEW

    def test_refused_save_keeps_what_was_typed(self, company, planning):
        response = client_for(company.pm).post(
            reverse("planning:plan_save", args=[planning.pk]),
            {"scope": "字" * 50_001 + "尾", "background": "我写的背景"},
        )
        assert response.status_code == 400
        assert "我写的背景" in response.content.decode()
        assert not ImplementationPlan.objects.filter(project=planning).exists()

    def test_incomplete_submit_is_a_message(self, company, planning):
        client = client_for(company.pm)
        response = client.post(
            reverse("planning:plan_save", args=[planning.pk]),
            {"background": "背景", "action": "submit"},
            follow=True,
        )
        assert response.status_code == 200
        assert ImplementationPlan.objects.get(project=planning).status == PlanStatus.DRAFT
        assert 'data-testid="plan-missing"' in response.content.decode()

    def test_member_reads_but_cannot_write(self, company, planning):
        from epm.projects.services import project_member_add

        project_member_add(actor=company.pm, project=planning, user=company.member, role="tester")
        plan_save(actor=company.pm, project=planning, sections=FULL)
        client = client_for(company.member)
        html = html_of(client.get(reverse("planning:plan", args=[planning.pk])))
        assert 'data-testid="plan-form"' not in html and FULL["risk"] in html
        response = client.post(reverse("planning:plan_save", args=[planning.pk]), {"scope": "x"})
        assert response.status_code == 403


@pytest.mark.django_db
class TestReviewer:
    def test_commerce_sees_its_section_comments_and_marks_seen(self, company, in_review):
        client = client_for(company.commerce)  # no portfolio view: let in as a reviewer
        url = reverse("planning:plan", args=[in_review.pk])
        html = html_of(client.get(url))
        assert 'data-testid="your-section-scope"' in html
        assert 'data-testid="your-section-risk"' not in html
        assert 'data-testid="plan-form"' not in html and 'data-testid="plan-request"' in html
        assert PlanSeen.objects.get(user=company.commerce).version_number == 1
        response = client.post(
            reverse("planning:plan_comment", args=[in_review.pk]),
            {"section": "scope", "text": "范围与合同附件一致"},
        )
        assert response.status_code == 302 and response["Location"].endswith("#section-scope")
        assert PlanComment.objects.get().author == company.commerce
        assert "范围与合同附件一致" in html_of(client.get(url))

    def test_returned_plan_shows_reviewers_what_changed(self, company, in_review):
        client = client_for(company.quality)
        html_of(client.get(reverse("planning:plan", args=[in_review.pk])))  # saw v1
        task = ApprovalTask.objects.get(
            request__status=RequestStatus.PENDING,
            assignee=company.quality,
            status=TaskStatus.PENDING,
        )
        task_return(actor=company.quality, task_id=task.pk, comment="请量化质量目标")
        pm = client_for(company.pm)
        html = html_of(pm.get(reverse("planning:plan", args=[in_review.pk])))
        assert 'data-testid="plan-returned"' in html and 'data-testid="plan-form"' in html
        pm.post(
            reverse("planning:plan_save", args=[in_review.pk]),
            {"quality": "系统可用性不低于99.95%。", "action": "submit"},
        )
        html = html_of(client.get(reverse("planning:plan", args=[in_review.pk])))
        assert 'data-testid="plan-changes"' in html and 'data-testid="diff-section-quality"' in html
        assert "<ins" in html and "<del" in html
        # seen now: the next visit shows no changes, the picker still compares
        assert 'data-testid="plan-changes"' not in html_of(
            client.get(reverse("planning:plan", args=[in_review.pk]))
        )
        diff = html_of(
            client.get(reverse("planning:plan_diff", args=[in_review.pk]), {"a": 1, "b": 2})
        )
        assert 'data-testid="diff-section-quality"' in diff
        assert 'data-testid="diff-unchanged-scope"' in diff

    def test_diff_of_a_missing_version_is_a_message(self, company, in_review):
        response = client_for(company.pm).get(
            reverse("planning:plan_diff", args=[in_review.pk]), {"a": 1, "b": 9}
        )
        assert response.status_code == 302


@pytest.mark.django_db
class TestVisibility:
    def test_stranger_gets_404_everywhere(self, company, in_review):
        client = client_for(company.stranger)
        for method, name in [
            ("get", "planning:plan"),
            ("get", "planning:plan_print"),
            ("get", "planning:plan_diff"),
            ("post", "planning:plan_save"),
            ("post", "planning:plan_submit"),
            ("post", "planning:plan_comment"),
        ]:
            response = getattr(client, method)(reverse(name, args=[in_review.pk]), {"a": 1})
            assert response.status_code == 404, name
            assert in_review.name not in response.content.decode()

    def test_commerce_sees_nothing_of_a_plan_it_was_not_asked_about(self, company, planning):
        response = client_for(company.commerce).get(reverse("planning:plan", args=[planning.pk]))
        assert response.status_code == 404


@pytest.mark.django_db
class TestPrint:
    def test_print_has_sections_tables_version_and_approvals(self, company, in_review, approve_all):
        approve_all(in_review)
        assert in_review.status == Status.EXECUTING
        html = html_of(
            client_for(company.pm).get(reverse("planning:plan_print", args=[in_review.pk]))
        )
        for code, text in FULL.items():
            assert f'data-testid="print-section-{code}"' in html
            assert text.split("\n")[0] in html
        assert 'data-testid="print-milestones"' in html and "系统上线" in html
        assert 'data-testid="print-team"' in html and "王经理" in html
        assert 'data-testid="print-version"' in html and "v1" in html
        assert 'data-testid="print-approvals"' in html
        for reviewer in ("quality", "commerce", "president", "pmostaff", "head"):
            assert (
                str(getattr(company, reviewer if reviewer != "pmostaff" else "pmo_staff")) in html
            )
        assert "page-break" in html


@pytest.mark.django_db
def test_big_project_plan_page_lists_sub_projects(company, make_project, approve_all):
    from epm.projects.services import project_appoint_pm

    big = make_project(name="智慧校园", is_big_project=True, appoint=False)
    project_appoint_pm(actor=company.pmo, project=big, pm=company.member)
    approve_all(big)
    child = make_project(name="一卡通", parent=big)
    html = html_of(client_for(company.member).get(reverse("planning:plan", args=[big.pk])))
    assert 'data-testid="subprojects"' in html and f'data-testid="subproject-{child.pk}"' in html
