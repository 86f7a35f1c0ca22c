"""The projects API (/api/v1/projects): lists, detail, writes, lifecycle, visibility and auth."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import approve_everything, fill_initiation
from epm.core.models import ApiToken, AuditEvent
from epm.core.services import api_token_create, api_token_revoke, department_create
from epm.projects.models import Membership, Project, ProjectRole, Status
from epm.projects.services import project_appoint_pm, project_member_add, project_transition

URL = "/api/v1/projects"
MEMBER = object()  # stands for company.member's id in parametrized bodies


def api_client(user, **kwargs) -> Client:
    _token, secret = api_token_create(user=user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", **kwargs)


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


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:500]
    return [item["id"] for item in response.json()["items"]]


def audit_count() -> int:
    return AuditEvent.objects.count()


def create_payload(company, **overrides) -> dict:
    payload = {
        "name": "某省数据中心项目",
        "project_type": "software",
        "customer": "某省大数据局",
        "department_id": company.tech.pk,
        "contract_number": "HT-2026-009",
        "contract_amount": "880000.00",
        "contract_signed_on": "2026-03-10",
        "account_manager_id": company.am.pk,
        "planned_start": "2026-04-01",
        "planned_finish": "2026-11-30",
    }
    payload.update(overrides)
    return {k: v for k, v in payload.items() if v is not ...}


@pytest.mark.django_db
class TestList:
    def test_each_filter(self, company, make_project):
        # given projects that differ in state, type, department, PM and name
        plain = make_project(name="智慧交通一期")
        submitted = make_project(name="智慧交通二期")
        project_transition(actor=company.pmo, project=submitted, code="submit")
        integration = make_project(name="机房集成", type_code="system_integration")
        elsewhere = make_project(name="数据中心", department=company.other, customer="某省大数据局")
        other_pm = project_appoint_pm(
            actor=company.pmo,
            project=make_project(name="移动办公", appoint=False),
            pm=company.member,
        )
        other_pm = approve_everything(other_pm)
        everything = {plain.pk, submitted.pk, integration.pk, elsewhere.pk, other_pm.pk}
        client = api_client(company.pmo)

        def listed(**params) -> set[int]:
            return set(ids(client.get(URL, params)))

        # then each filter narrows the list to the matching projects
        assert listed() == everything
        assert listed(status="initiation_review") == {submitted.pk}
        assert listed(status="draft") == everything - {submitted.pk}
        assert listed(type="system_integration") == {integration.pk}
        assert listed(department=company.other.pk) == {elsewhere.pk}
        assert listed(pm=company.member.pk) == {other_pm.pk}
        assert listed(pm=company.pm.pk) == everything - {other_pm.pk}
        assert listed(text="智慧交通") == {plain.pk, submitted.pk}
        assert listed(text="大数据局") == {elsewhere.pk}
        assert listed(text=plain.number) == {plain.pk}
        assert listed(status="closed") == set()
        assert listed(type="no_such_type") == set()

    def test_mine_keeps_only_projects_with_a_role(self, company, make_project):
        # given the head of tech, who sees both tech projects, but works on one of them
        worked_on = make_project(name="智慧交通一期")
        make_project(name="智慧交通二期")
        project_member_add(
            actor=company.pmo, project=worked_on, user=company.head, role=ProjectRole.QUALITY
        )
        client = api_client(company.head)
        assert len(ids(client.get(URL))) == 2
        assert ids(client.get(URL, {"mine": "true"})) == [worked_on.pk]

    def test_pagination(self, company, make_project):
        created = [make_project(name=f"项目{i}") for i in range(5)]
        client = api_client(company.pmo)

        pages = [client.get(URL, {"page": n, "page_size": 2}) for n in (1, 2, 3)]

        bodies = [p.json() for p in pages]
        assert [len(b["items"]) for b in bodies] == [2, 2, 1]
        assert all(b["count"] == 5 and b["page_size"] == 2 for b in bodies)
        assert [b["page"] for b in bodies] == [1, 2, 3]
        seen = [item["id"] for b in bodies for item in b["items"]]
        assert seen == [p.pk for p in reversed(created)]  # newest first, no overlap

    @pytest.mark.parametrize(
        "params",
        [
            {"page": 0},
            {"page": -1},
            {"page": 4, "page_size": 2},  # 5 projects: the last page is 3
            {"page": 10**30},
            {"page_size": 0},
            {"page_size": 201},
        ],
    )
    def test_out_of_range_page_is_a_400(self, company, make_project, params):
        for i in range(5):
            make_project(name=f"项目{i}")
        response = api_client(company.pmo).get(URL, params)
        assert_error(response, 400, "invalid_page")

    def test_first_page_of_nothing_is_empty_not_an_error(self, company):
        response = api_client(company.stranger).get(URL)
        assert response.status_code == 200
        assert response.json() == {"count": 0, "page": 1, "page_size": 50, "items": []}

    @pytest.mark.parametrize(
        "params",
        [
            {"page": "abc"},
            {"department": "abc"},
            {"pm": 10**30},
            {"department": -(10**30)},
            {"mine": "perhaps"},
            {"text": "x" * 101},
        ],
    )
    def test_malformed_filters_are_a_422(self, company, project, params):
        assert_error(api_client(company.pmo).get(URL, params), 422, "validation_error")

    def test_nul_character_in_a_filter_is_refused(self, company, project):
        # PostgreSQL cannot compare text with NUL: this was a 500 there before
        response = api_client(company.pmo).get(URL, {"text": "交通\x00"})
        assert_error(response, 422, "nul_character")

    @pytest.mark.parametrize("viewer", ["pmo", "head"])
    def test_query_count_does_not_grow_with_the_list(self, company, make_project, viewer):
        client = api_client(getattr(company, viewer))
        for i in range(3):
            make_project(name=f"项目{i}")
        client.get(URL)  # the first call stamps the token's last use

        with CaptureQueriesContext(connection) as three:
            assert len(ids(client.get(URL))) == 3
        for i in range(3, 10):
            parent = make_project(name=f"大项目{i}", is_big_project=True)
            if i % 2:
                make_project(name=f"子项目{i}", parent=parent)
        with CaptureQueriesContext(connection) as more:
            assert len(ids(client.get(URL))) > 10

        assert len(more) == len(three), [q["sql"] for q in more.captured_queries]
        assert len(more) <= 8

    def test_project_types(self, company):
        response = api_client(company.pm).get(f"{URL}/types")
        assert response.status_code == 200
        assert "software" in {t["code"] for t in response.json()}


@pytest.mark.django_db
class TestDetail:
    def test_detail_shows_the_project_members_and_allowed_steps(self, company, project):
        project_member_add(
            actor=company.pm, project=project, user=company.member, role=ProjectRole.DEVELOPER
        )

        response = api_client(company.pm).get(f"{URL}/{project.pk}")

        assert response.status_code == 200
        body = response.json()
        assert body["id"] == project.pk
        assert body["number"] == project.number
        assert body["name"] == project.name
        assert body["project_type"] == "software"
        assert body["status"] == Status.DRAFT
        assert body["department"] == {
            "id": company.tech.pk,
            "code": "tech",
            "name": company.tech.name,
        }
        assert body["pm"]["id"] == company.pm.pk
        assert body["account_manager"]["id"] == company.am.pk
        assert Decimal(str(body["contract_amount"])) == Decimal("1200000.00")
        assert [(m["user"]["id"], m["role"]) for m in body["members"]] == [
            (company.member.pk, "developer")
        ]
        steps = {t["code"]: t for t in body["transitions"]}
        assert set(steps) == {"submit"}  # the PM may submit; cancelling is the PMO's
        assert steps["submit"]["needs_reason"] is False


@pytest.mark.django_db
class TestCreate:
    def test_pmo_creates_a_draft(self, company):
        client = api_client(company.pmo)
        before = audit_count()

        response = send(client, "post", URL, create_payload(company))

        assert response.status_code == 201, response.content
        body = response.json()
        project = Project.objects.get(pk=body["id"])
        assert project.name == "某省数据中心项目"
        assert project.status == Status.DRAFT and body["status"] == "draft"
        assert project.number is None and body["number"] is None
        assert project.contract_amount == Decimal("880000.00")
        assert project.department == company.tech
        assert project.account_manager == company.am
        assert project.created_by == company.pmo
        assert AuditEvent.objects.filter(action="project.create").count() == 1
        assert audit_count() == before + 1

    def test_pmo_staff_may_create_too(self, company):
        response = send(api_client(company.pmo_staff), "post", URL, create_payload(company))
        assert response.status_code == 201

    @pytest.mark.parametrize("who", ["pm", "head", "member", "president"])
    def test_others_are_refused(self, company, who):
        response = send(api_client(getattr(company, who)), "post", URL, create_payload(company))
        assert_error(response, 403, "permission_denied")
        assert not Project.objects.exists()

    @pytest.mark.parametrize(
        "overrides, status, code",
        [
            ({"name": ...}, 422, "validation_error"),
            ({"customer": ...}, 422, "validation_error"),
            ({"department_id": ...}, 422, "validation_error"),
            ({"project_type": ...}, 422, "validation_error"),
            ({"name": ""}, 422, "validation_error"),
            ({"name": "   "}, 400, "name_required"),
            ({"name": "x" * 201}, 422, "validation_error"),
            ({"project_type": "spaceship"}, 400, "invalid_reference"),
            ({"department_id": 99999}, 400, "invalid_reference"),
            ({"department_id": "tech"}, 422, "validation_error"),
            ({"account_manager_id": 99999}, 400, "invalid_reference"),
            ({"parent_id": 99999}, 404, "not_found"),
            ({"contract_amount": "-1"}, 422, "validation_error"),
            ({"contract_amount": "1.001"}, 422, "validation_error"),
            ({"contract_amount": "1e20"}, 422, "validation_error"),
            ({"contract_amount": "NaN"}, 422, "validation_error"),
            ({"contract_amount": "lots"}, 422, "validation_error"),
            ({"planned_finish": "2026-03-31"}, 400, "finish_before_start"),
            ({"planned_start": "2026-02-30"}, 422, "validation_error"),
            (
                {
                    "contract_initial_acceptance_on": "2026-12-01",
                    "contract_final_acceptance_on": "2026-06-01",
                },
                400,
                "acceptance_dates_order",
            ),
            ({"customer": "某局\x00"}, 422, "nul_character"),
        ],
    )
    def test_bad_input_creates_nothing(self, company, overrides, status, code):
        client = api_client(company.pmo)
        before = audit_count()

        response = send(client, "post", URL, create_payload(company, **overrides))

        assert_error(response, status, code)
        assert not Project.objects.exists()
        assert audit_count() == before

    def test_parent_must_be_a_big_project(self, company, project):
        response = send(
            api_client(company.pmo), "post", URL, create_payload(company, parent_id=project.pk)
        )
        assert_error(response, 400, "parent_not_big")
        assert Project.objects.count() == 1


@pytest.mark.django_db
class TestUpdate:
    def test_pm_updates_fields(self, company, project):
        response = send(
            api_client(company.pm),
            "patch",
            f"{URL}/{project.pk}",
            {"name": "  某市智慧交通项目（一期） ", "planned_finish": "2027-01-31"},
        )

        assert response.status_code == 200, response.content
        project.refresh_from_db()
        assert project.name == "某市智慧交通项目（一期）"
        assert project.planned_finish == dt.date(2027, 1, 31)
        assert response.json()["planned_finish"] == "2027-01-31"
        event = AuditEvent.objects.filter(action="project.update").get()
        assert set(event.changes) == {"name", "planned_finish"}

    @pytest.mark.parametrize(
        "data, status, code",
        [
            ({"planned_finish": "2026-01-01"}, 400, "finish_before_start"),
            ({"planned_start": "2027-06-01"}, 400, "finish_before_start"),
            ({"name": ""}, 422, "validation_error"),
            ({"name": None}, 422, "validation_error"),
            ({"customer": "  "}, 400, "customer_required"),
            ({"contract_amount": -5}, 422, "validation_error"),
            ({"contract_amount": "12.345"}, 422, "validation_error"),
            ({"contract_amount": "Infinity"}, 422, "validation_error"),
            ({"department_id": 99999}, 400, "invalid_reference"),
            ({"department_id": None}, 422, "validation_error"),
            ({"assistant_id": 99999}, 400, "invalid_reference"),
            ({"parent_id": 99999}, 404, "not_found"),
            ({"planned_start": "tomorrow"}, 422, "validation_error"),
            ({"is_big_project": "maybe"}, 422, "validation_error"),
            ({"description": "x" * 20001}, 422, "validation_error"),
            ({"name": "a\x00b"}, 422, "nul_character"),
        ],
    )
    def test_bad_values_change_nothing(self, company, project, data, status, code):
        client = api_client(company.pmo)
        before = (audit_count(), Project.objects.values().get(pk=project.pk))

        response = send(client, "patch", f"{URL}/{project.pk}", data)

        assert_error(response, status, code)
        assert (audit_count(), Project.objects.values().get(pk=project.pk)) == before

    def test_a_project_cannot_be_its_own_parent(self, company, project):
        response = send(
            api_client(company.pmo), "patch", f"{URL}/{project.pk}", {"parent_id": project.pk}
        )
        assert_error(response, 400)
        assert Project.objects.get(pk=project.pk).parent_id is None

    @pytest.mark.parametrize("who", ["member", "head", "am"])
    def test_people_who_see_but_may_not_edit_get_403(self, company, project, who):
        if who == "member":
            project_member_add(
                actor=company.pm, project=project, user=company.member, role=ProjectRole.TESTER
            )
        response = send(
            api_client(getattr(company, who)), "patch", f"{URL}/{project.pk}", {"name": "改名"}
        )
        assert_error(response, 403, "permission_denied")
        assert Project.objects.get(pk=project.pk).name == project.name

    def test_a_cancelled_project_is_frozen(self, company, project, walk):
        walk(project, "cancel", reason="客户取消")
        response = send(api_client(company.pmo), "patch", f"{URL}/{project.pk}", {"name": "改名"})
        assert_error(response, 400, "project_frozen")
        assert Project.objects.get(pk=project.pk).name == project.name


@pytest.mark.django_db
class TestAppointPm:
    def test_appointing_starts_an_approval_and_changes_nothing_yet(self, company, make_project):
        draft = make_project(appoint=False)

        response = send(
            api_client(company.pmo),
            "post",
            f"{URL}/{draft.pk}/appoint-pm",
            {"pm_id": company.pm.pk, "short_name": "交通"},
        )

        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["pm"], body["number"], body["short_name"]) == (None, None, "")
        [approval] = body["open_approvals"]
        assert approval["chain"] == "pm_appointment" and approval["status"] == "pending"
        assert company.pm.name in approval["title"]

    def test_first_appointments_number_projects_in_order(self, company, make_project, approve_all):
        first = make_project(name="一号", appoint=False)
        second = make_project(name="二号", appoint=False)
        client = api_client(company.pmo)
        year = timezone.localdate().year

        one = send(client, "post", f"{URL}/{first.pk}/appoint-pm", {"pm_id": company.pm.pk})
        two = send(
            client,
            "post",
            f"{URL}/{second.pk}/appoint-pm",
            {"pm_id": company.member.pk, "short_name": "二号"},
        )
        assert one.status_code == 200 and two.status_code == 200
        approve_all(first)
        approve_all(second)

        one = client.get(f"{URL}/{first.pk}").json()
        two = client.get(f"{URL}/{second.pk}").json()
        assert one["number"] == f"XM{year}0001"
        assert one["pm"]["id"] == company.pm.pk
        assert two["number"] == f"XM{year}0002"
        assert two["short_name"] == "二号"
        assert one["open_approvals"] == [] and two["open_approvals"] == []

    def test_replacing_the_pm_keeps_the_number(self, company, project, approve_all):
        number = project.number

        response = send(
            api_client(company.pmo),
            "post",
            f"{URL}/{project.pk}/appoint-pm",
            {"pm_id": company.member.pk},
        )

        assert response.status_code == 200
        assert response.json()["pm"]["id"] == company.pm.pk  # until the approval
        approve_all(project)
        assert (project.number, project.pm) == (number, company.member)

    def test_pm_may_not_appoint(self, company, project):
        response = send(
            api_client(company.pm),
            "post",
            f"{URL}/{project.pk}/appoint-pm",
            {"pm_id": company.member.pk},
        )
        assert_error(response, 403, "permission_denied")
        assert Project.objects.get(pk=project.pk).pm == company.pm

    def test_unknown_pm_is_a_400(self, company, make_project):
        draft = make_project(appoint=False)
        response = send(
            api_client(company.pmo), "post", f"{URL}/{draft.pk}/appoint-pm", {"pm_id": 99999}
        )
        assert_error(response, 400, "invalid_reference")
        draft.refresh_from_db()
        assert draft.pm is None and draft.number is None


@pytest.mark.django_db
class TestMembers:
    def test_add_and_remove(self, company, project):
        pm = api_client(company.pm)
        member = api_client(company.member)
        assert_error(member.get(f"{URL}/{project.pk}"), 404)

        added = send(
            pm,
            "post",
            f"{URL}/{project.pk}/members",
            {"user_id": company.member.pk, "role": "developer"},
        )

        assert added.status_code == 201, added.content
        body = added.json()
        assert body["user"]["id"] == company.member.pk and body["role"] == "developer"
        assert member.get(f"{URL}/{project.pk}").status_code == 200

        removed = pm.delete(f"{URL}/{project.pk}/members/{body['id']}")

        assert removed.status_code == 204
        assert not Membership.objects.filter(project=project).exists()
        assert_error(member.get(f"{URL}/{project.pk}"), 404)
        assert_error(pm.delete(f"{URL}/{project.pk}/members/{body['id']}"), 404)
        actions = list(AuditEvent.objects.values_list("action", flat=True))
        assert "project.member_add" in actions and "project.member_remove" in actions

    def test_same_role_twice_is_a_400(self, company, project):
        client = api_client(company.pm)
        data = {"user_id": company.member.pk, "role": "developer"}
        assert send(client, "post", f"{URL}/{project.pk}/members", data).status_code == 201

        response = send(client, "post", f"{URL}/{project.pk}/members", data)

        assert_error(response, 400, "member_exists")
        assert Membership.objects.filter(project=project).count() == 1

    @pytest.mark.parametrize(
        "data, status, code",
        [
            ({"user_id": 99999, "role": "developer"}, 400, "invalid_reference"),
            ({"user_id": "member", "role": "developer"}, 422, "validation_error"),
            ({"user_id": MEMBER, "role": "boss"}, 400, "invalid_role"),
            ({"user_id": MEMBER, "role": "x" * 31}, 422, "validation_error"),
            ({"role": "developer"}, 422, "validation_error"),
            ({"user_id": MEMBER}, 422, "validation_error"),
            ({}, 422, "validation_error"),
        ],
    )
    def test_bad_input_adds_nobody(self, company, project, data, status, code):
        data = {k: company.member.pk if v is MEMBER else v for k, v in data.items()}
        response = send(api_client(company.pm), "post", f"{URL}/{project.pk}/members", data)
        assert_error(response, status, code)
        assert not Membership.objects.exists()

    def test_a_team_member_may_not_manage_the_team(self, company, project):
        project_member_add(
            actor=company.pm, project=project, user=company.member, role=ProjectRole.DEVELOPER
        )
        response = send(
            api_client(company.member),
            "post",
            f"{URL}/{project.pk}/members",
            {"user_id": company.head.pk, "role": "tester"},
        )
        assert_error(response, 403, "permission_denied")
        assert Membership.objects.count() == 1

    def test_a_membership_of_another_project_cannot_be_removed_through_this_one(
        self, company, project, make_project
    ):
        other = make_project(name="另一个项目")
        membership = project_member_add(
            actor=company.pmo, project=other, user=company.member, role=ProjectRole.DEVELOPER
        )
        response = api_client(company.pmo).delete(f"{URL}/{project.pk}/members/{membership.pk}")
        assert_error(response, 404, "member_not_found")
        assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
class TestTransitions:
    def test_pm_submits(self, company, project):
        response = send(api_client(company.pm), "post", f"{URL}/{project.pk}/transitions/submit")

        assert response.status_code == 200, response.content
        assert response.json()["status"] == Status.INITIATION_REVIEW
        assert response.json()["transitions"] == []  # reviewing is the PMO's now
        assert Project.objects.get(pk=project.pk).status == Status.INITIATION_REVIEW

    def test_a_gated_step_starts_its_approval(self, company, project, walk):
        running = walk(project, "submit", "approve_initiation")

        response = send(
            api_client(company.pm),
            "post",
            f"{URL}/{running.pk}/transitions/suspend",
            {"reason": "客户暂停"},
        )

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == Status.APPROVED  # suspended only once approved
        [approval] = body["open_approvals"]
        assert approval["chain"] == "suspension" and approval["status"] == "pending"

    def test_unknown_code_is_a_400(self, company, project):
        response = send(api_client(company.pmo), "post", f"{URL}/{project.pk}/transitions/fly")
        assert_error(response, 400, "unknown_transition")

    @pytest.mark.parametrize("code", ["close", "start_planning", "resume", "reject_initiation"])
    def test_wrong_state_is_a_409(self, company, project, code):
        response = send(
            api_client(company.pmo),
            "post",
            f"{URL}/{project.pk}/transitions/{code}",
            {"reason": "测试"},
        )
        assert_error(response, 409, "invalid_transition")
        assert Project.objects.get(pk=project.pk).status == Status.DRAFT

    def test_a_step_that_needs_a_reason_is_refused_without_one(self, company, project, walk):
        project = walk(project, "submit", "approve_initiation")
        client = api_client(company.pm)
        url = f"{URL}/{project.pk}/transitions/suspend"

        for data in ({}, {"reason": "   "}):
            assert_error(send(client, "post", url, data), 400, "reason_required")
            assert not project.approval_requests.filter(status="pending").exists()

        response = send(client, "post", url, {"reason": "客户资金未到位"})
        assert response.status_code == 200
        assert [a["chain"] for a in response.json()["open_approvals"]] == ["suspension"]

    def test_the_pmo_cannot_return_an_initiation_its_approvers_are_deciding(self, company, project):
        project_transition(actor=company.pm, project=project, code="submit")
        url = f"{URL}/{project.pk}/transitions/reject_initiation"
        response = send(api_client(company.pmo), "post", url, {"reason": "合同附件不全"})
        assert_error(response, 409, "in_approval")
        assert Project.objects.get(pk=project.pk).status == Status.INITIATION_REVIEW

    def test_a_team_member_may_not_move_the_project(self, company, project):
        project_member_add(
            actor=company.pm, project=project, user=company.member, role=ProjectRole.DEVELOPER
        )
        response = send(
            api_client(company.member), "post", f"{URL}/{project.pk}/transitions/submit"
        )
        assert_error(response, 403, "permission_denied")
        assert Project.objects.get(pk=project.pk).status == Status.DRAFT

    def test_nul_character_in_the_reason_is_refused(self, company, project):
        # PostgreSQL cannot store NUL in the audit note: this was a 500 there before
        response = send(
            api_client(company.pmo),
            "post",
            f"{URL}/{project.pk}/transitions/cancel",
            {"reason": "客户\x00取消"},
        )
        assert_error(response, 422, "nul_character")
        assert Project.objects.get(pk=project.pk).status == Status.DRAFT

    def test_reason_too_long_is_a_422(self, company, project):
        response = send(
            api_client(company.pmo),
            "post",
            f"{URL}/{project.pk}/transitions/cancel",
            {"reason": "x" * 2001},
        )
        assert_error(response, 422, "validation_error")
        assert Project.objects.get(pk=project.pk).status == Status.DRAFT


@pytest.mark.django_db
class TestHistory:
    def test_history_lists_the_events(self, company):
        pmo = api_client(company.pmo)
        created = send(pmo, "post", URL, create_payload(company))
        pk = created.json()["id"]
        send(pmo, "post", f"{URL}/{pk}/appoint-pm", {"pm_id": company.pm.pk})
        approve_everything(Project.objects.get(pk=pk))
        send(pmo, "post", f"{URL}/{pk}/members", {"user_id": company.member.pk, "role": "tester"})
        fill_initiation(Project.objects.get(pk=pk), actor=company.pm)  # R3: submitted with them
        submitted = send(api_client(company.pm), "post", f"{URL}/{pk}/transitions/submit")
        assert submitted.status_code == 200, submitted.content[:500]

        response = api_client(company.pm).get(f"{URL}/{pk}/history")

        assert response.status_code == 200
        events = response.json()
        actions = {e["action"] for e in events}
        assert {
            "project.create",
            "project.appoint_pm",
            "project.member_add",
            "project.submit",
        } <= actions
        submit = next(e for e in events if e["action"] == "project.submit")
        assert submit["actor"]["id"] == company.pm.pk
        assert submit["changes"] == {"status": ["draft", "initiation_review"]}


# Every endpoint about one project, with a body that would succeed for someone allowed.
PROJECT_ENDPOINTS = [
    ("get", "{id}", None),
    ("patch", "{id}", {"name": "偷改"}),
    ("get", "{id}/history", None),
    ("post", "{id}/transitions/submit", {}),
    ("post", "{id}/transitions/cancel", {"reason": "x"}),
    ("post", "{id}/members", {"user_id": 0, "role": "developer"}),
    ("delete", "{id}/members/1", None),
    ("post", "{id}/appoint-pm", {"pm_id": 0}),
]


def _request(client, method, path, data, project_id, company):
    url = f"{URL}/{path.format(id=project_id)}"
    if data is not None:
        data = {k: (company.stranger.pk if v == 0 else v) for k, v in data.items()}
    if method == "delete":
        return client.delete(url)
    return send(client, method, url, data)


@pytest.mark.django_db
class TestVisibility:
    @pytest.mark.parametrize("method, path, data", PROJECT_ENDPOINTS)
    def test_stranger_gets_404_and_no_data(self, company, project, method, path, data):
        project_member_add(
            actor=company.pm, project=project, user=company.member, role=ProjectRole.DEVELOPER
        )
        client = api_client(company.stranger)
        before = (audit_count(), Membership.objects.count(), Project.objects.values().get())

        response = _request(client, method, path, data, project.pk, company)

        body = assert_error(response, 404, "not_found")
        assert project.name not in response.content.decode()
        assert body["detail"] is None
        after = (audit_count(), Membership.objects.count(), Project.objects.values().get())
        assert after == before

    def test_stranger_list_omits_it(self, company, project, make_project):
        make_project(name="别部门的项目", department=company.other)
        response = api_client(company.stranger).get(URL)
        assert ids(response) == []
        assert project.name not in response.content.decode()

    def test_department_head_sees_projects_of_the_department_and_below(self, company, make_project):
        team = department_create(actor=None, code="tech-a", name="开发一组", parent=company.tech)
        in_tech = make_project(name="本部门")
        in_team = make_project(name="下级部门", department=team)
        in_other = make_project(name="其他部门", department=company.other)
        head = api_client(company.head)

        assert set(ids(head.get(URL))) == {in_tech.pk, in_team.pk}
        assert head.get(f"{URL}/{in_team.pk}").status_code == 200
        assert_error(head.get(f"{URL}/{in_other.pk}"), 404)
        assert ids(api_client(company.other_head).get(URL)) == [in_other.pk]

    @pytest.mark.parametrize("who", ["pmo", "pmo_staff", "president"])
    def test_portfolio_roles_see_everything(self, company, project, make_project, who):
        elsewhere = make_project(name="其他部门", department=company.other)
        assert set(ids(api_client(getattr(company, who)).get(URL))) == {project.pk, elsewhere.pk}

    @pytest.mark.parametrize("method, path, data", PROJECT_ENDPOINTS)
    @pytest.mark.parametrize("forged", ["99999", "0", "-1", "abc", "1.5", "9" * 30])
    def test_forged_ids_are_a_json_404_or_422(self, company, project, method, path, data, forged):
        response = _request(api_client(company.pmo), method, path, data, forged, company)
        status = 422 if forged in {"abc", "1.5"} else 404
        assert_error(response, status)

    @pytest.mark.parametrize("forged", ["99999", "0", "-1", "9" * 30])
    def test_forged_membership_ids_are_a_404(self, company, project, forged):
        response = api_client(company.pmo).delete(f"{URL}/{project.pk}/members/{forged}")
        assert_error(response, 404)


@pytest.mark.django_db
class TestAuthentication:
    def test_no_credentials_is_a_json_401(self, company, project):
        client = Client()
        for response in (
            client.get(URL),
            client.get(f"{URL}/{project.pk}"),
            send(client, "post", URL, create_payload(company)),
        ):
            assert_error(response, 401, "not_authenticated")
        assert Project.objects.count() == 1

    def test_session_post_without_csrf_token_is_refused(self, company, project):
        client = Client(enforce_csrf_checks=True)
        client.force_login(company.pm)
        url = f"{URL}/{project.pk}/transitions/submit"

        assert client.get(f"{URL}/{project.pk}").status_code == 200  # reading needs no token
        assert_error(send(client, "post", url), 403, "csrf_failed")
        assert Project.objects.get(pk=project.pk).status == Status.DRAFT

        # with the CSRF cookie and header the same session may write
        secret = "abcdefghijklmnopqrstuvwxyzABCDEF"
        client.cookies[settings.CSRF_COOKIE_NAME] = secret
        response = client.post(
            url, data="{}", content_type="application/json", HTTP_X_CSRFTOKEN=secret
        )
        assert response.status_code == 200, response.content
        assert Project.objects.get(pk=project.pk).status == Status.INITIATION_REVIEW

    def test_revoked_token_is_a_401(self, company, project):
        token, secret = api_token_create(user=company.pm, name="script")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert client.get(URL).status_code == 200

        api_token_revoke(user=company.pm, token_id=token.pk)

        assert_error(client.get(URL), 401, "not_authenticated")
        assert_error(send(client, "patch", f"{URL}/{project.pk}", {"name": "x"}), 401)
        assert Project.objects.get(pk=project.pk).name == project.name

    def test_expired_token_is_a_401(self, company, project):
        token, secret = api_token_create(
            user=company.pm, name="script", expires_at=timezone.now() + dt.timedelta(days=1)
        )
        client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert client.get(URL).status_code == 200
        # a day later (the services never move an expiry into the past themselves)
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
        assert_error(client.get(URL), 401, "not_authenticated")

    @pytest.mark.parametrize(
        "header", ["Bearer epm_made-up", "Bearer ", "Bearer x" * 100, "Token abc", "epm_x"]
    )
    def test_made_up_tokens_are_a_401(self, company, header):
        assert_error(Client(HTTP_AUTHORIZATION=header).get(URL), 401, "not_authenticated")


@pytest.mark.django_db
class TestMalformedBodies:
    @pytest.mark.parametrize("body", ["{bad", "", "{'name': 1}", "\xff", "[" * 100000])
    def test_malformed_json_changes_nothing(self, company, project, body):
        client = api_client(company.pmo)
        before = (audit_count(), Project.objects.values().get(pk=project.pk))

        patched = client.patch(f"{URL}/{project.pk}", data=body, content_type="application/json")
        created = client.post(URL, data=body, content_type="application/json")

        for response in (patched, created):
            assert 400 <= response.status_code < 500
            assert_error(response, response.status_code)
        assert (audit_count(), Project.objects.values().get(pk=project.pk)) == before
        assert Project.objects.count() == 1

    def test_body_over_the_upload_limit_is_a_413(self, company, project):
        size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        description = "x" * (size + 1)
        client = api_client(company.pmo)
        before = (audit_count(), Project.objects.values().get(pk=project.pk))

        patched = send(client, "patch", f"{URL}/{project.pk}", {"description": description})
        created = send(client, "post", URL, create_payload(company, description=description))

        assert_error(patched, 413, "too_large")
        assert_error(created, 413, "too_large")
        assert (audit_count(), Project.objects.values().get(pk=project.pk)) == before
        assert Project.objects.count() == 1
