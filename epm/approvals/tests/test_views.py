"""Approval pages: the inbox, the approval page and its actions, delegations, the chain editor,
and the project page's approval buttons — through the Django test client, as each person."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from conftest import answers_for
from epm.approvals.models import (
    Action,
    ApprovalAttachment,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalTask,
    Chain,
    ChainVersion,
    Delegation,
    RequestStatus,
    TaskStatus,
)
from epm.approvals.services import delegation_create, task_approve
from epm.projects.gates import APPOINTMENT_KIND
from epm.projects.models import Status
from epm.projects.services import project_appoint_pm, project_transition

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submitted(company, project) -> ApprovalRequest:
    """The PM submits the project for initiation review: its initiation approval starts."""
    project_transition(actor=company.pm, project=project, code="submit")
    return ApprovalRequest.objects.get(project=project, chain__code="initiation")


def pending_task(approval: ApprovalRequest, user=None) -> ApprovalTask:
    tasks = ApprovalTask.objects.filter(request=approval, status=TaskStatus.PENDING)
    if user is not None:
        tasks = tasks.filter(assignee=user)
    return tasks.order_by("id").first()


def detail(approval) -> str:
    return reverse("approvals:detail", args=[approval.pk])


def act(approval, task, action) -> str:
    return reverse("approvals:task_action", args=[approval.pk, task.pk, action])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def form_fields(task) -> dict[str, str]:
    """The step form's answers as the approval page posts them (`form-<field>`): a score of 4,
    every check ticked; nothing when the step asks for no form."""
    answers = answers_for(task) or {}
    return {
        f"form-{name}": "on" if value is True else str(value) for name, value in answers.items()
    }


def approve_through_page(approval, user, comment="同意") -> ApprovalTask:
    """`user` opens the approval page and approves the first decision it offers them, filling
    in the step's form when it shows one."""
    client = client_for(user)
    page = client.get(detail(approval))
    assert page.status_code == 200
    forms = page.context["task_forms"]
    assert forms, f"{user} has nothing to decide"
    task = forms[0].task
    assert (forms[0].step_form is not None) == bool(task.step.form)
    data = {"comment": comment, **form_fields(task)}
    response = client.post(act(approval, task, "approve"), data, follow=True)
    assert response.status_code == 200
    assert messages_of(response) == [said(user, "Approved.")]
    assert ApprovalTask.objects.get(pk=task.pk).status == TaskStatus.APPROVED
    return task


def said(user, message: str) -> str:
    """`message` as `user` reads it (in their language)."""
    with translation.override(user.language):
        return gettext(message)


# --- Pages render for the right people -----------------------------------------------------------


class TestPages:
    def test_inbox_tabs_for_approver_and_submitter(self, company, project):
        approval = submitted(company, project)
        # the approver sees it waiting, with the count on the tab and in the navigation
        client = client_for(company.pmo_staff)
        response = client.get(reverse("approvals:inbox"))
        html = response.content.decode()
        assert response.status_code == 200
        assert approval.title in html
        assert 'data-testid="count-waiting">1<' in html
        assert 'data-testid="approvals-waiting">1<' in html
        assert [row.request for row in response.context["rows"]] == [approval]
        # the submitter finds it under "started by me", not "waiting"
        client = client_for(company.pm)
        assert approval.title not in client.get(reverse("approvals:inbox")).content.decode()
        html = client.get(reverse("approvals:inbox"), {"tab": "started"}).content.decode()
        assert approval.title in html and "PMO" in html  # the current step's name
        for tab in ("done", "copied", "nonsense"):
            assert client.get(reverse("approvals:inbox"), {"tab": tab}).status_code == 200

    def test_done_tab_lists_what_i_decided(self, company, project):
        approval = submitted(company, project)
        approve_through_page(approval, company.pmo_staff)
        html = client_for(company.pmo_staff).get(reverse("approvals:inbox"), {"tab": "done"})
        assert approval.title in html.content.decode()

    def test_inbox_paginates_and_searches(self, company, make_project):
        for i in range(27):
            submitted(company, make_project(name=f"项目{i:02d}"))
        client = client_for(company.pmo_staff)
        first = client.get(reverse("approvals:inbox"))
        assert len(first.context["rows"]) == 25 and first.context["page"].has_next()
        second = client.get(reverse("approvals:inbox"), {"page": 2})
        assert len(second.context["rows"]) == 2
        found = client.get(reverse("approvals:inbox"), {"q": "项目07"})
        assert len(found.context["rows"]) == 1

    @pytest.mark.parametrize("tab", ["waiting", "started"])
    def test_inbox_query_count_does_not_grow(
        self, company, make_project, django_assert_max_num_queries, tab
    ):
        submitted(company, make_project(name="p0"))
        user = company.pmo_staff if tab == "waiting" else company.pm
        client = client_for(user)
        with django_assert_max_num_queries(30) as few:
            client.get(reverse("approvals:inbox"), {"tab": tab})
        for i in range(6):
            submitted(company, make_project(name=f"p{i + 1}"))
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = client.get(reverse("approvals:inbox"), {"tab": tab})
        assert len(response.context["rows"]) == 7

    def test_approval_page_query_count_does_not_grow(
        self, company, project, django_assert_max_num_queries
    ):
        approval = submitted(company, project)
        client = client_for(company.pm)
        with django_assert_max_num_queries(60) as few:
            client.get(detail(approval))
        baseline = len(few.captured_queries)  # read now: the next requests reset the log
        for i in range(5):
            client.post(
                reverse("approvals:comment", args=[approval.pk]),
                {"comment": f"第{i}条", "files": [SimpleUploadedFile(f"{i}.txt", b"x")]},
            )
        with django_assert_max_num_queries(baseline):
            client.get(detail(approval))

    def test_overdue_is_highlighted(self, company, project):
        approval = submitted(company, project)
        ApprovalTask.objects.filter(request=approval, status=TaskStatus.PENDING).update(
            due_at=timezone.now() - dt.timedelta(days=1)
        )
        html = client_for(company.pmo_staff).get(reverse("approvals:inbox")).content.decode()
        assert 'data-testid="overdue"' in html

    def test_approval_page_shows_summary_flow_and_actions(self, company, project):
        approval = submitted(company, project)
        response = client_for(company.pmo_staff).get(detail(approval))
        html = response.content.decode()
        assert response.status_code == 200
        assert project.name in html and "某市交通局" in html  # the subject's summary
        assert reverse("projects:detail", args=[project.pk]) in html
        assert "PMO审核" in html and "立项评审会会签" in html and "总裁审批" in html
        assert 'data-testid="form-approve"' in html and 'data-testid="form-reject"' in html
        assert 'enctype="multipart/form-data"' in html
        # the submitter sees withdraw and urge, not the approver's decision
        html = client_for(company.pm).get(detail(approval)).content.decode()
        assert 'data-testid="form-approve"' not in html
        assert 'data-testid="form-withdraw"' in html and 'data-testid="form-urge"' in html
        # PMO administrator sees it (portfolio) but has nothing to decide
        response = client_for(company.pmo).get(detail(approval))
        assert response.status_code == 200 and response.context["task_forms"] == []

    def test_delegation_page_renders(self, company):
        response = client_for(company.pm).get(reverse("approvals:delegations"))
        assert response.status_code == 200
        assert "on_behalf" not in response.context["form"].fields
        response = client_for(company.pmo).get(reverse("approvals:delegations"))
        assert "on_behalf" in response.context["form"].fields

    def test_anonymous_is_sent_to_login(self, company, project):
        approval = submitted(company, project)
        for url in (reverse("approvals:inbox"), detail(approval), reverse("approvals:chains")):
            response = Client().get(url)
            assert response.status_code == 302 and "/login/" in response["Location"]


# --- Actions through the page --------------------------------------------------------------------


class TestActions:
    def test_draft_to_approved_through_the_pages(self, company, project):
        # given the PM submits from the project page
        client = client_for(company.pm)
        response = client.post(
            reverse("projects:transition", args=[project.pk]), {"code": "submit"}, follow=True
        )
        assert response.status_code == 200
        approval = ApprovalRequest.objects.get(project=project, chain__code="initiation")
        # when each approver signs in and approves on the approval page
        for user in (
            company.pmo_staff,
            company.commerce,
            company.expert,
            company.finance,
            company.am,
            company.president,
        ):
            approve_through_page(approval, user)
        # then the project is approved and the page shows who decided
        approval.refresh_from_db()
        project.refresh_from_db()
        assert approval.status == RequestStatus.APPROVED
        assert project.status == Status.APPROVED
        html = client_for(company.pm).get(detail(approval)).content.decode()
        assert "president" in html and "同意" in html

    def test_reject_needs_a_reason_and_ends_the_request(self, company, project):
        approval = submitted(company, project)
        task = pending_task(approval)
        client = client_for(company.pmo_staff)
        response = client.post(act(approval, task, "reject"), {"comment": ""}, follow=True)
        assert messages_of(response) == [said(company.pmo_staff, "Please write a comment.")]
        assert ApprovalRequest.objects.get(pk=approval.pk).status == RequestStatus.PENDING
        response = client.post(act(approval, task, "reject"), {"comment": "预算不清楚"})
        assert response.status_code == 302 and response["Location"] == detail(approval)
        approval.refresh_from_db()
        project.refresh_from_db()
        assert approval.status == RequestStatus.REJECTED
        assert project.status == Status.DRAFT

    def test_return_and_resubmit(self, company, project):
        approval = submitted(company, project)
        client = client_for(company.pmo_staff)
        client.post(act(approval, pending_task(approval), "return"), {"comment": "补充合同附件"})
        approval.refresh_from_db()
        assert approval.status == RequestStatus.RETURNED
        # the submitter sees why and may resubmit
        pm = client_for(company.pm)
        page = pm.get(detail(approval))
        assert "补充合同附件" in page.content.decode() and page.context["view"].can_resubmit
        response = pm.post(
            reverse("approvals:request_action", args=[approval.pk, "resubmit"]),
            {"comment": "已补充"},
        )
        assert response.status_code == 302
        approval.refresh_from_db()
        project.refresh_from_db()
        assert approval.status == RequestStatus.PENDING and approval.round == 2
        assert project.status == Status.INITIATION_REVIEW
        # the earlier round stays on the page, collapsed
        html = pm.get(detail(approval)).content.decode()
        assert 'data-testid="toggle-round-1"' in html and "补充合同附件" in html

    def test_transfer(self, company, project):
        approval = submitted(company, project)
        task = pending_task(approval)
        response = client_for(company.pmo_staff).post(
            act(approval, task, "transfer"), {"user": company.head.pk, "comment": "请你看"}
        )
        assert response.status_code == 302
        assert ApprovalTask.objects.get(pk=task.pk).status == TaskStatus.TRANSFERRED
        assert pending_task(approval).assignee == company.head
        assert client_for(company.pmo_staff).get(detail(approval)).context["task_forms"] == []
        approve_through_page(approval, company.head)

    def test_add_before(self, company, project):
        approval = submitted(company, project)
        task = pending_task(approval)
        client = client_for(company.pmo_staff)
        client.post(act(approval, task, "add-before"), {"user": company.head.pk})
        assert ApprovalTask.objects.get(pk=task.pk).status == TaskStatus.WAITING
        assert client.get(detail(approval)).context["task_forms"] == []
        approve_through_page(approval, company.head)
        assert ApprovalTask.objects.get(pk=task.pk).status == TaskStatus.PENDING
        approve_through_page(approval, company.pmo_staff)

    def test_approve_with_an_approver_after_me(self, company, project):
        approval = submitted(company, project)
        client = client_for(company.pmo_staff)
        client.post(
            act(approval, pending_task(approval), "approve"), {"add_after": company.head.pk}
        )
        assert pending_task(approval).assignee == company.head

    def test_withdraw(self, company, project):
        approval = submitted(company, project)
        response = client_for(company.pm).post(
            reverse("approvals:request_action", args=[approval.pk, "withdraw"]),
            {"comment": "先撤回"},
        )
        assert response.status_code == 302
        approval.refresh_from_db()
        project.refresh_from_db()
        assert approval.status == RequestStatus.WITHDRAWN and project.status == Status.DRAFT

    def test_urge_once_then_told_to_wait(self, company, project):
        approval = submitted(company, project)
        client = client_for(company.pm)
        url = reverse("approvals:request_action", args=[approval.pk, "urge"])
        client.post(url, {"comment": "请尽快"})
        assert ApprovalEvent.objects.filter(request=approval, action=Action.URGE).count() == 1
        response = client.post(url, follow=True)
        assert response.status_code == 200 and messages_of(response)
        assert ApprovalEvent.objects.filter(request=approval, action=Action.URGE).count() == 1

    def test_comment_with_attachment_and_download(self, company, project, make_project):
        approval = submitted(company, project)
        upload = SimpleUploadedFile("合同.pdf", b"%PDF-1.4 contract", "application/pdf")
        response = client_for(company.pm).post(
            reverse("approvals:comment", args=[approval.pk]),
            {"comment": "合同见附件", "files": [upload]},
        )
        assert response.status_code == 302
        attachment = ApprovalAttachment.objects.get(event__request=approval)
        url = reverse("approvals:attachment", args=[approval.pk, attachment.pk])
        assert url in client_for(company.pmo_staff).get(detail(approval)).content.decode()
        response = client_for(company.pmo_staff).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.4 contract"
        assert "attachment" in response["Content-Disposition"]
        # under another request's id it is not found
        other = submitted(company, make_project(name="另一个项目"))
        bad = reverse("approvals:attachment", args=[other.pk, attachment.pk])
        assert client_for(company.pmo_staff).get(bad).status_code == 404

    def test_approve_with_a_file(self, company, project):
        approval = submitted(company, project)
        upload = SimpleUploadedFile("意见.txt", b"ok", "text/plain")
        client_for(company.pmo_staff).post(
            act(approval, pending_task(approval), "approve"), {"comment": "", "files": [upload]}
        )
        event = ApprovalEvent.objects.get(request=approval, action=Action.APPROVE)
        assert event.attachments.get().name == "意见.txt"

    def test_decision_taken_twice_is_a_message(self, company, project):
        approval = submitted(company, project)
        task = pending_task(approval)
        client = client_for(company.pmo_staff)
        client.post(act(approval, task, "approve"))
        response = client.post(act(approval, task, "approve"), follow=True)
        assert response.status_code == 200 and messages_of(response)

    def test_delegate_decides_on_behalf(self, company, project):
        today = timezone.localdate()
        delegation_create(
            actor=company.pmo_staff, delegate=company.member, starts_on=today, ends_on=today
        )
        approval = submitted(company, project)
        client = client_for(company.member)
        response = client.get(reverse("approvals:inbox"))
        assert response.context["rows"][0].on_behalf_of == company.pmo_staff
        assert 'data-testid="on-behalf"' in response.content.decode()
        page = client.get(detail(approval))
        assert page.context["task_forms"][0].on_behalf_of == company.pmo_staff
        approve_through_page(approval, company.member)
        event = ApprovalEvent.objects.get(request=approval, action=Action.APPROVE)
        assert event.actor == company.member and event.on_behalf_of == company.pmo_staff


# --- Who may not ---------------------------------------------------------------------------------


class TestRefusals:
    def test_stranger_gets_404_everywhere(self, company, project):
        approval = submitted(company, project)
        event = ApprovalEvent.objects.get(request=approval, action=Action.SUBMIT)
        attachment = ApprovalAttachment.objects.create(
            event=event, file=SimpleUploadedFile("a.txt", b"x"), name="a.txt", size=1
        )
        task = pending_task(approval)
        client = client_for(company.stranger)
        gets = [
            detail(approval),
            reverse("approvals:attachment", args=[approval.pk, attachment.pk]),
        ]
        for url in gets:
            assert client.get(url).status_code == 404, url
        posts = [act(approval, task, a) for a in ("approve", "reject", "return", "transfer")]
        posts += [
            act(approval, task, "add-before"),
            reverse("approvals:comment", args=[approval.pk]),
        ]
        posts += [
            reverse("approvals:request_action", args=[approval.pk, a])
            for a in ("withdraw", "resubmit", "urge")
        ]
        data = {"comment": "x", "user": company.head.pk}
        for url in posts:
            response = client.post(url, data)
            assert response.status_code == 404, url
            assert approval.title not in response.content.decode()
        assert ApprovalRequest.objects.get(pk=approval.pk).status == RequestStatus.PENDING
        assert ApprovalEvent.objects.filter(request=approval).count() == 1

    @pytest.mark.parametrize("who", ["pm", "pmo"])
    def test_viewer_who_is_not_the_approver_gets_403(self, company, project, who):
        approval = submitted(company, project)
        task = pending_task(approval)
        client = client_for(getattr(company, who))
        assert client.get(detail(approval)).status_code == 200
        data = {"comment": "x", "user": company.head.pk}
        for action in ("approve", "reject", "return", "transfer", "add-before"):
            response = client.post(act(approval, task, action), data)
            assert response.status_code == 403, action
        assert ApprovalTask.objects.get(pk=task.pk).status == TaskStatus.PENDING
        assert ApprovalRequest.objects.get(pk=approval.pk).status == RequestStatus.PENDING

    def test_only_the_submitter_withdraws_resubmits_urges(self, company, project):
        approval = submitted(company, project)
        client = client_for(company.pmo_staff)  # the approver: sees it, did not submit it
        for action in ("withdraw", "resubmit", "urge"):
            url = reverse("approvals:request_action", args=[approval.pk, action])
            assert client.post(url).status_code == 403, action
        assert ApprovalRequest.objects.get(pk=approval.pk).status == RequestStatus.PENDING

    def test_task_of_another_request_is_not_found(self, company, project, make_project):
        approval = submitted(company, project)
        other = submitted(company, make_project(name="另一个项目"))
        url = act(approval, pending_task(other), "approve")
        assert client_for(company.pmo_staff).post(url).status_code == 404
        assert pending_task(other).status == TaskStatus.PENDING


# --- Batch approve -------------------------------------------------------------------------------


class TestBatch:
    def test_batch_reports_what_cannot_be_approved_from_the_list(
        self, company, project, make_project
    ):
        # given the account manager has an initiation (to review on its own) and an
        # appointment (simple) waiting
        initiation = submitted(company, project)
        task_approve(actor=company.pmo_staff, task_id=pending_task(initiation).pk)
        commerce = pending_task(initiation, company.commerce)
        task_approve(actor=company.commerce, task_id=commerce.pk, form=answers_for(commerce))
        other = make_project(name="第二个项目")
        project_appoint_pm(actor=company.pmo, project=other, pm=company.member)
        appointment = ApprovalRequest.objects.get(
            subject_kind=APPOINTMENT_KIND, subject_id=other.pk, status=RequestStatus.PENDING
        )
        task_approve(actor=company.head, task_id=pending_task(appointment).pk)
        first = pending_task(initiation, company.am)
        second = pending_task(appointment, company.am)
        client = client_for(company.am)
        html = client.get(reverse("approvals:inbox")).content.decode()
        assert f'data-testid="select-{second.pk}"' in html
        assert f'data-testid="select-{first.pk}"' not in html
        # when both are posted
        response = client.post(
            reverse("approvals:batch_approve"),
            {"task": [first.pk, second.pk], "comment": "同意"},
            follow=True,
        )
        # then one is approved, the other is reported
        found = messages_of(response)
        assert len(found) == 2
        assert initiation.title in found[1]
        assert ApprovalTask.objects.get(pk=second.pk).status == TaskStatus.APPROVED
        assert ApprovalTask.objects.get(pk=first.pk).status == TaskStatus.PENDING

    def test_nothing_chosen(self, company):
        response = client_for(company.am).post(reverse("approvals:batch_approve"), follow=True)
        assert messages_of(response)


# --- Delegations ---------------------------------------------------------------------------------


class TestDelegations:
    def test_create_and_cancel(self, company):
        client = client_for(company.pm)
        today = timezone.localdate()
        data = {
            "delegate": company.member.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=5)).isoformat(),
            "note": "出差",
        }
        assert client.post(reverse("approvals:delegations"), data).status_code == 302
        delegation = Delegation.objects.get(user=company.pm)
        assert delegation.delegate == company.member
        html = client.get(reverse("approvals:delegations")).content.decode()
        assert "出差" in html
        # the delegate sees it but cannot cancel it
        html = client_for(company.member).get(reverse("approvals:delegations")).content.decode()
        assert "出差" in html and f"cancel-delegation-{delegation.pk}" not in html
        response = client_for(company.member).post(
            reverse("approvals:delegation_cancel", args=[delegation.pk])
        )
        assert response.status_code == 404
        client.post(reverse("approvals:delegation_cancel", args=[delegation.pk]))
        assert Delegation.objects.get(pk=delegation.pk).cancelled_at is not None

    def test_refused_delegation_keeps_the_form(self, company):
        today = timezone.localdate()
        data = {
            "delegate": company.pm.pk,
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
        }
        response = client_for(company.pm).post(reverse("approvals:delegations"), data)
        assert response.status_code == 400
        assert response.context["form"].non_field_errors()
        assert not Delegation.objects.exists()

    def test_pmo_admin_sets_one_for_someone_away(self, company):
        today = timezone.localdate()
        data = {
            "delegate": company.member.pk,
            "starts_on": today.isoformat(),
            "ends_on": today.isoformat(),
            "on_behalf": company.head.pk,
        }
        assert (
            client_for(company.pmo).post(reverse("approvals:delegations"), data).status_code == 302
        )
        assert Delegation.objects.get().user == company.head
        # a PM cannot (the field is not there: it is for themself)
        data["on_behalf"] = company.head.pk
        data["delegate"] = company.am.pk
        client_for(company.pm).post(reverse("approvals:delegations"), data)
        assert Delegation.objects.filter(user=company.pm).exists()


# --- Chain editor --------------------------------------------------------------------------------


def chain_post(chain: Chain, steps, **extra):
    version = chain.current_version
    data = {
        "name": chain.name,
        "name_en": chain.name_en,
        "description": chain.description,
        "is_active": "on" if chain.is_active else "",
        "self_approval": version.self_approval,
        "escalate_after_days": version.escalate_after_days,
        "note": "",
        "steps": json.dumps(steps, ensure_ascii=False),
        "cc": json.dumps(version.cc),
    }
    data.update(extra)
    return data


class TestChainEditor:
    def test_list_and_edit_render_for_pmo_admin(self, company):
        client = client_for(company.pmo)
        response = client.get(reverse("approvals:chains"))
        assert response.status_code == 200 and "立项审批" in response.content.decode()
        response = client.get(reverse("approvals:chain_edit", args=["initiation"]))
        html = response.content.decode()
        assert response.status_code == 200
        assert "chain-editor-data" in html and "contract_amount" in html
        assert response.context["editor"]["steps"][0]["name"] == "PMO审核"

    def test_a_chain_for_a_subject_still_to_come_opens(self, company, project):
        url = reverse("approvals:chain_edit", args=["weekly_report"])
        response = client_for(company.pmo).get(url, {"project": project.pk})
        assert response.status_code == 200
        assert response.context["preview_error"]  # nothing to preview it with yet

    @pytest.mark.parametrize("who", ["pmo_staff", "pm", "president"])
    def test_others_get_404(self, company, who):
        client = client_for(getattr(company, who))
        chain = Chain.objects.get(code="initiation")
        versions = ChainVersion.objects.filter(chain=chain).count()
        assert client.get(reverse("approvals:chains")).status_code == 404
        url = reverse("approvals:chain_edit", args=["initiation"])
        assert client.get(url).status_code == 404
        steps = [{"name": "x", "mode": "any", "due_days": 1, "approvers": [], "condition": ""}]
        assert client.post(url, chain_post(chain, steps)).status_code == 404
        assert ChainVersion.objects.filter(chain=chain).count() == versions

    def test_save_makes_a_version_and_running_requests_keep_theirs(self, company, project):
        running = submitted(company, project)
        chain = Chain.objects.get(code="initiation")
        old = chain.current_version
        steps = [
            {
                "name": "PMO审核",
                "mode": "any",
                "due_days": "1",
                "approvers": [
                    {
                        "kind": "org_role",
                        "role": "pmo_staff",
                        "of": "project",
                        "levels": 0,
                        "user_ids": [],
                    },
                ],
                "condition": "",
            },
            {
                "name": "大额合同总裁审批",
                "mode": "sequence",
                "due_days": 2,
                "approvers": [
                    {
                        "kind": "department_head",
                        "role": "",
                        "of": "project",
                        "levels": "0",
                        "user_ids": [],
                    },
                    {
                        "kind": "users",
                        "role": "",
                        "of": "project",
                        "levels": 0,
                        "user_ids": [str(company.president.pk)],
                    },
                ],
                "condition": '{"field": "contract_amount", "op": ">", "value": "1000000"}',
            },
        ]
        url = reverse("approvals:chain_edit", args=["initiation"])
        response = client_for(company.pmo).post(url, chain_post(chain, steps, note="简化"))
        assert response.status_code == 302, response.content.decode()[:2000]
        chain.refresh_from_db()
        new = chain.current_version
        assert new.number == old.number + 1 and new.created_by == company.pmo
        assert new.steps[1]["approvers"] == [
            {"kind": "department_head", "of": "project", "levels": 0},
            {"kind": "users", "user_ids": [company.president.pk]},
        ]
        assert new.steps[1]["condition"] == {
            "field": "contract_amount",
            "op": ">",
            "value": "1000000",
        }
        running.refresh_from_db()
        assert running.version == old
        html = client_for(company.pmo).get(url).content.decode()
        assert f"v{new.number}" in html and "简化" in html

    def test_bad_steps_are_refused_and_kept(self, company):
        chain = Chain.objects.get(code="initiation")
        versions = ChainVersion.objects.filter(chain=chain).count()
        steps = [
            {
                "name": "没有审批人的步骤",
                "mode": "any",
                "due_days": 1,
                "approvers": [],
                "condition": "",
            },
            {
                "name": "条件错误",
                "mode": "any",
                "due_days": 1,
                "approvers": [{"kind": "org_role", "role": "finance"}],
                "condition": '{"field": "nonsense", "op": ">", "value": "1"}',
            },
        ]
        url = reverse("approvals:chain_edit", args=["initiation"])
        response = client_for(company.pmo).post(url, chain_post(chain, steps))
        assert response.status_code == 400
        problems = response.context["problems"]
        assert len(problems) == 2
        assert any("nonsense" in p for p in problems)
        assert response.context["editor"]["steps"][0]["name"] == "没有审批人的步骤"
        assert 'data-testid="chain-problems"' in response.content.decode()
        assert ChainVersion.objects.filter(chain=chain).count() == versions

    def test_condition_that_is_not_json_is_refused(self, company):
        chain = Chain.objects.get(code="initiation")
        versions = ChainVersion.objects.filter(chain=chain).count()
        steps = [
            {
                "name": "PMO审核",
                "mode": "any",
                "due_days": 1,
                "approvers": [{"kind": "org_role", "role": "pmo_staff"}],
                "condition": "amount > 5",
            },
        ]
        url = reverse("approvals:chain_edit", args=["initiation"])
        response = client_for(company.pmo).post(url, chain_post(chain, steps))
        assert response.status_code == 400
        assert response.context["editor"]["steps"][0]["condition"] == "amount > 5"
        assert ChainVersion.objects.filter(chain=chain).count() == versions

    def test_preview_shows_resolved_names(self, company, project):
        url = reverse("approvals:chain_edit", args=["implementation_plan"])
        response = client_for(company.pmo).get(url, {"project": project.pk})
        html = response.content.decode()
        assert response.status_code == 200
        preview = response.context["preview"]
        assert preview[0].skipped  # only for sub-projects
        assert "pmostaff" in html and "head" in html and "president" in html
        # with the head as submitter, escalation replaces them
        response = client_for(company.pmo).get(
            url, {"project": project.pk, "submitter": company.head.pk}
        )
        assert response.context["preview"][1].approvers

    def test_preview_error_is_shown(self, company, project):
        from epm.core.models import OrgRoleAssignment

        OrgRoleAssignment.objects.filter(role="quality").delete()
        url = reverse("approvals:chain_edit", args=["implementation_plan"])
        response = client_for(company.pmo).get(url, {"project": project.pk})
        assert 'data-testid="preview-step-error"' in response.content.decode()


# --- The project page ----------------------------------------------------------------------------


class TestProjectPage:
    def test_gated_transition_is_a_request_and_shows_in_approval(self, company, project, walk):
        project = walk(project, "submit", "approve_initiation")
        assert project.status == Status.APPROVED
        client = client_for(company.pm)
        html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
        assert 'data-testid="transition-suspend"' in html
        response = client.post(
            reverse("projects:transition", args=[project.pk]),
            {"code": "suspend", "reason": "客户暂停"},
            follow=True,
        )
        approval = ApprovalRequest.objects.get(project=project, chain__code="suspension")
        assert response.redirect_chain[-1][0] == detail(approval)
        assert messages_of(response) == [said(company.pm, "Sent for approval.")]
        project.refresh_from_db()
        assert project.status == Status.APPROVED  # not yet
        html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
        assert 'data-testid="in-approval-suspend"' in html
        assert 'data-testid="transition-suspend"' not in html
        assert approval.title in html  # the Approvals card

    def test_submit_starts_the_initiation_approval(self, company, project):
        response = client_for(company.pm).post(
            reverse("projects:transition", args=[project.pk]), {"code": "submit"}
        )
        assert response["Location"] == reverse("projects:detail", args=[project.pk])
        html = (
            client_for(company.pmo)
            .get(reverse("projects:detail", args=[project.pk]))
            .content.decode()
        )
        assert 'data-testid="in-approval-approve_initiation"' in html

    def test_appointment_goes_to_approval(self, company, project):
        client = client_for(company.pmo)
        html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
        assert 'data-testid="appoint"' in html
        response = client.post(
            reverse("projects:appoint", args=[project.pk]), {"pm": company.member.pk}
        )
        approval = ApprovalRequest.objects.get(
            subject_kind=APPOINTMENT_KIND, subject_id=project.pk, status=RequestStatus.PENDING
        )
        assert response["Location"] == detail(approval)
        project.refresh_from_db()
        assert project.pm == company.pm  # until approved
        html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
        assert 'data-testid="in-approval-appoint_pm"' in html
