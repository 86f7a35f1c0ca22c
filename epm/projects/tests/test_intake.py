"""Contract intake (R1): deliverables, outsourcing parts and their application, the submit
guard, the project number (R3), and the contract page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from epm.approvals.models import ApprovalRequest, RequestStatus
from epm.approvals.services import request_withdraw, task_reject, task_return
from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import AuditEvent
from epm.projects import intake, services
from epm.projects.hooks import problems
from epm.projects.models import (
    ContractDeliverable,
    OutsourcingPart,
    OutsourcingStatus,
    Project,
    Status,
)
from epm.projects.nomination import nomination_start


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_part(company, project, **fields) -> OutsourcingPart:
    data = {"scope": "机房布线", "supplier": "某布线公司", "amount": "120000.00"}
    data.update(fields)
    return intake.outsourcing_add(actor=company.pmo, project=project, **data)


def application(part) -> ApprovalRequest:
    return ApprovalRequest.objects.filter(
        subject_kind=intake.OUTSOURCING_KIND, subject_id=part.pk
    ).latest("id")


@pytest.mark.django_db
class TestDeliverables:
    def test_add_edit_remove(self, company, project):
        # given a draft project, when the PMO and the PM record deliverables
        first = intake.deliverable_add(
            actor=company.pmo, project=project, name=" 软件系统 ", quantity="1", unit="套"
        )
        second = intake.deliverable_add(
            actor=company.pm, project=project, name="用户手册", description="纸质及电子版"
        )
        # then they are listed in order, trimmed, with Decimal quantities
        assert [d.name for d in ContractDeliverable.objects.filter(project=project)] == [
            "软件系统",
            "用户手册",
        ]
        assert (first.position, second.position) == (1, 2)
        assert first.quantity == Decimal("1") and second.quantity is None
        # when edited: the change is audited
        intake.deliverable_update(
            actor=company.pm,
            project=project,
            deliverable_id=first.pk,
            quantity="2.5",
            position=3,
        )
        first.refresh_from_db()
        assert first.quantity == Decimal("2.500") and first.quantity_text == "2.5"
        assert [d.pk for d in ContractDeliverable.objects.filter(project=project)] == [
            second.pk,
            first.pk,
        ]
        intake.deliverable_remove(actor=company.pmo, project=project, deliverable_id=second.pk)
        actions = set(
            AuditEvent.objects.filter(scope=f"projects.project:{project.pk}").values_list(
                "action", flat=True
            )
        )
        assert {
            "project.deliverable_add",
            "project.deliverable_update",
            "project.deliverable_remove",
        } <= actions
        assert list(ContractDeliverable.objects.filter(project=project)) == [first]

    @pytest.mark.parametrize(
        ("fields", "code"),
        [
            ({"name": "  "}, "required"),
            ({"name": "x" * 201}, "too_long"),
            ({"name": "服务器", "quantity": "0"}, "invalid_number"),
            ({"name": "服务器", "quantity": "-1"}, "invalid_number"),
            ({"name": "服务器", "quantity": "abc"}, "invalid_number"),
            ({"name": "服务器", "quantity": "NaN"}, "invalid_number"),
            ({"name": "服务器", "quantity": "1.0001"}, "invalid_number"),
            ({"name": "服务器", "unit": "u" * 21}, "too_long"),
        ],
    )
    def test_bad_input_changes_nothing(self, company, project, fields, code):
        with pytest.raises(ApplicationError) as exc:
            intake.deliverable_add(actor=company.pmo, project=project, **fields)
        assert exc.value.code == code
        assert not ContractDeliverable.objects.exists()

    def test_unknown_field_and_missing_item(self, company, project, make_project):
        item = intake.deliverable_add(actor=company.pmo, project=project, name="服务器")
        with pytest.raises(ApplicationError) as exc:
            intake.deliverable_update(
                actor=company.pmo, project=project, deliverable_id=item.pk, project_id=1
            )
        assert exc.value.code == "invalid_field"
        other = make_project(name="其他项目", materials=False)
        with pytest.raises(ApplicationError) as exc:
            intake.deliverable_remove(actor=company.pmo, project=other, deliverable_id=item.pk)
        assert exc.value.status == 404

    def test_who_may_edit(self, company, project, walk):
        for user in (company.head, company.am, company.member, company.president):
            with pytest.raises(PermissionDenied):
                intake.deliverable_add(actor=user, project=project, name="服务器")
        # the PM only while the project is a draft; the PMO afterwards too
        project = walk(project, "submit")
        assert project.status != Status.DRAFT
        with pytest.raises(PermissionDenied):
            intake.deliverable_add(actor=company.pm, project=project, name="服务器")
        intake.deliverable_add(actor=company.pmo, project=project, name="服务器")

    def test_frozen_project(self, company, project, walk):
        project = walk(project, "cancel")
        assert project.status == Status.CANCELLED
        with pytest.raises(ApplicationError) as exc:
            intake.deliverable_add(actor=company.pmo, project=project, name="服务器")
        assert exc.value.code == "project_frozen"


@pytest.mark.django_db
class TestOutsourcing:
    def test_add_and_edit(self, company, project):
        part = add_part(company, project, amount="0.10")
        assert part.status == OutsourcingStatus.DRAFT and part.amount == Decimal("0.10")
        intake.outsourcing_update(
            actor=company.pm, project=project, part_id=part.pk, amount="0.20", supplier="乙公司"
        )
        part.refresh_from_db()
        # Decimal end to end: 0.1 + 0.2 is exactly 0.3
        assert part.amount + Decimal("0.10") == Decimal("0.30")
        assert part.supplier == "乙公司"

    @pytest.mark.parametrize(
        ("fields", "code"),
        [
            ({"amount": "-1"}, "invalid_number"),
            ({"amount": "1.001"}, "invalid_number"),
            ({"amount": "Infinity"}, "invalid_number"),
            ({"amount": ""}, "required"),
            ({"scope": ""}, "required"),
            ({"supplier": " "}, "required"),
            ({"contract_number": "W" * 61}, "too_long"),
        ],
    )
    def test_bad_input(self, company, project, fields, code):
        with pytest.raises(ApplicationError) as exc:
            add_part(company, project, **fields)
        assert exc.value.code == code
        assert not OutsourcingPart.objects.exists()

    def test_who_may_edit(self, company, project):
        for user in (company.head, company.am, company.member, company.commerce):
            with pytest.raises(PermissionDenied):
                intake.outsourcing_add(
                    actor=user, project=project, scope="布线", supplier="甲", amount="1"
                )

    def test_application_approved_through_its_chain(self, company, project, approve_all):
        # given a part, when the PM submits its outsourcing application
        part = add_part(company, project)
        request = intake.outsourcing_submit(actor=company.pm, project=project, part_id=part.pk)
        part.refresh_from_db()
        # then the outsourcing chain runs: PMO staff → commerce → president
        assert request.chain.code == "outsourcing" and request.project == project
        assert part.status == OutsourcingStatus.IN_APPROVAL
        pending = request.tasks.get(status="pending")
        assert pending.assignee == company.pmo_staff
        assignees = list(
            request.tasks.order_by("step__index").values_list("assignee__username", flat=True)
        )
        assert assignees == ["pmostaff", "commerce", "president"]
        # nothing may change meanwhile
        for call in (
            lambda: intake.outsourcing_update(
                actor=company.pmo, project=project, part_id=part.pk, amount="1"
            ),
            lambda: intake.outsourcing_remove(actor=company.pmo, project=project, part_id=part.pk),
            lambda: intake.outsourcing_submit(actor=company.pm, project=project, part_id=part.pk),
        ):
            with pytest.raises(ApplicationError) as exc:
                call()
            assert exc.value.status == 409
        # when every approver approves, the part is approved
        approve_all(project)
        part.refresh_from_db()
        request.refresh_from_db()
        assert request.status == RequestStatus.APPROVED
        assert part.status == OutsourcingStatus.APPROVED and part.is_cleared
        # afterwards only the outsourcing contract number may still change
        with pytest.raises(ApplicationError) as exc:
            intake.outsourcing_update(
                actor=company.pm, project=project, part_id=part.pk, amount="1"
            )
        assert exc.value.code == "approved_locked"
        intake.outsourcing_update(
            actor=company.pm, project=project, part_id=part.pk, contract_number="WB-01"
        )
        with pytest.raises(ApplicationError) as exc:
            intake.outsourcing_submit(actor=company.pm, project=project, part_id=part.pk)
        assert exc.value.code == "already_approved"
        assert AuditEvent.objects.filter(
            action="project.outsourcing_status",
            changes__outsourcing_status=["in_approval", "approved"],
        ).exists()

    def test_returned_rejected_and_withdrawn(self, company, project, approve_all):
        part = add_part(company, project)
        request = intake.outsourcing_submit(actor=company.pm, project=project, part_id=part.pk)
        # returned: back to draft, edited, resubmitted (same request, next round)
        task = request.tasks.get(status="pending")
        task_return(actor=task.assignee, task_id=task.pk, comment="金额需核实")
        part.refresh_from_db()
        assert part.status == OutsourcingStatus.DRAFT
        intake.outsourcing_update(actor=company.pm, project=project, part_id=part.pk, amount="1")
        again = intake.outsourcing_submit(actor=company.pm, project=project, part_id=part.pk)
        assert again.pk == request.pk and again.round == 2
        part.refresh_from_db()
        assert part.status == OutsourcingStatus.IN_APPROVAL
        # rejected: a new application may be submitted after editing
        task = again.tasks.get(status="pending", step__round=2)
        task_reject(actor=task.assignee, task_id=task.pk, comment="不同意外包")
        part.refresh_from_db()
        assert part.status == OutsourcingStatus.REJECTED and not part.is_cleared
        third = intake.outsourcing_submit(actor=company.pm, project=project, part_id=part.pk)
        assert third.pk != request.pk
        # withdrawn before anyone decided: back to draft
        request_withdraw(actor=company.pm, request_id=third.pk)
        part.refresh_from_db()
        assert part.status == OutsourcingStatus.DRAFT

    def test_submit_guard(self, company, project, walk, approve_all):
        # given an outsourcing part with neither approval nor contract
        part = add_part(company, project)
        assert problems("submit", project)
        # then the initiation cannot be submitted (R1)
        with pytest.raises(ApplicationError) as exc:
            services.project_submit(actor=company.pm, project=project)
        assert exc.value.code == "outsourcing_not_cleared"
        assert "机房布线" in exc.value.message
        assert Project.objects.get(pk=project.pk).status == Status.DRAFT
        # an outsourcing contract number clears it
        intake.outsourcing_update(
            actor=company.pm, project=project, part_id=part.pk, contract_number="WB-2026-01"
        )
        assert not problems("submit", project)
        # a second part clears through its approved application
        second = add_part(company, project, scope="安装调试", supplier="某集成商")
        with pytest.raises(ApplicationError):
            services.project_submit(actor=company.pm, project=project)
        intake.outsourcing_submit(actor=company.pm, project=project, part_id=second.pk)
        approve_all(project)
        project = walk(project, "submit", approve=False)
        assert project.status == Status.INITIATION_REVIEW

    def test_pm_edits_after_draft_but_not_frozen(self, company, project, walk):
        project = walk(project, "cancel")
        with pytest.raises(ApplicationError) as exc:
            add_part(company, project)
        assert exc.value.code == "project_frozen"


@pytest.mark.django_db
class TestNumber:
    def test_pmo_admin_sets_the_number(self, company, project):
        services.project_assign_number(
            actor=company.pmo, project=project, number="  XM-2026-777 ", short_name=" 交通 "
        )
        project.refresh_from_db()
        assert (project.number, project.short_name) == ("XM-2026-777", "交通")
        assert AuditEvent.objects.filter(action="project.assign_number").count() == 1
        # the same again changes nothing and records nothing
        services.project_assign_number(
            actor=company.pmo, project=project, number="XM-2026-777", short_name="交通"
        )
        assert AuditEvent.objects.filter(action="project.assign_number").count() == 1

    def test_refusals(self, company, project, make_project, walk):
        other = make_project(name="另一个项目", materials=False)
        with pytest.raises(ApplicationError) as exc:
            services.project_assign_number(
                actor=company.pmo, project=project, number=f" {other.number} ", short_name=""
            )
        assert exc.value.code == "number_taken"
        for number, code in (("  ", "number_required"), ("N" * 41, "invalid_number")):
            with pytest.raises(ApplicationError) as exc:
                services.project_assign_number(
                    actor=company.pmo, project=project, number=number, short_name=""
                )
            assert exc.value.code == code
        # PMO staff and the PM may not
        for user in (company.pmo_staff, company.pm):
            with pytest.raises(PermissionDenied):
                services.project_assign_number(
                    actor=user, project=project, number="XM-1", short_name=""
                )
        # refused after the initiation was submitted
        project = walk(project, "submit", approve=False)
        with pytest.raises(ApplicationError) as exc:
            services.project_assign_number(
                actor=company.pmo, project=project, number="XM-1", short_name=""
            )
        assert exc.value.code == "number_locked"

    def test_appointment_keeps_a_number_set_before(self, company, make_project, approve_all):
        project = make_project(appoint=False)
        services.project_assign_number(
            actor=company.pmo, project=project, number="XM-PRE-1", short_name=""
        )
        services.project_appoint_pm(actor=company.pmo, project=project, pm=company.pm)
        project = approve_all(project)
        assert project.number == "XM-PRE-1" and project.pm == company.pm


@pytest.mark.django_db
class TestContractPage:
    def test_page_shows_contract_deliverables_and_outsourcing(self, company, project):
        intake.deliverable_add(actor=company.pmo, project=project, name="软件系统", quantity="2")
        add_part(company, project)
        response = client_for(company.pm).get(reverse("projects:contract", args=[project.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        for text in ("HT-2026-001", "软件系统", "机房布线", 'data-testid="outsourcing-problems"'):
            assert text in html
        assert 'data-testid="deliverable-form"' in html
        assert 'data-testid="number-form"' not in html  # PMO administrator only

    def test_viewer_sees_no_forms_and_stranger_gets_404(self, company, project):
        html = (
            client_for(company.head)
            .get(reverse("projects:contract", args=[project.pk]))
            .content.decode()
        )
        assert 'data-testid="deliverable-form"' not in html
        assert 'data-testid="outsourcing-form"' not in html
        client = client_for(company.stranger)
        urls = [
            ("get", reverse("projects:contract", args=[project.pk])),
            ("post", reverse("projects:deliverable_add", args=[project.pk])),
            ("post", reverse("projects:outsourcing_add", args=[project.pk])),
            ("post", reverse("projects:number_assign", args=[project.pk])),
            ("post", reverse("projects:nomination_start", args=[project.pk])),
        ]
        for method, url in urls:
            assert getattr(client, method)(url, {"name": "x"}).status_code == 404, url

    def test_deliverable_forms(self, company, project):
        client = client_for(company.pm)
        url = reverse("projects:deliverable_add", args=[project.pk])
        response = client.post(url, {"name": "服务器", "quantity": "3", "unit": "台"})
        assert response.status_code == 302
        item = ContractDeliverable.objects.get(project=project)
        assert item.quantity == Decimal("3")
        # a bad quantity is a message, nothing changes
        response = client.post(url, {"name": "交换机", "quantity": "-3"}, follow=True)
        assert ContractDeliverable.objects.count() == 1
        assert any(m.level_tag == "error" for m in response.context["messages"])
        change = reverse("projects:deliverable_change", args=[project.pk, item.pk])
        client.post(change, {"name": "服务器", "quantity": "4", "unit": "台"})
        item.refresh_from_db()
        assert item.quantity == Decimal("4")
        client.post(change, {"delete": "1"})
        assert not ContractDeliverable.objects.exists()
        # someone who may not edit gets 403
        response = client_for(company.head).post(url, {"name": "服务器"})
        assert response.status_code == 403

    def test_outsourcing_forms(self, company, project, approve_all):
        client = client_for(company.pm)
        client.post(
            reverse("projects:outsourcing_add", args=[project.pk]),
            {"scope": "布线", "supplier": "甲公司", "amount": "5000"},
        )
        part = OutsourcingPart.objects.get(project=project)
        response = client.post(reverse("projects:outsourcing_submit", args=[project.pk, part.pk]))
        request = application(part)
        assert response.status_code == 302
        assert response["Location"] == reverse("approvals:detail", args=[request.pk])
        approve_all(project)
        # once approved, the contract number form records the outsourcing contract
        client.post(
            reverse("projects:outsourcing_change", args=[project.pk, part.pk]),
            {"contract_number": "WB-9"},
        )
        part.refresh_from_db()
        assert part.status == "approved" and part.contract_number == "WB-9"
        html = client.get(reverse("projects:contract", args=[project.pk])).content.decode()
        assert f'data-testid="outsourcing-request-{part.pk}"' in html

    def test_number_form(self, company, project):
        client = client_for(company.pmo)
        html = client.get(reverse("projects:contract", args=[project.pk])).content.decode()
        assert 'data-testid="number-form"' in html
        client.post(
            reverse("projects:number_assign", args=[project.pk]),
            {"number": "XM-NEW-1", "short_name": "新"},
        )
        project.refresh_from_db()
        assert project.number == "XM-NEW-1"
        response = client_for(company.pm).post(
            reverse("projects:number_assign", args=[project.pk]), {"number": "XM-X"}
        )
        assert response.status_code == 403


@pytest.mark.django_db
class TestNominationOnTheProjectPage:
    def test_pmo_starts_head_nominates(self, company, make_project, approve_all):
        project = make_project(appoint=False)
        detail = reverse("projects:detail", args=[project.pk])
        pmo = client_for(company.pmo_staff)
        assert 'data-testid="nomination-start"' in pmo.get(detail).content.decode()
        pmo.post(reverse("projects:nomination_start", args=[project.pk]))
        html = pmo.get(detail).content.decode()
        assert 'data-testid="nomination-state"' in html and 'data-status="open"' in html
        assert 'data-testid="nomination-start"' not in html
        assert 'data-testid="nomination-cancel"' in html
        # the head sees the nomination form and nominates
        head = client_for(company.head)
        assert 'data-testid="appoint"' in head.get(detail).content.decode()
        response = head.post(reverse("projects:nominate", args=[project.pk]), {"pm": company.pm.pk})
        request = ApprovalRequest.objects.get(project=project, chain__code="pm_appointment")
        assert response["Location"] == reverse("approvals:detail", args=[request.pk])
        assert 'data-testid="in-approval-appoint_pm"' in head.get(detail).content.decode()
        assert approve_all(project).pm == company.pm

    def test_refusal_is_a_message(self, company, make_project):
        project = make_project(appoint=False)
        response = client_for(company.head).post(
            reverse("projects:nominate", args=[project.pk]), {"pm": company.pm.pk}, follow=True
        )
        assert any(m.level_tag == "error" for m in response.context["messages"])
        # the account manager sees the project but may not start a nomination
        response = client_for(company.am).post(
            reverse("projects:nomination_start", args=[project.pk])
        )
        assert response.status_code == 403

    def test_cancel(self, company, make_project):
        project = make_project(appoint=False)
        nomination_start(actor=company.pmo, project=project)
        client_for(company.pmo).post(reverse("projects:nomination_cancel", args=[project.pk]))
        assert project.nominations.get().status == "cancelled"
