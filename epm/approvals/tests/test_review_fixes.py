"""Rules found in review: who owns a resubmitted request, who may resubmit, who may read a
project's approvals, delegations an administrator sets, and where an escalation lands."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from epm.approvals import selectors, services
from epm.approvals.models import ApprovalRequest, ApprovalTask, RequestStatus, TaskStatus
from epm.core.errors import ApplicationError, NotFound, PermissionDenied
from epm.core.models import Notification
from epm.core.services import department_update
from epm.projects.models import ProjectRole
from epm.projects.services import project_appoint_pm, project_member_add, project_transition

pytestmark = pytest.mark.django_db


def pending(request: ApprovalRequest) -> list[ApprovalTask]:
    return list(
        ApprovalTask.objects.filter(request=request, status=TaskStatus.PENDING).select_related(
            "assignee"
        )
    )


def suspension(company, walk, project) -> ApprovalRequest:
    project = walk(project, "submit", "approve_initiation")
    project_transition(actor=company.pm, project=project, code="suspend", reason="客户资金未到位")
    return ApprovalRequest.objects.get(project=project, chain__code="suspension")


def returned(request: ApprovalRequest, company) -> ApprovalRequest:
    (task,) = pending(request)
    services.task_return(actor=task.assignee, task_id=task.pk, comment="请补充暂停期限")
    request.refresh_from_db()
    assert request.status == RequestStatus.RETURNED
    return request


def test_whoever_resubmits_owns_the_request_and_cannot_approve_it(company, walk, project):
    # given the PM's suspension, returned by PMO staff
    request = returned(suspension(company, walk, project), company)
    # when PMO staff ask for the suspension themselves
    project_transition(
        actor=company.pmo_staff, project=project, code="suspend", reason="暂停三个月"
    )
    request.refresh_from_db()
    # then the same request runs again, now theirs, and its PMO step is not theirs to decide
    assert (request.status, request.round, request.submitter) == (
        RequestStatus.PENDING,
        2,
        company.pmo_staff,
    )
    assert company.pmo_staff not in {t.assignee for t in pending(request)}
    assert request.payload["reason"] == "暂停三个月"


def test_someone_who_may_no_longer_ask_cannot_resubmit(company, walk, project, make_user):
    # given the PM's returned suspension, and the PM replaced meanwhile
    request = returned(suspension(company, walk, project), company)
    successor = make_user("successor", department=company.tech)
    project_appoint_pm(actor=company.pmo, project=project, pm=successor)
    appointment = ApprovalRequest.objects.get(
        project=project, chain__code="pm_appointment", status=RequestStatus.PENDING
    )
    for _ in range(5):
        for task in pending(appointment):
            services.task_approve(actor=task.assignee, task_id=task.pk)
    project.refresh_from_db()
    assert project.pm == successor
    # when the former PM resubmits from the approval page, they are refused
    with pytest.raises(PermissionDenied):
        services.request_resubmit(actor=company.pm, request_id=request.pk)
    request.refresh_from_db()
    assert (request.status, request.round) == (RequestStatus.RETURNED, 1)


def test_a_returned_appointment_takes_the_new_nominee_into_its_title(company, make_project):
    project = make_project(appoint=False)
    project_appoint_pm(actor=company.pmo_staff, project=project, pm=company.member)
    request = ApprovalRequest.objects.get(project=project)
    returned(request, company)
    project_appoint_pm(actor=company.pmo_staff, project=project, pm=company.pm)
    request.refresh_from_db()
    assert request.payload["pm"] == company.pm.pk
    assert "王经理" in request.title and "member" not in request.title


def test_team_members_see_the_project_but_not_its_approvals(company, walk, project):
    request = suspension(company, walk, project)
    project_member_add(
        actor=company.pm, project=project, user=company.member, role=ProjectRole.DEVELOPER
    )
    with pytest.raises(NotFound):
        selectors.access_request(company.member, request.pk)
    # the account manager and the head of the department do see them
    assert selectors.access_request(company.am, request.pk) == request
    assert selectors.access_request(company.head, request.pk) == request


def test_an_administrator_cannot_make_themself_someone_elses_delegate(
    company, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as exc:
        services.delegation_create(
            actor=company.pmo,
            user=company.president,
            delegate=company.pmo,
            starts_on=today,
            ends_on=today,
        )
    assert exc.value.code == "self_delegate"
    # setting another delegate for someone away tells them too
    with django_capture_on_commit_callbacks(execute=True):
        services.delegation_create(
            actor=company.pmo,
            user=company.president,
            delegate=company.head,
            starts_on=today,
            ends_on=today + dt.timedelta(days=3),
        )
    kinds = set(
        Notification.objects.filter(recipient=company.president).values_list("kind", flat=True)
    )
    assert "approval.delegation_set" in kinds
    note = Notification.objects.get(recipient=company.president, kind="approval.delegation_set")
    assert note.url == reverse("approvals:delegations")


def test_an_escalation_never_lands_on_the_submitter(company, walk, project):
    # given the head of 软件开发部 asks, and the president (the company's head) is the approver
    request = suspension(company, walk, project)
    (task,) = pending(request)
    department_update(actor=company.admin, department=company.root, head=company.pm)
    ApprovalTask.objects.filter(pk=task.pk).update(assignee=company.head)
    task.refresh_from_db()
    # when nobody but the submitter stands above the approver, nobody is escalated to
    assert services._escalation_head(task) is None


def test_the_pmo_cannot_bypass_a_running_initiation_approval(company, project):
    project_transition(actor=company.pm, project=project, code="submit")
    with pytest.raises(ApplicationError) as exc:
        project_transition(
            actor=company.pmo, project=project, code="reject_initiation", reason="材料不全"
        )
    assert exc.value.code == "in_approval"
    request = ApprovalRequest.objects.get(project=project, chain__code="initiation")
    assert request.status == RequestStatus.PENDING


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("！！", "！！"),
        ("（）.pdf", "（）.pdf"),
        ("../../etc/passwd", "passwd"),  # the upload itself keeps only the base name
        ("验收报告 v2.docx", "验收报告 v2.docx"),
    ],
)
def test_attachments_keep_their_name_but_not_as_a_path(company, walk, project, name, shown):
    from django.core.files.uploadedfile import SimpleUploadedFile

    request = suspension(company, walk, project)
    event = services.request_comment(
        actor=company.pm,
        request_id=request.pk,
        comment="附件",
        files=[SimpleUploadedFile(name, b"content")],
    )
    attachment = event.attachments.get()
    assert attachment.name == shown
    stored = attachment.file.name
    assert stored.startswith(f"approvals/{request.pk}/") and ".." not in stored
    assert attachment.file.read() == b"content"


def test_the_account_manager_is_copied_on_an_approved_cancellation(
    company, project, approve_all, django_capture_on_commit_callbacks
):
    from epm.approvals.selectors import Tab, inbox_requests

    with django_capture_on_commit_callbacks(execute=True):
        project_transition(actor=company.pmo, project=project, code="cancel", reason="合同终止")
        approve_all(project)
    request = ApprovalRequest.objects.get(project=project, chain__code="cancellation")
    assert request.status == RequestStatus.APPROVED
    assert list(inbox_requests(company.am, Tab.COPIED)) == [request]
    assert Notification.objects.filter(
        recipient=company.am, kind="approval.outcome", url__endswith=f"/approvals/{request.pk}/"
    ).exists()
