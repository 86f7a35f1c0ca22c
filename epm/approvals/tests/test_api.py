"""The approvals API (/api/v1/approvals): inbox, requests and every action, chains, delegations.

The shared company's default chains are used as shipped: initiation, version 2 (PMO staff →
commerce checks the purchase plan, a form → expert, finance and account manager countersign with
the review scores, a form → president), PM appointment (technical head → account manager → PMO
administrator), implementation plan (countersign of five).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import answers_for, submit_plan
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
from epm.approvals.services import chain_save, delegation_create, task_approve
from epm.core.models import OrgRole
from epm.core.services import api_token_create
from epm.planning.plan_sections import SECTION_CODES
from epm.projects.models import Project, Status
from epm.projects.services import project_appoint_pm, project_transition

URL = "/api/v1/approvals"
PROJECTS = "/api/v1/projects"
MEMBER = "member"  # stands for company.member's id in parametrized bodies


def api_client(user) -> Client:
    _token, secret = api_token_create(user=user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def session_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send(client: Client, method: str, url: str, data=None):
    if method == "get":
        return client.get(url, data or {})
    body = data if isinstance(data, str) else json.dumps(data or {})
    return getattr(client, method)(url, data=body, content_type="application/json")


def assert_error(response, status: int, code: str | None = None) -> dict:
    """A JSON error in the API's one shape, with the expected status (and code)."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"message", "code", "detail"}
    assert body["message"] and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content[:1000]
    return response.json()


def task_of(request: ApprovalRequest, user) -> ApprovalTask:
    return ApprovalTask.objects.get(request=request, assignee=user, status=TaskStatus.PENDING)


def snapshot(request: ApprovalRequest) -> tuple:
    """Everything an action could change about a request and its project."""
    request.refresh_from_db()
    tasks = list(
        ApprovalTask.objects.filter(request=request)
        .order_by("pk")
        .values_list("pk", "status", "assignee_id", "decided_by_id", "waits_for_id")
    )
    project = Project.objects.get(pk=request.project_id)
    return (
        request.status,
        request.round,
        request.last_urged_at,
        tasks,
        ApprovalEvent.objects.filter(request=request).count(),
        project.status,
        project.pm_id,
    )


def body_for(data: dict | None, company) -> dict | None:
    if data is None:
        return None
    return {k: (getattr(company, v).pk if v == MEMBER else v) for k, v in data.items()}


@pytest.fixture
def initiation(company, project) -> ApprovalRequest:
    """The PM has submitted the project: its initiation approval waits for the PMO staff."""
    project_transition(actor=company.pm, project=project, code="submit")
    return ApprovalRequest.objects.get(project=project, chain__code="initiation")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def answers_from(form: dict | None) -> dict | None:
    """Answers to a step form as `my_tasks[].form` describes it: a score of 4, every check
    confirmed, text filled in."""
    if form is None:
        return None
    values = {"score": 4, "check": True, "text": "同意"}
    return {field["name"]: values[field["kind"]] for field in form["fields"]}


def approve_in_inbox(client: Client, request_id: int, *, comment: str = "同意") -> dict:
    """Find the caller's task for the request in their inbox and approve it, filling in the
    step's form when the request's page says the task asks for one."""
    inbox = ok(client.get(f"{URL}/inbox", {"tab": "waiting"}))
    mine = [item for item in inbox["items"] if item["request_id"] == request_id]
    assert len(mine) == 1, inbox
    detail = ok(client.get(f"{URL}/requests/{request_id}"))
    [task] = [t for t in detail["my_tasks"] if t["id"] == mine[0]["id"]]
    body: dict = {"comment": comment}
    if task["form"] is not None:
        body["form"] = answers_from(task["form"])
    return ok(send(client, "post", f"{URL}/tasks/{mine[0]['id']}/approve", body))


def approve_task(user, request: ApprovalRequest) -> ApprovalRequest:
    """`user` approves their pending task through the service, answering its step's form."""
    task = task_of(request, user)
    return task_approve(actor=user, task_id=task.pk, form=answers_for(task))


@pytest.mark.django_db
class TestWholeChains:
    def _sign(self, company, request_id: int, approvers: list[str]) -> dict:
        """Each approver signs in as themself (a session for some, a token for others)."""
        detail = {}
        for index, name in enumerate(approvers):
            user = getattr(company, name)
            client = session_client(user) if index % 2 else api_client(user)
            detail = approve_in_inbox(client, request_id, comment=f"{name} 同意")
        assert not ApprovalTask.objects.filter(
            request_id=request_id, status__in=[TaskStatus.PENDING, TaskStatus.WAITING]
        ).exists()
        return detail

    def test_a_project_goes_from_draft_to_executing_through_the_api(self, company, project):
        pm = api_client(company.pm)

        # when the PM submits, the project is in review and its initiation approval is open
        body = ok(send(pm, "post", f"{PROJECTS}/{project.pk}/transitions/submit"))
        assert body["status"] == Status.INITIATION_REVIEW
        [approval] = body["open_approvals"]
        assert approval["chain"] == "initiation" and approval["status"] == "pending"

        # then each approver decides in turn, and the last decision approves the project
        detail = self._sign(
            company,
            approval["id"],
            ["pmo_staff", "commerce", "expert", "finance", "am", "president"],
        )
        assert detail["status"] == RequestStatus.APPROVED
        assert [e["actor"]["username"] for e in detail["events"] if e["action"] == "approve"] == [
            "pmostaff",
            "commerce",
            "expert",
            "finance",
            "am",
            "president",
        ]
        body = ok(pm.get(f"{PROJECTS}/{project.pk}"))
        assert body["status"] == Status.APPROVED and body["open_approvals"] == []

        # planning needs no approval; execution starts when its plan is approved (R4)
        ok(send(pm, "post", f"{PROJECTS}/{project.pk}/transitions/start_planning"))
        plan_url = f"/api/v1/planning/projects/{project.pk}/plan"
        sections = dict.fromkeys(SECTION_CODES, "按合同约定的范围组织实施。")
        ok(send(pm, "put", plan_url, {"sections": sections}))
        ok(send(pm, "post", f"{plan_url}/submit", {}))
        body = ok(pm.get(f"{PROJECTS}/{project.pk}"))
        assert body["status"] == Status.PLANNING
        [plan] = body["open_approvals"]
        assert plan["chain"] == "implementation_plan"

        self._sign(company, plan["id"], ["pmo_staff", "quality", "head", "commerce", "president"])

        body = ok(pm.get(f"{PROJECTS}/{project.pk}"))
        assert body["status"] == Status.EXECUTING and body["open_approvals"] == []
        plan_detail = ok(pm.get(f"{URL}/requests/{plan['id']}"))
        assert plan_detail["rounds"][0]["steps"][0]["status"] == "skipped"  # not a sub-project

    def test_a_pm_is_appointed_when_the_appointment_is_approved(self, company, make_project):
        draft = make_project(appoint=False)
        pmo = api_client(company.pmo)

        body = ok(send(pmo, "post", f"{PROJECTS}/{draft.pk}/appoint-pm", {"pm_id": company.pm.pk}))

        assert body["pm"] is None and body["number"] is None  # nothing happens before approval
        [approval] = body["open_approvals"]
        assert approval["chain"] == "pm_appointment"
        # the PMO administrator asked, so their own step is skipped (the chain's policy)
        self._sign(company, approval["id"], ["head", "am"])
        body = ok(pmo.get(f"{PROJECTS}/{draft.pk}"))
        assert body["pm"]["id"] == company.pm.pk
        assert body["number"] and body["open_approvals"] == []


@pytest.mark.django_db
class TestInbox:
    def test_waiting_lists_the_callers_tasks(self, company, initiation):
        body = ok(api_client(company.pmo_staff).get(f"{URL}/inbox"))

        assert body["tab"] == "waiting" and body["count"] == 1
        assert body["counts"]["waiting"] == 1
        [item] = body["items"]
        task = task_of(initiation, company.pmo_staff)
        assert item["id"] == task.pk and item["request_id"] == initiation.pk
        assert item["title"] == initiation.title
        assert item["step"] == "PMO审核"
        assert item["chain"]["code"] == "initiation"
        assert item["assignee"]["id"] == company.pmo_staff.pk
        assert item["on_behalf_of"] is None
        assert item["submitter"]["id"] == company.pm.pk
        assert item["project"]["id"] == initiation.project_id
        assert item["due_at"] is not None
        assert item["batchable"] is False  # an initiation is read on its own page
        # the countersign has not started: its approvers have nothing waiting yet
        assert ok(api_client(company.expert).get(f"{URL}/inbox"))["items"] == []

    def test_started_done_and_copied(self, company, project):
        version = Chain.objects.get(code="initiation").current_version
        chain_save(
            actor=company.pmo,
            code="initiation",
            name="立项审批",
            steps=version.steps,
            cc=[{"kind": "org_role", "role": "quality"}],
        )
        project_transition(actor=company.pm, project=project, code="submit")
        request = ApprovalRequest.objects.get(project=project, chain__code="initiation")
        task_approve(actor=company.pmo_staff, task_id=task_of(request, company.pmo_staff).pk)

        def tab(user, name) -> list[int]:
            body = ok(api_client(user).get(f"{URL}/inbox", {"tab": name}))
            assert body["tab"] == name
            return [item["id"] for item in body["items"]]

        assert tab(company.pm, "started") == [request.pk]
        assert tab(company.pmo_staff, "done") == [request.pk]
        assert tab(company.quality, "copied") == [request.pk]
        assert tab(company.pmo_staff, "started") == []
        assert tab(company.pm, "done") == []
        assert tab(company.pm, "copied") == []
        row = ok(api_client(company.pm).get(f"{URL}/inbox", {"tab": "started"}))["items"][0]
        assert row["status"] == "pending" and row["chain"]["code"] == "initiation"

    @pytest.mark.parametrize(
        "params, status, code",
        [
            ({"tab": "mine"}, 422, "validation_error"),
            ({"page": 0}, 400, "invalid_page"),
            ({"page": 2}, 400, "invalid_page"),
            ({"page_size": 201}, 400, "invalid_page"),
            ({"tab": "started", "page": "x"}, 422, "validation_error"),
        ],
    )
    def test_bad_queries(self, company, params, status, code):
        assert_error(api_client(company.pm).get(f"{URL}/inbox", params), status, code)

    def test_query_count_does_not_grow_with_the_list(self, company, make_project):
        client = api_client(company.pmo_staff)
        client.get(f"{URL}/inbox")  # the first call stamps the token's last use

        def submit(n):
            for i in range(n):
                project = make_project(name=f"项目{i}")
                project_transition(actor=company.pm, project=project, code="submit")

        submit(1)
        with CaptureQueriesContext(connection) as one:
            assert ok(client.get(f"{URL}/inbox"))["count"] == 1
        submit(4)
        with CaptureQueriesContext(connection) as five:
            assert ok(client.get(f"{URL}/inbox"))["count"] == 5

        assert len(five) == len(one), [q["sql"] for q in five.captured_queries]

    def test_without_credentials_is_a_401(self, company):
        assert_error(Client().get(f"{URL}/inbox"), 401, "not_authenticated")


@pytest.mark.django_db
class TestRequestDetail:
    def test_an_approver_sees_the_request_and_their_task(self, company, initiation):
        body = ok(api_client(company.pmo_staff).get(f"{URL}/requests/{initiation.pk}"))

        assert body["id"] == initiation.pk and body["status"] == "pending"
        assert body["chain"] == {"code": "initiation", "name": "立项审批"}
        assert body["version"] == 2 and body["round"] == 1
        assert body["submitter"]["id"] == company.pm.pk
        assert body["subject_url"] == f"/projects/{initiation.project_id}/initiation/"
        assert "某市交通局" in [line["value"] for line in body["summary"]]
        [round_one] = body["rounds"]
        assert [s["name"] for s in round_one["steps"]] == [
            "PMO审核",
            "商务部采购计划审核",
            "立项评审会会签",
            "总裁审批",
        ]
        assert [s["status"] for s in round_one["steps"]] == [
            "active",
            "waiting",
            "waiting",
            "waiting",
        ]
        assert [s["form"] for s in round_one["steps"]] == [
            "",
            "purchase_review",
            "review_scores",
            "",
        ]
        assert [t["assignee"]["username"] for t in round_one["steps"][1]["tasks"]] == ["commerce"]
        countersign = round_one["steps"][2]["tasks"]
        assert {t["assignee"]["username"] for t in countersign} == {"expert", "finance", "am"}
        assert [e["action"] for e in body["events"]] == ["submit"]
        assert [t["id"] for t in body["my_tasks"]] == [task_of(initiation, company.pmo_staff).pk]
        assert body["my_tasks"][0]["form"] is None  # the PMO review asks for no form
        assert (body["can_withdraw"], body["can_resubmit"], body["can_urge"]) == (
            False,
            False,
            False,
        )

    def test_the_submitter_may_withdraw_and_urge(self, company, initiation):
        body = ok(api_client(company.pm).get(f"{URL}/requests/{initiation.pk}"))
        assert body["my_tasks"] == []
        assert (body["can_withdraw"], body["can_resubmit"], body["can_urge"]) == (True, False, True)

    def test_decisions_show_who_decided_when(self, company, initiation):
        task = task_of(initiation, company.pmo_staff)
        task_approve(actor=company.pmo_staff, task_id=task.pk, comment="材料齐全")

        body = ok(api_client(company.pm).get(f"{URL}/requests/{initiation.pk}"))

        decided = body["rounds"][0]["steps"][0]["tasks"][0]
        assert decided["status"] == "approved"
        assert decided["decided_by"]["id"] == company.pmo_staff.pk
        assert decided["decided_at"] and decided["comment"] == "材料齐全"
        approve = body["events"][-1]
        assert approve["action"] == "approve" and approve["comment"] == "材料齐全"
        assert approve["actor"]["id"] == company.pmo_staff.pk and approve["on_behalf_of"] is None

    @pytest.mark.parametrize("who", ["stranger", "other_head", "member"])
    def test_people_who_cannot_see_it_get_404(self, company, initiation, who):
        response = api_client(getattr(company, who)).get(f"{URL}/requests/{initiation.pk}")
        body = assert_error(response, 404, "not_found")
        assert body["detail"] is None
        assert initiation.title not in response.content.decode()

    @pytest.mark.parametrize("forged", ["99999", "0", "-1", "9" * 30])
    def test_forged_ids_are_a_404(self, company, initiation, forged):
        assert_error(api_client(company.pmo).get(f"{URL}/requests/{forged}"), 404, "not_found")

    def test_a_non_number_is_a_422(self, company):
        assert_error(api_client(company.pmo).get(f"{URL}/requests/abc"), 422)


# Every action on a task, with a body that would succeed for its approver.
TASK_ACTIONS = [
    ("approve", {"comment": "同意"}),
    ("reject", {"comment": "不同意"}),
    ("return", {"comment": "请补充合同"}),
    ("transfer", {"user": MEMBER, "comment": "请代为审核"}),
    ("add-before", {"user": MEMBER}),
]


@pytest.mark.django_db
class TestTaskActions:
    def test_approve_moves_the_request_on(self, company, initiation):
        task = task_of(initiation, company.pmo_staff)

        body = ok(
            send(
                api_client(company.pmo_staff),
                "post",
                f"{URL}/tasks/{task.pk}/approve",
                {"comment": "同意"},
            )
        )

        assert [s["status"] for s in body["rounds"][0]["steps"]] == [
            "approved",
            "active",
            "waiting",
            "waiting",
        ]
        assert body["my_tasks"] == []
        assert ok(api_client(company.commerce).get(f"{URL}/inbox"))["count"] == 1
        assert ok(api_client(company.expert).get(f"{URL}/inbox"))["count"] == 0

    def test_reject_ends_the_request_and_sends_the_project_back(self, company, initiation):
        task = task_of(initiation, company.pmo_staff)
        url = f"{URL}/tasks/{task.pk}/reject"

        body = ok(send(api_client(company.pmo_staff), "post", url, {"comment": "不符合立项条件"}))

        assert body["status"] == RequestStatus.REJECTED
        assert Project.objects.get(pk=initiation.project_id).status == Status.DRAFT

    def test_return_then_resubmit_starts_a_new_round(self, company, initiation):
        task = task_of(initiation, company.pmo_staff)
        url = f"{URL}/tasks/{task.pk}/return"
        body = ok(send(api_client(company.pmo_staff), "post", url, {"comment": "请补充合同"}))
        assert body["status"] == RequestStatus.RETURNED
        assert Project.objects.get(pk=initiation.project_id).status == Status.DRAFT

        pm = api_client(company.pm)
        detail = ok(pm.get(f"{URL}/requests/{initiation.pk}"))
        assert detail["can_resubmit"] is True
        body = ok(
            send(pm, "post", f"{URL}/requests/{initiation.pk}/resubmit", {"comment": "已补充"})
        )

        assert body["status"] == "pending" and body["round"] == 2
        assert [r["round"] for r in body["rounds"]] == [1, 2]
        assert [e["action"] for e in body["events"]] == ["submit", "return", "resubmit"]
        assert Project.objects.get(pk=initiation.project_id).status == Status.INITIATION_REVIEW
        assert ok(api_client(company.pmo_staff).get(f"{URL}/inbox"))["count"] == 1

    def test_transfer_hands_the_decision_over(self, company, initiation):
        task = task_of(initiation, company.pmo_staff)
        url = f"{URL}/tasks/{task.pk}/transfer"

        body = ok(send(api_client(company.pmo_staff), "post", url, {"user": company.member.pk}))

        first = body["rounds"][0]["steps"][0]["tasks"]
        assert [(t["assignee"]["username"], t["status"]) for t in first] == [
            ("pmostaff", "transferred"),
            ("member", "pending"),
        ]
        approve_in_inbox(api_client(company.member), initiation.pk)
        assert task_of(initiation, company.commerce)

    def test_add_before_waits_for_the_added_approver(self, company, initiation):
        staff = api_client(company.pmo_staff)
        task = task_of(initiation, company.pmo_staff)

        ok(send(staff, "post", f"{URL}/tasks/{task.pk}/add-before", {"user": company.member.pk}))

        response = send(staff, "post", f"{URL}/tasks/{task.pk}/approve")
        assert_error(response, 409, "not_your_turn")
        approve_in_inbox(api_client(company.member), initiation.pk)
        ok(send(staff, "post", f"{URL}/tasks/{task.pk}/approve"))
        assert task_of(initiation, company.commerce)

    def test_approve_with_add_after_asks_one_more(self, company, initiation):
        task = task_of(initiation, company.pmo_staff)
        url = f"{URL}/tasks/{task.pk}/approve"

        body = ok(
            send(api_client(company.pmo_staff), "post", url, {"add_after": company.member.pk})
        )

        assert body["rounds"][0]["steps"][0]["status"] == "active"
        assert "add_after" in [e["action"] for e in body["events"]]
        approve_in_inbox(api_client(company.member), initiation.pk)
        assert task_of(initiation, company.commerce)

    @pytest.mark.parametrize("action, data", TASK_ACTIONS)
    def test_a_stranger_gets_404_and_changes_nothing(self, company, initiation, action, data):
        task = task_of(initiation, company.pmo_staff)
        before = snapshot(initiation)

        response = send(
            api_client(company.stranger),
            "post",
            f"{URL}/tasks/{task.pk}/{action}",
            body_for(data, company),
        )

        body = assert_error(response, 404, "not_found")
        assert body["detail"] is None and initiation.title not in response.content.decode()
        assert snapshot(initiation) == before

    @pytest.mark.parametrize("who", ["head", "pm", "expert"])
    @pytest.mark.parametrize("action, data", TASK_ACTIONS)
    def test_someone_who_sees_it_but_is_not_the_approver_gets_403(
        self, company, initiation, action, data, who
    ):
        # the department head and the submitter see the request; the expert decides later
        task = task_of(initiation, company.pmo_staff)
        before = snapshot(initiation)

        response = send(
            api_client(getattr(company, who)),
            "post",
            f"{URL}/tasks/{task.pk}/{action}",
            body_for(data, company),
        )

        assert_error(response, 403, "permission_denied")
        assert snapshot(initiation) == before

    @pytest.mark.parametrize("action, data", TASK_ACTIONS)
    @pytest.mark.parametrize("forged", ["99999", "0", "-1", "9" * 30])
    def test_forged_task_ids_are_a_404(self, company, initiation, action, data, forged):
        response = send(
            api_client(company.pmo),
            "post",
            f"{URL}/tasks/{forged}/{action}",
            body_for(data, company),
        )
        assert_error(response, 404, "not_found")

    def test_a_double_approval_is_a_409_naming_who_decided(self, company, initiation):
        task = task_of(initiation, company.pmo_staff)
        url = f"{URL}/tasks/{task.pk}/approve"
        staff = api_client(company.pmo_staff)
        ok(send(staff, "post", url))
        before = snapshot(initiation)

        body = assert_error(send(staff, "post", url), 409, "already_decided")

        assert str(company.pmo_staff) in body["message"]
        assert snapshot(initiation) == before

    def test_the_second_approver_of_an_any_one_step_is_told_who_was_first(
        self, company, project, make_user
    ):
        # given two PMO staff, either of whom may pass the first step
        second = make_user("pmostaff2", roles=[OrgRole.PMO_STAFF], department=company.root)
        project_transition(actor=company.pm, project=project, code="submit")
        request = ApprovalRequest.objects.get(project=project, chain__code="initiation")
        late = task_of(request, second)
        ok(
            send(
                api_client(company.pmo_staff),
                "post",
                f"{URL}/tasks/{task_of(request, company.pmo_staff).pk}/approve",
            )
        )
        before = snapshot(request)

        response = send(api_client(second), "post", f"{URL}/tasks/{late.pk}/approve")

        body = assert_error(response, 409, "already_decided")
        assert str(company.pmo_staff) in body["message"]
        assert snapshot(request) == before

    @pytest.mark.parametrize(
        "action, data, status, code",
        [
            ("reject", {}, 400, "comment_required"),
            ("reject", {"comment": "   "}, 400, "comment_required"),
            ("return", {}, 400, "comment_required"),
            ("transfer", {"user": 99999}, 400, "invalid_reference"),
            ("transfer", {"user": "pmo_staff"}, 400, "same_user"),
            ("add-before", {"user": "pm"}, 400, "self_approval"),
            ("add-before", {"user": "expert"}, 200, None),  # a control: this one is fine
            ("approve", {"add_after": 99999}, 400, "invalid_reference"),
            ("approve", {"add_after": "pm"}, 400, "self_approval"),
            ("approve", {"add_after": "pmo_staff"}, 400, "same_user"),
            ("approve", {"comment": "x" * 4001}, 422, "validation_error"),
            ("approve", {"add_after": "member"}, 200, None),
            ("approve", {"add_after": 0}, 422, "validation_error"),
            ("transfer", {}, 422, "validation_error"),
            ("transfer", {"user": "someone"}, 422, "validation_error"),
            ("reject", {"comment": "坏\x00"}, 422, "nul_character"),
            ("approve", "{bad", 400, None),
        ],
    )
    def test_bad_bodies_change_nothing(self, company, initiation, action, data, status, code):
        task = task_of(initiation, company.pmo_staff)
        if isinstance(data, dict):
            data = {
                k: (getattr(company, v).pk if isinstance(v, str) and hasattr(company, v) else v)
                for k, v in data.items()
            }
        before = snapshot(initiation)

        response = send(
            api_client(company.pmo_staff), "post", f"{URL}/tasks/{task.pk}/{action}", data
        )

        if status == 200:
            assert response.status_code == 200, response.content
            return
        assert_error(response, status, code)
        assert snapshot(initiation) == before


def attachments_of(request: ApprovalRequest) -> list[str]:
    return list(
        ApprovalAttachment.objects.filter(event__request=request)
        .order_by("pk")
        .values_list("name", flat=True)
    )


@pytest.mark.django_db
class TestDecisionsWithAttachments:
    """approve, reject and return also take multipart/form-data: the same fields and `files`."""

    def test_approve_with_two_files(self, company, initiation, media):
        task = task_of(initiation, company.pmo_staff)
        files = [
            SimpleUploadedFile("评审意见.pdf", b"%PDF-1.4 review", content_type="application/pdf"),
            SimpleUploadedFile("notes.txt", b"looks fine", content_type="text/plain"),
        ]

        response = api_client(company.pmo_staff).post(
            f"{URL}/tasks/{task.pk}/approve", {"comment": "材料齐全", "files": files}
        )

        body = ok(response)
        assert [s["status"] for s in body["rounds"][0]["steps"]] == [
            "approved",
            "active",
            "waiting",
            "waiting",
        ]
        approve = body["events"][-1]
        assert approve["action"] == "approve" and approve["comment"] == "材料齐全"
        assert [a["name"] for a in approve["attachments"]] == ["评审意见.pdf", "notes.txt"]
        assert approve["attachments"][1]["size"] == len(b"looks fine")
        # the submitter sees them on the request and downloads them
        pm = api_client(company.pm)
        detail = ok(pm.get(f"{URL}/requests/{initiation.pk}"))
        event = next(e for e in detail["events"] if e["action"] == "approve")
        assert event["attachments"] == approve["attachments"]
        contents = [b"%PDF-1.4 review", b"looks fine"]
        for attachment, content in zip(event["attachments"], contents, strict=True):
            download = pm.get(attachment["url"])
            assert download.status_code == 200
            assert b"".join(download.streaming_content) == content
            assert download["Content-Type"] == "application/octet-stream"
        assert_error(api_client(company.stranger).get(event["attachments"][0]["url"]), 404)

    @pytest.mark.parametrize("add_after", ["member", ""])
    def test_approve_takes_add_after_as_a_form_field(self, company, initiation, media, add_after):
        task = task_of(initiation, company.pmo_staff)
        data = {"add_after": company.member.pk if add_after else "", "comment": "同意"}

        body = ok(api_client(company.pmo_staff).post(f"{URL}/tasks/{task.pk}/approve", data))

        # an empty field is one left out
        asked = [e["other"]["id"] for e in body["events"] if e["action"] == "add_after"]
        assert asked == ([company.member.pk] if add_after else [])

    @pytest.mark.parametrize(
        "action, status", [("reject", RequestStatus.REJECTED), ("return", RequestStatus.RETURNED)]
    )
    def test_reject_or_return_with_a_file(self, company, initiation, media, action, status):
        task = task_of(initiation, company.pmo_staff)
        data = {"comment": "合同缺页", "files": [SimpleUploadedFile("缺页.png", b"\x89PNG")]}

        body = ok(api_client(company.pmo_staff).post(f"{URL}/tasks/{task.pk}/{action}", data))

        assert body["status"] == status
        event = body["events"][-1]
        assert event["action"] == action and event["comment"] == "合同缺页"
        assert [a["name"] for a in event["attachments"]] == ["缺页.png"]
        download = api_client(company.pm).get(event["attachments"][0]["url"])
        assert b"".join(download.streaming_content) == b"\x89PNG"
        assert Project.objects.get(pk=initiation.project_id).status == Status.DRAFT

    @pytest.mark.parametrize("action", ["approve", "reject", "return"])
    def test_a_too_large_file_is_refused_and_changes_nothing(
        self, company, initiation, media, monkeypatch, action
    ):
        monkeypatch.setattr("epm.approvals.services.MAX_ATTACHMENT_BYTES", 10)
        task = task_of(initiation, company.pmo_staff)
        files = [SimpleUploadedFile("ok.txt", b"small"), SimpleUploadedFile("big.bin", b"x" * 11)]
        before = snapshot(initiation)

        response = api_client(company.pmo_staff).post(
            f"{URL}/tasks/{task.pk}/{action}", {"comment": "见附件", "files": files}
        )

        body = assert_error(response, 400, "file_too_large")
        assert "big.bin" in body["message"]
        assert snapshot(initiation) == before
        assert attachments_of(initiation) == []
        assert list(media.rglob("*.*")) == []

    @pytest.mark.parametrize("action", ["approve", "reject", "return"])
    @pytest.mark.parametrize("who", ["stranger", "other_head"])
    def test_a_stranger_gets_404_and_changes_nothing(self, company, initiation, media, action, who):
        task = task_of(initiation, company.pmo_staff)
        before = snapshot(initiation)

        response = api_client(getattr(company, who)).post(
            f"{URL}/tasks/{task.pk}/{action}",
            {"comment": "看看", "files": [SimpleUploadedFile("a.txt", b"hello")]},
        )

        body = assert_error(response, 404, "not_found")
        assert body["detail"] is None and initiation.title not in response.content.decode()
        assert snapshot(initiation) == before
        assert attachments_of(initiation) == []

    @pytest.mark.parametrize("action", ["approve", "reject", "return"])
    def test_the_404_comes_before_the_body_is_judged(self, company, initiation, action):
        # a stranger learns nothing from their input being refused, in either encoding
        task = task_of(initiation, company.pmo_staff)
        stranger = api_client(company.stranger)
        url = f"{URL}/tasks/{task.pk}/{action}"

        assert_error(stranger.post(url, {"comment": "x" * 4001}), 404, "not_found")
        assert_error(send(stranger, "post", url, {"comment": "x" * 4001}), 404, "not_found")
        assert_error(send(stranger, "post", url, "{bad"), 404, "not_found")

    @pytest.mark.parametrize(
        "action, data, status, code",
        [
            ("reject", {"files": [SimpleUploadedFile("a.txt", b"hi")]}, 400, "comment_required"),
            ("return", {"comment": "  "}, 400, "comment_required"),
            ("approve", {"comment": "x" * 4001}, 422, "validation_error"),
            ("approve", {"add_after": "someone"}, 422, "validation_error"),
            ("approve", {"add_after": "0"}, 422, "validation_error"),
            ("approve", {"add_after": 99999}, 400, "invalid_reference"),
            ("approve", {"add_after": "pmo_staff"}, 400, "same_user"),
            ("reject", {"comment": "坏\x00"}, 422, "nul_character"),
            (
                "approve",
                {"files": [SimpleUploadedFile(f"{n}.txt", b"x") for n in range(11)]},
                400,
                "too_many_files",
            ),
            ("approve", b"--no boundary--", 400, "http_error"),
        ],
    )
    def test_bad_forms_change_nothing(self, company, initiation, media, action, data, status, code):
        task = task_of(initiation, company.pmo_staff)
        url = f"{URL}/tasks/{task.pk}/{action}"
        staff = api_client(company.pmo_staff)
        before = snapshot(initiation)

        if isinstance(data, bytes):
            response = staff.post(url, data, content_type="multipart/form-data")
        else:
            if data.get("add_after") == "pmo_staff":
                data["add_after"] = company.pmo_staff.pk
            response = staff.post(url, data)

        body = assert_error(response, status, code)
        if code == "validation_error":
            assert body["detail"][0]["loc"][0] == "form"
        assert snapshot(initiation) == before
        assert attachments_of(initiation) == []

    def test_the_document_lists_both_encodings(self):
        from epm.api import api

        paths = api.get_openapi_schema()["paths"]
        for action, fields in [
            ("approve", {"comment", "add_after", "form"}),
            ("reject", {"comment"}),
            ("return", {"comment"}),
        ]:
            body = paths[f"{URL}/tasks/{{task_id}}/{action}"]["post"]["requestBody"]
            as_json = body["content"]["application/json"]["schema"]
            as_form = body["content"]["multipart/form-data"]["schema"]
            assert set(as_json["properties"]) == fields
            assert set(as_form["properties"]) == fields | {"files"}
            assert as_form["properties"]["files"]["items"]["format"] == "binary"
            assert as_form["properties"]["comment"]["maxLength"] == 4000


@pytest.mark.django_db
class TestRequestActions:
    def test_the_submitter_withdraws_before_any_decision(self, company, initiation):
        url = f"{URL}/requests/{initiation.pk}/withdraw"

        body = ok(send(api_client(company.pm), "post", url, {"comment": "再改改"}))

        assert body["status"] == RequestStatus.WITHDRAWN
        assert body["can_withdraw"] is False
        assert Project.objects.get(pk=initiation.project_id).status == Status.DRAFT
        assert ok(api_client(company.pmo_staff).get(f"{URL}/inbox"))["count"] == 0

    def test_withdrawing_after_a_decision_is_a_409(self, company, initiation):
        task_approve(actor=company.pmo_staff, task_id=task_of(initiation, company.pmo_staff).pk)
        before = snapshot(initiation)

        response = send(api_client(company.pm), "post", f"{URL}/requests/{initiation.pk}/withdraw")

        body = assert_error(response, 409, "already_decided")
        assert str(company.pmo_staff) in body["message"]
        assert snapshot(initiation) == before

    def test_urge_is_rate_limited(self, company, initiation):
        pm = api_client(company.pm)
        url = f"{URL}/requests/{initiation.pk}/urge"

        ok(send(pm, "post", url, {"comment": "请尽快"}))
        before = snapshot(initiation)
        assert_error(send(pm, "post", url), 429, "urge_too_soon")

        assert snapshot(initiation) == before
        assert ApprovalEvent.objects.filter(request=initiation, action=Action.URGE).count() == 1

    def test_resubmitting_what_was_not_returned_is_a_409(self, company, initiation):
        before = snapshot(initiation)
        response = send(api_client(company.pm), "post", f"{URL}/requests/{initiation.pk}/resubmit")
        assert_error(response, 409, "not_returned")
        assert snapshot(initiation) == before

    @pytest.mark.parametrize("action", ["withdraw", "resubmit", "urge", "comments"])
    def test_a_stranger_gets_404(self, company, initiation, action):
        before = snapshot(initiation)
        client = api_client(company.stranger)
        url = f"{URL}/requests/{initiation.pk}/{action}"
        if action == "comments":
            response = client.post(url, {"comment": "看看"})
        else:
            response = send(client, "post", url)
        body = assert_error(response, 404, "not_found")
        assert body["detail"] is None
        assert snapshot(initiation) == before

    @pytest.mark.parametrize("who", ["head", "pmo_staff", "pmo"])
    @pytest.mark.parametrize("action", ["withdraw", "resubmit", "urge"])
    def test_only_the_submitter_may_withdraw_resubmit_or_urge(
        self, company, initiation, action, who
    ):
        before = snapshot(initiation)
        response = send(
            api_client(getattr(company, who)), "post", f"{URL}/requests/{initiation.pk}/{action}"
        )
        assert_error(response, 403, "permission_denied")
        assert snapshot(initiation) == before

    @pytest.mark.parametrize("action", ["withdraw", "resubmit", "urge", "comments"])
    @pytest.mark.parametrize("forged", ["99999", "0", "-1", "9" * 30])
    def test_forged_request_ids_are_a_404(self, company, initiation, action, forged):
        response = send(api_client(company.pmo), "post", f"{URL}/requests/{forged}/{action}")
        assert_error(response, 404, "not_found")

    def test_comment_with_attachments_and_download(self, company, initiation, media):
        staff = api_client(company.pmo_staff)
        files = [
            SimpleUploadedFile("合同.pdf", b"%PDF-1.4 contract", content_type="application/pdf"),
            SimpleUploadedFile("page.html", b"<script>x</script>", content_type="text/html"),
        ]

        response = staff.post(
            f"{URL}/requests/{initiation.pk}/comments", {"comment": "见附件", "files": files}
        )

        event = ok(response, 201)
        assert event["action"] == "comment" and event["comment"] == "见附件"
        assert [a["name"] for a in event["attachments"]] == ["合同.pdf", "page.html"]
        pdf, html = event["attachments"]
        assert pdf["size"] == len(b"%PDF-1.4 contract")
        # the submitter sees it on the request and downloads it
        pm = api_client(company.pm)
        detail = ok(pm.get(f"{URL}/requests/{initiation.pk}"))
        assert detail["events"][-1]["attachments"][0]["url"] == pdf["url"]
        download = pm.get(pdf["url"])
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == b"%PDF-1.4 contract"
        assert download["Content-Disposition"].startswith("attachment")
        # an uploaded page is never served as a page
        served = pm.get(html["url"])
        assert served["Content-Type"] == "application/octet-stream"
        assert served["Content-Disposition"].startswith("attachment")
        # someone who cannot see the request cannot download it either
        assert_error(api_client(company.stranger).get(pdf["url"]), 404, "not_found")
        assert_error(pm.get(f"{URL}/attachments/99999"), 404, "not_found")

    def test_a_file_alone_is_a_comment_too(self, company, initiation, media):
        response = api_client(company.pm).post(
            f"{URL}/requests/{initiation.pk}/comments",
            {"files": [SimpleUploadedFile("a.txt", b"hello")]},
        )
        assert ok(response, 201)["comment"] == ""

    @pytest.mark.parametrize(
        "data, status, code",
        [
            ({}, 400, "comment_required"),
            ({"comment": "   "}, 400, "comment_required"),
            ({"comment": "x" * 4001}, 400, "comment_too_long"),
            ({"comment": "坏\x00"}, 422, "nul_character"),
        ],
    )
    def test_bad_comments_add_nothing(self, company, initiation, media, data, status, code):
        before = snapshot(initiation)
        response = api_client(company.pm).post(f"{URL}/requests/{initiation.pk}/comments", data)
        assert_error(response, status, code)
        assert snapshot(initiation) == before


@pytest.mark.django_db
class TestBatchApprove:
    def test_each_task_succeeds_or_fails_on_its_own(self, company, make_project, walk):
        # given the head with an appointment to confirm (simple), an implementation plan to
        # countersign (read on its own page), a decision already taken, and tasks not theirs
        draft = make_project(name="待任命", appoint=False)
        project_appoint_pm(actor=company.pmo, project=draft, pm=company.pm)
        appointment = ApprovalRequest.objects.get(project=draft, chain__code="pm_appointment")
        simple = task_of(appointment, company.head)
        planned = walk(
            make_project(name="计划中"), "submit", "approve_initiation", "start_planning"
        )
        submit_plan(planned, actor=company.pm)
        plan = ApprovalRequest.objects.get(project=planned, chain__code="implementation_plan")
        task_approve(actor=company.pmo_staff, task_id=task_of(plan, company.pmo_staff).pk)
        # (the countersign is one "all" step; the head's task there waits only for the head)
        plan_task = task_of(plan, company.head)
        other = make_project(name="另一个待任命", appoint=False)
        project_appoint_pm(actor=company.pmo, project=other, pm=company.member)
        other_request = ApprovalRequest.objects.get(project=other)
        decided = task_of(other_request, company.head)
        task_approve(actor=company.head, task_id=decided.pk)
        not_mine = task_of(other_request, company.am)  # the head sees it, but it is not theirs
        ids = [simple.pk, plan_task.pk, decided.pk, not_mine.pk, 99999]

        response = send(api_client(company.head), "post", f"{URL}/batch-approve", {"task_ids": ids})

        body = ok(response)
        assert body["approved"] == 1
        assert [(r["task_id"], r["ok"], r["code"]) for r in body["results"]] == [
            (simple.pk, True, "ok"),
            (plan_task.pk, False, "not_batchable"),
            (decided.pk, False, "already_decided"),
            (not_mine.pk, False, "permission_denied"),
            (99999, False, "not_found"),
        ]
        assert all(r["message"] for r in body["results"][1:])
        assert ApprovalTask.objects.get(pk=simple.pk).status == TaskStatus.APPROVED
        assert ApprovalTask.objects.get(pk=plan_task.pk).status == TaskStatus.PENDING
        assert ApprovalTask.objects.get(pk=not_mine.pk).status == TaskStatus.PENDING

    @pytest.mark.parametrize(
        "data", [{}, {"task_ids": []}, {"task_ids": [0]}, {"task_ids": list(range(1, 202))}]
    )
    def test_bad_bodies_are_refused(self, company, data):
        response = send(api_client(company.head), "post", f"{URL}/batch-approve", data)
        assert_error(response, 422, "validation_error")


VALID_STEPS = [
    {
        "name": "PMO审核",
        "mode": "any",
        "due_days": 2,
        "approvers": [{"kind": "org_role", "role": "pmo_staff"}],
    },
    {
        "name": "技术负责人",
        "mode": "all",
        "due_days": 1,
        "approvers": [{"kind": "department_head", "of": "project", "levels": 0}],
        "condition": {"field": "contract_amount", "op": ">", "value": "1000000"},
    },
]


def chain_body(**overrides) -> dict:
    body = {"name": "结项审批", "steps": VALID_STEPS}
    body.update(overrides)
    return body


@pytest.mark.django_db
class TestChains:
    def test_list_and_detail(self, company):
        pmo = api_client(company.pmo)

        chains = ok(pmo.get(f"{URL}/chains"))
        detail = ok(pmo.get(f"{URL}/chains/initiation"))

        assert {"initiation", "pm_appointment", "closure"} <= {c["code"] for c in chains}
        assert detail["version"] == 2 and detail["subject_kind"] == "project.transition"
        assert [s["name"] for s in detail["steps"]] == [
            "PMO审核",
            "商务部采购计划审核",
            "立项评审会会签",
            "总裁审批",
        ]
        assert [s.get("form") for s in detail["steps"]] == [
            None,
            "purchase_review",
            "review_scores",
            None,
        ]
        assert [v["number"] for v in detail["versions"]] == [2, 1]

    @pytest.mark.parametrize("who", ["pm", "pmo_staff", "head", "president"])
    def test_only_the_pmo_administrator_sees_and_edits_chains(self, company, who):
        client = api_client(getattr(company, who))
        versions = ChainVersion.objects.count()

        assert_error(client.get(f"{URL}/chains"), 403, "permission_denied")
        assert_error(client.get(f"{URL}/chains/closure"), 404, "not_found")
        assert_error(send(client, "put", f"{URL}/chains/closure", chain_body()), 404, "not_found")
        create = send(client, "post", f"{URL}/chains", chain_body(code="x", subject_kind="y"))
        assert_error(create, 403, "permission_denied")
        preview = client.get(f"{URL}/chains/closure/preview", {"project": 1})
        assert_error(preview, 404, "not_found")
        assert ChainVersion.objects.count() == versions

    def test_saving_makes_a_new_version_and_running_requests_keep_theirs(self, company, initiation):
        pmo = api_client(company.pmo)
        body = chain_body(name="立项审批", note="简化")

        saved = ok(send(pmo, "put", f"{URL}/chains/initiation", body))

        # version 2 is the shipped one with the step forms; the running request started on it
        assert saved["version"] == 3 and [v["number"] for v in saved["versions"]] == [3, 2, 1]
        assert saved["versions"][0]["created_by"]["id"] == company.pmo.pk
        assert saved["versions"][0]["note"] == "简化"
        assert saved["steps"][1]["condition"] == VALID_STEPS[1]["condition"]
        assert ok(pmo.get(f"{URL}/requests/{initiation.pk}"))["version"] == 2
        # saving the same steps again makes no new version
        assert ok(send(pmo, "put", f"{URL}/chains/initiation", body))["version"] == 3

    @pytest.mark.parametrize(
        "steps, problems",
        [
            ([], 0),
            (
                [
                    {
                        "name": "",
                        "mode": "any",
                        "approvers": [{"kind": "org_role", "role": "finance"}],
                    }
                ],
                1,
            ),
            (
                [
                    {
                        "name": "x",
                        "mode": "maybe",
                        "approvers": [{"kind": "org_role", "role": "finance"}],
                    }
                ],
                1,
            ),
            ([{"name": "x", "mode": "any", "approvers": []}], 1),
            ([{"name": "x", "mode": "any", "approvers": [{"kind": "boss"}]}], 1),
            (
                [{"name": "x", "mode": "any", "approvers": [{"kind": "org_role", "role": "king"}]}],
                1,
            ),
            (
                [
                    {
                        "name": "x",
                        "mode": "any",
                        "due_days": -1,
                        "approvers": [{"kind": "users", "user_ids": [1]}],
                    }
                ],
                1,
            ),
            ([{"name": "x", "mode": "any", "approvers": [{"kind": "users", "user_ids": []}]}], 1),
            (
                [
                    {
                        "name": "x",
                        "mode": "any",
                        "approvers": [{"kind": "org_role", "role": "finance"}],
                        "condition": {"field": "weather", "op": "==", "value": "sunny"},
                    }
                ],
                1,
            ),
            (["not a step", {"name": "", "mode": "?", "approvers": []}], 4),
        ],
    )
    def test_bad_steps_are_a_400_listing_the_problems(self, company, steps, problems):
        pmo = api_client(company.pmo)
        versions = list(ChainVersion.objects.values_list("pk", flat=True))

        response = send(pmo, "put", f"{URL}/chains/closure", chain_body(steps=steps))

        body = assert_error(response, 400, "invalid_chain")
        if problems:
            assert isinstance(body["detail"], list) and len(body["detail"]) == problems
        assert list(ChainVersion.objects.values_list("pk", flat=True)) == versions
        assert ok(pmo.get(f"{URL}/chains/closure"))["version"] == 1

    @pytest.mark.parametrize(
        "overrides, status, code",
        [
            ({"name": "  "}, 400, "name_required"),
            ({"self_approval": "sometimes"}, 400, "invalid_chain"),
            ({"escalate_after_days": 31}, 422, "validation_error"),
            ({"cc": [{"kind": "nobody"}]}, 400, "invalid_approver_rule"),
            ({"steps": "PMO审核"}, 422, "validation_error"),
            ({"name": None}, 422, "validation_error"),
        ],
    )
    def test_bad_settings_make_no_version(self, company, overrides, status, code):
        versions = ChainVersion.objects.count()
        response = send(
            api_client(company.pmo), "put", f"{URL}/chains/closure", chain_body(**overrides)
        )
        assert_error(response, status, code)
        assert ChainVersion.objects.count() == versions

    def test_create(self, company):
        pmo = api_client(company.pmo)
        body = chain_body(code="site-visit", subject_kind="project.transition", name="现场检查")

        created = ok(send(pmo, "post", f"{URL}/chains", body), 201)

        assert created["code"] == "site-visit" and created["version"] == 1
        assert Chain.objects.get(code="site-visit").current_version.number == 1
        again = send(pmo, "post", f"{URL}/chains", body)
        assert_error(again, 409, "chain_exists")
        bad = send(pmo, "post", f"{URL}/chains", {**body, "code": "Site Visit"})
        assert_error(bad, 400, "invalid_code")
        assert Chain.objects.filter(name="现场检查").count() == 1

    @pytest.mark.parametrize("code", ["nope", "a" * 61, "坏", "x%00y"])
    def test_unknown_chain_codes_are_a_404(self, company, code):
        assert_error(api_client(company.pmo).get(f"{URL}/chains/{code}"), 404, "not_found")

    def test_preview_names_who_would_approve(self, company, project):
        pmo = api_client(company.pmo)

        steps = ok(pmo.get(f"{URL}/chains/initiation/preview", {"project": project.pk}))

        assert [s["name"] for s in steps] == [
            "PMO审核",
            "商务部采购计划审核",
            "立项评审会会签",
            "总裁审批",
        ]
        assert [[a["username"] for a in s["approvers"]] for s in steps] == [
            ["pmostaff"],
            ["commerce"],
            ["expert", "finance", "am"],
            ["president"],
        ]
        assert not any(s["skipped"] or s["error"] for s in steps)

    def test_preview_shows_skipped_steps_and_errors(self, company, project):
        pmo = api_client(company.pmo)
        plan = ok(pmo.get(f"{URL}/chains/implementation_plan/preview", {"project": project.pk}))
        assert plan[0]["skipped"] is True and plan[0]["skip_reason"]
        assert plan[0]["approvers"] == []

        steps = [
            {
                "name": "高层",
                "mode": "any",
                "approvers": [{"kind": "department_head", "levels": 5}],
            },
            VALID_STEPS[0],
        ]
        ok(send(pmo, "put", f"{URL}/chains/closure", chain_body(steps=steps)))
        preview = ok(pmo.get(f"{URL}/chains/closure/preview", {"project": project.pk}))
        assert preview[0]["error"] and preview[0]["error_code"] == "no_approver"
        assert preview[0]["approvers"] == []
        assert preview[1]["error"] is None

    def test_preview_for_a_submitter_applies_the_self_approval_policy(self, company, project):
        # the PMO staff asking: their own step goes to the head above them (escalate)
        company.root.head = company.president
        company.root.save()
        response = api_client(company.pmo).get(
            f"{URL}/chains/initiation/preview",
            {"project": project.pk, "submitter": company.pmo_staff.pk},
        )
        first = ok(response)[0]
        assert [a["username"] for a in first["approvers"]] == ["president"]

    @pytest.mark.parametrize(
        "params, status, code",
        [
            ({}, 422, "validation_error"),
            ({"project": 99999}, 400, "invalid_reference"),
            ({"project": 0}, 422, "validation_error"),
            ({"project": "PROJECT", "submitter": 99999}, 400, "invalid_reference"),
        ],
    )
    def test_preview_bad_queries(self, company, project, params, status, code):
        params = {k: (project.pk if v == "PROJECT" else v) for k, v in params.items()}
        response = api_client(company.pmo).get(f"{URL}/chains/initiation/preview", params)
        assert_error(response, status, code)


@pytest.mark.django_db
class TestDelegations:
    def _delegate(self, company, **overrides) -> dict:
        today = timezone.localdate()
        body = {
            "delegate": company.member.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=7)).isoformat(),
            "note": "出差",
        }
        body.update(overrides)
        return body

    def test_a_delegate_approves_on_behalf(self, company, initiation):
        created = ok(
            send(
                api_client(company.finance), "post", f"{URL}/delegations", self._delegate(company)
            ),
            201,
        )
        assert created["user"]["id"] == company.finance.pk
        assert created["delegate"]["id"] == company.member.pk and created["cancelled_at"] is None
        approve_task(company.pmo_staff, initiation)
        approve_task(company.commerce, initiation)
        member = api_client(company.member)

        inbox = ok(member.get(f"{URL}/inbox"))

        [item] = inbox["items"]
        assert item["assignee"]["id"] == company.finance.pk
        assert item["on_behalf_of"]["id"] == company.finance.pk
        # the board's step asks for the review scores, the delegate fills them in
        task = ApprovalTask.objects.get(pk=item["id"])
        data = {"comment": "代批", "form": answers_for(task)}
        detail = ok(send(member, "post", f"{URL}/tasks/{item['id']}/approve", data))
        approve = detail["events"][-1]
        assert approve["actor"]["id"] == company.member.pk
        assert approve["on_behalf_of"]["id"] == company.finance.pk
        task = ApprovalTask.objects.get(pk=item["id"])
        assert task.status == TaskStatus.APPROVED and task.decided_by == company.member
        assert task.answers == answers_for(task)

    def test_list_and_cancel(self, company, initiation):
        finance = api_client(company.finance)
        created = ok(send(finance, "post", f"{URL}/delegations", self._delegate(company)), 201)
        assert [d["id"] for d in ok(finance.get(f"{URL}/delegations"))] == [created["id"]]
        member = api_client(company.member)
        assert [d["id"] for d in ok(member.get(f"{URL}/delegations"))] == [created["id"]]
        approve_task(company.pmo_staff, initiation)
        approve_task(company.commerce, initiation)
        task = task_of(initiation, company.finance)

        cancelled = ok(send(finance, "post", f"{URL}/delegations/{created['id']}/cancel"))

        assert cancelled["cancelled_at"] is not None
        assert ok(member.get(f"{URL}/inbox"))["items"] == []
        # without the delegation the member no longer sees the request at all
        assert_error(send(member, "post", f"{URL}/tasks/{task.pk}/approve"), 404, "not_found")
        assert task_of(initiation, company.finance) == task

    def test_others_cannot_cancel_it(self, company):
        delegation = delegation_create(
            actor=company.finance,
            delegate=company.member,
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate(),
        )
        for who in ("stranger", "member"):
            response = send(
                api_client(getattr(company, who)),
                "post",
                f"{URL}/delegations/{delegation.pk}/cancel",
            )
            assert_error(response, 404, "not_found")
        assert Delegation.objects.get(pk=delegation.pk).cancelled_at is None

    def test_an_administrator_sets_one_for_someone_else(self, company):
        body = self._delegate(company, user=company.finance.pk)

        created = ok(send(api_client(company.pmo), "post", f"{URL}/delegations", body), 201)

        assert created["user"]["id"] == company.finance.pk
        listed = ok(api_client(company.pmo).get(f"{URL}/delegations", {"user": company.finance.pk}))
        assert [d["id"] for d in listed] == [created["id"]]

    def test_others_may_not_set_or_read_someone_elses(self, company):
        pm = api_client(company.pm)
        body = self._delegate(company, user=company.finance.pk)
        assert_error(send(pm, "post", f"{URL}/delegations", body), 403, "permission_denied")
        listed = pm.get(f"{URL}/delegations", {"user": company.finance.pk})
        assert_error(listed, 403, "permission_denied")
        assert not Delegation.objects.exists()

    @pytest.mark.parametrize(
        "overrides, status, code",
        [
            ({"delegate": "SELF"}, 400, "same_user"),
            ({"delegate": 99999}, 400, "invalid_reference"),
            ({"starts_on": "2030-01-10", "ends_on": "2030-01-01"}, 400, "ends_before_start"),
            ({"starts_on": "2020-01-01", "ends_on": "2020-01-02"}, 400, "in_the_past"),
            ({"starts_on": "2030-01-01", "ends_on": "2032-01-01"}, 400, "too_long"),
            ({"ends_on": "someday"}, 422, "validation_error"),
            ({"delegate": None}, 422, "validation_error"),
            ({"note": "x" * 201}, 422, "validation_error"),
        ],
    )
    def test_bad_delegations_are_refused(self, company, overrides, status, code):
        overrides = {k: (company.finance.pk if v == "SELF" else v) for k, v in overrides.items()}
        response = send(
            api_client(company.finance),
            "post",
            f"{URL}/delegations",
            self._delegate(company, **overrides),
        )
        assert_error(response, status, code)
        assert not Delegation.objects.exists()

    @pytest.mark.parametrize("forged", ["99999", "0", "-1", "9" * 30])
    def test_forged_ids_are_a_404(self, company, forged):
        response = send(api_client(company.pmo), "post", f"{URL}/delegations/{forged}/cancel")
        assert_error(response, 404, "not_found")


@pytest.mark.django_db
class TestSessionAuth:
    def test_a_session_needs_the_csrf_token_to_decide(self, company, initiation):
        client = Client(enforce_csrf_checks=True)
        client.force_login(company.pmo_staff)
        task = task_of(initiation, company.pmo_staff)
        url = f"{URL}/tasks/{task.pk}/approve"
        before = snapshot(initiation)

        assert client.get(f"{URL}/requests/{initiation.pk}").status_code == 200
        assert_error(send(client, "post", url), 403, "csrf_failed")
        assert snapshot(initiation) == before

        secret = "abcdefghijklmnopqrstuvwxyzABCDEF"
        client.cookies[settings.CSRF_COOKIE_NAME] = secret
        response = client.post(
            url, data="{}", content_type="application/json", HTTP_X_CSRFTOKEN=secret
        )
        assert response.status_code == 200, response.content
        assert ApprovalTask.objects.get(pk=task.pk).status == TaskStatus.APPROVED
