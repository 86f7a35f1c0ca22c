"""Bad input on nomination and outsourcing through the page and the API (issue 4): a nomination
for a project that already has its PM, and an outsourcing part edited while its application
is in approval. Each is refused with a message and changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from epm.approvals.models import ApprovalRequest
from epm.core.errors import ApplicationError
from epm.projects import intake
from epm.projects.models import Nomination, OutsourcingPart, OutsourcingStatus
from epm.projects.nomination import nomination_submit
from epm.testing import api_client, assert_error, send


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def refusal(call, user) -> str:
    """The message a service refuses with, in `user`'s language (what the page must show)."""
    with translation.override(user.language), pytest.raises(ApplicationError) as error:
        call()
    return error.value.message


def errors(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


def appointment_state(project) -> tuple:
    project.refresh_from_db()
    return (
        project.pm_id,
        list(Nomination.objects.filter(project=project).values_list("pk", "status")),
        list(ApprovalRequest.objects.filter(project=project).values_list("pk", "status")),
    )


@pytest.mark.django_db
class TestNominationWhenThePmIsAppointed:
    def test_the_page_refuses_with_the_reason(self, company, make_project):
        project = make_project(materials=False)
        before = appointment_state(project)
        message = refusal(
            lambda: nomination_submit(actor=company.head, project=project, pm=company.member),
            company.head,
        )

        nominated = client_for(company.head).post(
            reverse("projects:nominate", args=[project.pk]),
            {"pm": company.member.pk},
            follow=True,
        )
        started = client_for(company.pmo).post(
            reverse("projects:nomination_start", args=[project.pk]), follow=True
        )

        assert errors(nominated) == [message]
        assert errors(started) == [message]
        assert escape(message) in nominated.content.decode()
        assert appointment_state(project) == before

    def test_the_api_refuses_starting_one(self, company, make_project):
        project = make_project(materials=False)
        before = appointment_state(project)

        response = send(
            api_client(company.pmo), "post", f"/api/v1/projects/{project.pk}/nomination"
        )

        assert_error(response, 409, "pm_exists")
        assert appointment_state(project) == before

    def test_the_pmo_nominating_directly_is_refused_too(self, company, make_project):
        project = make_project(materials=False)
        before = appointment_state(project)

        response = send(
            api_client(company.pmo),
            "post",
            f"/api/v1/projects/{project.pk}/nomination/submit",
            {"pm_id": company.member.pk},
        )

        assert_error(response, 409, "pm_exists")
        assert appointment_state(project) == before


@pytest.fixture
def part_in_approval(company, project):
    part = intake.outsourcing_add(
        actor=company.pmo, project=project, scope="机房布线", supplier="甲公司", amount="0.10"
    )
    intake.outsourcing_submit(actor=company.pm, project=project, part_id=part.pk)
    part.refresh_from_db()
    assert part.status == OutsourcingStatus.IN_APPROVAL
    return part


def snapshot(part) -> dict:
    return OutsourcingPart.objects.filter(pk=part.pk).values().first()


@pytest.mark.django_db
class TestOutsourcingInApproval:
    def test_the_service_names_the_reason(self, company, project, part_in_approval):
        before = snapshot(part_in_approval)
        for call in (
            lambda: intake.outsourcing_update(
                actor=company.pm, project=project, part_id=part_in_approval.pk, amount="-1"
            ),
            lambda: intake.outsourcing_update(
                actor=company.pm, project=project, part_id=part_in_approval.pk, supplier="乙"
            ),
            lambda: intake.outsourcing_remove(
                actor=company.pmo, project=project, part_id=part_in_approval.pk
            ),
        ):
            with pytest.raises(ApplicationError) as exc:
                call()
            assert (exc.value.code, exc.value.status) == ("in_approval", 409)
        assert snapshot(part_in_approval) == before

    def test_the_page_refuses_with_the_reason(self, company, project, part_in_approval):
        before = snapshot(part_in_approval)
        message = refusal(
            lambda: intake.outsourcing_remove(
                actor=company.pm, project=project, part_id=part_in_approval.pk
            ),
            company.pm,
        )
        url = reverse("projects:outsourcing_change", args=[project.pk, part_in_approval.pk])
        client = client_for(company.pm)

        edited = client.post(
            url, {"scope": "机房布线", "supplier": "乙公司", "amount": "99"}, follow=True
        )
        removed = client.post(url, {"delete": "1"}, follow=True)

        assert errors(edited) == [message] and errors(removed) == [message]
        assert snapshot(part_in_approval) == before

    def test_the_api_refuses_with_409(self, company, project, part_in_approval):
        before = snapshot(part_in_approval)
        pm = api_client(company.pm)
        url = f"/api/v1/projects/{project.pk}/outsourcing/{part_in_approval.pk}"

        assert_error(send(pm, "patch", url, {"amount": "99"}), 409, "in_approval")
        assert_error(send(pm, "patch", url, {"supplier": "乙公司"}), 409, "in_approval")
        assert_error(send(pm, "delete", url), 409, "in_approval")
        assert snapshot(part_in_approval) == before
