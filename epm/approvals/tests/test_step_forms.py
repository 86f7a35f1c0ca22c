"""Step forms: what an approver fills in when approving a step (commerce's check of the purchase
plan, the review board's scores, R5) — validation, chains that name a form, approving with and
without answers through the service, the pages and the API, and the initiation scorecard."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from conftest import answers_for
from epm.approvals import services
from epm.approvals.models import (
    Action,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalTask,
    Chain,
    ChainVersion,
    RequestStatus,
    TaskStatus,
)
from epm.approvals.stepforms import (
    MAX_TEXT,
    SCORE,
    TEXT,
    FormField,
    StepForm,
    form_of,
    forms_for,
)
from epm.approvals.steps import normalise_steps
from epm.core.errors import ApplicationError
from epm.core.services import api_token_create
from epm.planning.review import PURCHASE_REVIEW, REVIEW_SCORES, scorecard
from epm.projects.gates import APPOINTMENT_KIND, TRANSITION_KIND
from epm.projects.models import Project, Status
from epm.projects.services import project_transition

from .engine_helpers import org

pytestmark = pytest.mark.django_db

URL = "/api/v1/approvals"
SCORES = {"necessity": 5, "feasibility": 4, "technical": 4, "budget": 3, "benefit": 5}
CHECKS = {"configuration": True, "quantity": True, "price": True, "delivery": True}


@pytest.fixture
def english():
    """Messages of services called directly are checked in English (the source strings)."""
    with translation.override("en"):
        yield


def shown(user, text) -> str:
    """`text` (a source string or a lazy label) as `user` reads it, in their language."""
    with translation.override(user.language):
        return gettext(text) if isinstance(text, str) else str(text)


def problems_of(user, form: StepForm, data) -> list[str]:
    """The problems `form.clean` lists for `data`, as `user` reads them."""
    with translation.override(user.language), pytest.raises(ApplicationError) as exc:
        form.clean(data)
    return exc.value.detail


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def api_client(user) -> Client:
    _token, secret = api_token_create(user=user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post_json(client: Client, url: str, data) -> object:
    return client.post(url, data=json.dumps(data), content_type="application/json")


def pending(request: ApprovalRequest, user) -> ApprovalTask:
    return ApprovalTask.objects.select_related("step", "request").get(
        request=request, step__round=request.round, assignee=user, status=TaskStatus.PENDING
    )


def approve(request: ApprovalRequest, user, answers=None) -> ApprovalTask:
    """`user` approves their pending task through the service (answering its form)."""
    task = pending(request, user)
    services.task_approve(
        actor=user, task_id=task.pk, form=answers if answers is not None else answers_for(task)
    )
    return ApprovalTask.objects.get(pk=task.pk)


def state(task: ApprovalTask) -> tuple:
    """What approving could change: the task, its request and the request's events."""
    task = ApprovalTask.objects.get(pk=task.pk)
    request = ApprovalRequest.objects.get(pk=task.request_id)
    return (
        task.status,
        task.answers,
        task.decided_at,
        request.status,
        request.round,
        ApprovalEvent.objects.filter(request=request).count(),
    )


@pytest.fixture
def initiation(company, project) -> ApprovalRequest:
    """The PM has submitted the project: its initiation approval waits for the PMO staff."""
    project_transition(actor=company.pm, project=project, code="submit")
    return ApprovalRequest.objects.get(project=project, chain__code="initiation")


@pytest.fixture
def at_commerce(company, initiation) -> ApprovalRequest:
    """The PMO staff approved: commerce's check of the purchase plan is next."""
    approve(initiation, company.pmo_staff)
    return initiation


@pytest.fixture
def at_board(company, at_commerce) -> ApprovalRequest:
    """Commerce confirmed the purchase plan: the review board scores."""
    approve(at_commerce, company.commerce, CHECKS)
    return at_commerce


# --- StepForm.clean ------------------------------------------------------------------------------

NOTES = StepForm(
    code="notes",
    label="Notes",
    fields=(
        FormField("summary", "Summary", TEXT),
        FormField("remark", "Remark", TEXT, required=False),
        FormField("extra", "Extra score", SCORE, low=0, high=10, required=False),
    ),
)


def refused(form: StepForm, data) -> ApplicationError:
    with pytest.raises(ApplicationError) as exc:
        form.clean(data)
    assert exc.value.code == "invalid_form"
    assert exc.value.status == 400
    return exc.value


@pytest.mark.usefixtures("english")
class TestClean:
    def test_scores_in_range_are_whole_numbers(self):
        data = {"necessity": 1, "feasibility": "5", "technical": " 3 ", "budget": 2, "benefit": 4}
        assert REVIEW_SCORES.clean(data) == {
            "necessity": 1,
            "feasibility": 5,
            "technical": 3,
            "budget": 2,
            "benefit": 4,
        }

    def test_unknown_keys_are_dropped(self):
        assert REVIEW_SCORES.clean({**SCORES, "bonus": 99}) == SCORES

    def test_scores_out_of_range_are_each_listed(self):
        error = refused(REVIEW_SCORES, {**SCORES, "necessity": 0, "budget": 6})
        assert error.detail == [
            "Necessity: the score must be from 1 to 5.",
            "Budget accuracy: the score must be from 1 to 5.",
        ]
        assert error.message.startswith("Initiation review scores (R5) is not complete:")
        assert all(problem in error.message for problem in error.detail)

    def test_missing_scores_are_each_listed(self):
        error = refused(REVIEW_SCORES, {"necessity": 3})
        assert error.detail == [
            f"{label}: give a score from 1 to 5."
            for label in (
                "Feasibility",
                "Technical soundness",
                "Budget accuracy",
                "Expected benefit",
            )
        ]

    @pytest.mark.parametrize("value", ["4.5", 4.5, 4.0, True, False, "", None, "four", [4], "-"])
    def test_a_score_must_be_a_whole_number(self, value):
        error = refused(REVIEW_SCORES, {**SCORES, "technical": value})
        assert error.detail == ["Technical soundness: give a score from 1 to 5."]

    def test_a_negative_score_is_out_of_range(self):
        error = refused(REVIEW_SCORES, {**SCORES, "benefit": "-3"})
        assert error.detail == ["Expected benefit: the score must be from 1 to 5."]

    def test_nothing_answered_lists_every_field(self):
        for data in (None, {}):
            error = refused(REVIEW_SCORES, data)
            assert len(error.detail) == len(REVIEW_SCORES.fields)
        error = refused(PURCHASE_REVIEW, {})
        assert len(error.detail) == len(PURCHASE_REVIEW.fields)

    @pytest.mark.parametrize("value", [True, "1", "true", "True", "on", "yes"])
    def test_a_check_is_confirmed(self, value):
        assert PURCHASE_REVIEW.clean({**CHECKS, "price": value})["price"] is True

    @pytest.mark.parametrize("value", [False, "0", "false", "no", "off", "", None, 0])
    def test_a_check_not_confirmed_is_refused(self, value):
        error = refused(PURCHASE_REVIEW, {**CHECKS, "quantity": value})
        assert error.detail == [
            "Quantities match the contract: confirm it, or return the request instead of approving."
        ]

    def test_text_is_stripped_and_optional_fields_may_be_left_out(self):
        assert NOTES.clean({"summary": "  同意立项  "}) == {"summary": "同意立项", "remark": ""}
        assert NOTES.clean({"summary": "x" * MAX_TEXT, "extra": 0}) == {
            "summary": "x" * MAX_TEXT,
            "remark": "",
            "extra": 0,
        }

    @pytest.mark.parametrize("value", [None, "", "   \n "])
    def test_required_text_is_refused_when_empty(self, value):
        error = refused(NOTES, {"summary": value})
        assert error.detail == ["Summary: this is required."]

    def test_text_too_long_and_an_optional_score_out_of_range(self):
        error = refused(
            NOTES, {"summary": "x" * (MAX_TEXT + 1), "remark": "y" * (MAX_TEXT + 1), "extra": 11}
        )
        assert error.detail == [
            f"Summary: at most {MAX_TEXT} characters.",
            f"Remark: at most {MAX_TEXT} characters.",
            "Extra score: the score must be from 0 to 10.",
        ]

    @pytest.mark.parametrize("data", [[], [1, 2], "necessity=4", 4, True])
    def test_answers_must_be_an_object(self, data):
        error = refused(REVIEW_SCORES, data)
        assert error.message == "The form answers must be an object."

    def test_rows_show_what_was_answered(self):
        assert PURCHASE_REVIEW.rows({"configuration": True, "price": False}) == [
            ("Equipment configuration matches the contract", "Confirmed"),
            ("Prices are reasonable", "Not confirmed"),
        ]
        assert REVIEW_SCORES.rows({"necessity": 4}) == [("Necessity", "4 / 5")]
        assert REVIEW_SCORES.rows(None) == []

    @pytest.mark.parametrize("value", ["²", "9" * 5000])
    def test_odd_digits_are_refused_not_a_crash(self, value):
        error = refused(REVIEW_SCORES, {**SCORES, "necessity": value})
        assert len(error.detail) == 1


# --- Chains that name a form ---------------------------------------------------------------------


def step(name: str, form: str | None = None) -> dict:
    data = {"name": name, "mode": "any", "due_days": 2, "approvers": [org("finance")]}
    if form is not None:
        data["form"] = form
    return data


@pytest.mark.usefixtures("english")
class TestChainsNameForms:
    def test_the_forms_are_declared_for_project_steps(self):
        assert set(forms_for(TRANSITION_KIND)) >= {"review_scores", "purchase_review"}
        assert form_of(TRANSITION_KIND, "review_scores") is REVIEW_SCORES
        assert form_of(APPOINTMENT_KIND, "review_scores") is None
        assert form_of(TRANSITION_KIND, "nope") is None

    def test_a_known_form_is_kept_and_an_empty_one_left_out(self):
        steps = normalise_steps(
            [step("评审", "review_scores"), step("财务", ""), step("总裁")],
            fields=None,
            forms=forms_for(TRANSITION_KIND),
        )
        assert steps[0]["form"] == "review_scores"
        assert "form" not in steps[1] and "form" not in steps[2]

    def test_an_unknown_form_is_refused_by_step(self):
        with pytest.raises(ApplicationError) as exc:
            normalise_steps(
                [step("评审", "review_scores"), step("商务", "nope")],
                fields=None,
                forms=forms_for(TRANSITION_KIND),
            )
        assert exc.value.code == "invalid_chain"
        assert exc.value.detail == ["Step 2: Unknown form: nope"]

    def test_without_declared_forms_no_form_is_known(self):
        with pytest.raises(ApplicationError) as exc:
            normalise_steps([step("评审", "review_scores")], fields=None)
        assert exc.value.detail == ["Step 1: Unknown form: review_scores"]

    def test_the_api_refuses_an_unknown_form_and_keeps_a_known_one(self, company):
        pmo = api_client(company.pmo)
        chain = Chain.objects.get(code="initiation")
        versions = ChainVersion.objects.filter(chain=chain).count()
        body = {"name": "立项审批", "steps": [step("PMO审核"), step("商务", "purchase_reviews")]}

        response = pmo.put(
            f"{URL}/chains/initiation", data=json.dumps(body), content_type="application/json"
        )

        assert response.status_code == 400
        error = response.json()
        assert error["code"] == "invalid_chain"
        assert error["detail"] == [
            shown(company.pmo, "Step %(n)d: %(problem)s")
            % {
                "n": 2,
                "problem": shown(company.pmo, "Unknown form: %(f)s") % {"f": "purchase_reviews"},
            }
        ]
        assert ChainVersion.objects.filter(chain=chain).count() == versions

        body["steps"][1]["form"] = "purchase_review"
        response = pmo.put(
            f"{URL}/chains/initiation", data=json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 200, response.content[:500]
        assert [s.get("form") for s in response.json()["steps"]] == [None, "purchase_review"]

    def test_a_form_of_another_subject_is_unknown(self, company):
        """The review scores are declared for project steps, not for PM appointments."""
        chain = Chain.objects.get(code="pm_appointment")
        steps = [dict(s) for s in chain.current_version.steps]
        steps[0]["form"] = "review_scores"
        with pytest.raises(ApplicationError) as exc:
            services.chain_save(
                actor=company.pmo, code="pm_appointment", name=chain.name, steps=steps
            )
        assert exc.value.detail == ["Step 1: Unknown form: review_scores"]

    def test_the_editor_refuses_an_unknown_form(self, company):
        chain = Chain.objects.get(code="initiation")
        version = chain.current_version
        versions = ChainVersion.objects.filter(chain=chain).count()
        steps = [dict(s, condition="") for s in version.steps]
        steps[2]["form"] = "scores"
        data = {
            "name": chain.name,
            "name_en": chain.name_en,
            "description": chain.description,
            "is_active": "on",
            "self_approval": version.self_approval,
            "escalate_after_days": version.escalate_after_days,
            "note": "",
            "steps": json.dumps(steps, ensure_ascii=False),
            "cc": json.dumps(version.cc),
        }
        url = reverse("approvals:chain_edit", args=["initiation"])

        response = page_client(company.pmo).post(url, data)

        assert response.status_code == 400
        [problem] = response.context["problems"]
        assert problem == shown(company.pmo, "Step %(n)d: %(problem)s") % {
            "n": 3,
            "problem": shown(company.pmo, "Unknown form: %(f)s") % {"f": "scores"},
        }
        assert response.context["editor"]["steps"][2]["form"] == "scores"  # kept to correct
        assert ChainVersion.objects.filter(chain=chain).count() == versions
        # the editor offers the subject's forms to choose from
        page = page_client(company.pmo).get(url)
        offered = {code for code, _label in page.context["editor"]["options"]["forms"]}
        assert offered >= {"review_scores", "purchase_review"}


# --- Approving a step that asks for a form -------------------------------------------------------


class TestApproveNeedsTheAnswers:
    def test_the_service_refuses_without_answers_and_nothing_changes(self, company, at_commerce):
        task = pending(at_commerce, company.commerce)
        before = state(task)
        for form in (None, {}, {**CHECKS, "price": False}, ["yes"]):
            with pytest.raises(ApplicationError) as exc:
                services.task_approve(actor=company.commerce, task_id=task.pk, form=form)
            assert exc.value.code == "invalid_form"
        assert state(task) == before
        assert state(task)[0] == TaskStatus.PENDING

    def test_the_api_refuses_without_answers(self, company, at_board):
        task = pending(at_board, company.expert)
        before = state(task)
        expert = api_client(company.expert)
        url = f"{URL}/tasks/{task.pk}/approve"

        response = post_json(expert, url, {"comment": "同意"})
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid_form" and len(body["detail"]) == 5

        response = post_json(expert, url, {"comment": "同意", "form": {**SCORES, "budget": 9}})
        assert response.status_code == 400
        assert response.json()["detail"] == problems_of(
            company.expert, REVIEW_SCORES, {**SCORES, "budget": 9}
        )
        assert len(response.json()["detail"]) == 1
        assert state(task) == before

    @pytest.mark.parametrize("form", [[1, 2], "not json", "[1, 2]", 5])
    def test_the_api_refuses_answers_that_are_not_an_object(self, company, at_board, form):
        task = pending(at_board, company.expert)
        before = state(task)
        response = post_json(
            api_client(company.expert), f"{URL}/tasks/{task.pk}/approve", {"form": form}
        )
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "validation_error"
        assert body["detail"][0]["loc"][:3] == ["body", "payload", "form"]
        assert state(task) == before

    def test_the_page_refuses_without_answers(self, company, at_commerce):
        task = pending(at_commerce, company.commerce)
        before = state(task)
        client = page_client(company.commerce)
        url = reverse("approvals:task_action", args=[at_commerce.pk, task.pk, "approve"])
        data = {"comment": "同意", "form-configuration": "1", "form-quantity": "1"}

        response = client.post(url, data, follow=True)

        assert response.status_code == 200
        [message] = [str(m) for m in response.context["messages"]]
        price, delivery = problems_of(
            company.commerce, PURCHASE_REVIEW, {"configuration": "1", "quantity": "1"}
        )
        assert price in message and delivery in message
        assert shown(company.commerce, PURCHASE_REVIEW.fields[1].label) not in message
        assert state(task) == before


class TestApproveWithAnswers:
    def test_the_service_stores_the_answers(self, company, at_commerce):
        task = approve(at_commerce, company.commerce, {**CHECKS, "price": "on"})
        assert task.status == TaskStatus.APPROVED
        assert task.answers == CHECKS
        task = approve(at_commerce, company.expert, {**SCORES, "budget": "3", "bonus": 1})
        assert task.answers == SCORES  # canonical: whole numbers, only the form's fields

    def test_steps_without_a_form_store_none(self, company, initiation):
        task = approve(initiation, company.pmo_staff, {"necessity": 5})
        assert task.status == TaskStatus.APPROVED and task.answers is None

    def test_the_api_describes_the_form_before_deciding(self, company, at_commerce):
        task = pending(at_commerce, company.commerce)
        body = api_client(company.commerce).get(f"{URL}/requests/{at_commerce.pk}").json()
        [mine] = body["my_tasks"]
        assert mine["id"] == task.pk
        assert mine["form"]["code"] == "purchase_review"
        assert mine["form"]["label"] == shown(company.commerce, PURCHASE_REVIEW.label)
        assert [(f["name"], f["kind"], f["required"]) for f in mine["form"]["fields"]] == [
            (name, "check", True) for name in CHECKS
        ]
        approve(at_commerce, company.commerce, CHECKS)
        body = api_client(company.expert).get(f"{URL}/requests/{at_commerce.pk}").json()
        [mine] = body["my_tasks"]
        assert mine["form"]["code"] == "review_scores"
        assert [
            (f["name"], f["kind"], f["low"], f["high"], f["label"]) for f in mine["form"]["fields"]
        ] == [(f.name, "score", 1, 5, shown(company.expert, f.label)) for f in REVIEW_SCORES.fields]
        assert [f["name"] for f in mine["form"]["fields"]] == list(SCORES)

    def test_the_api_approves_with_json_answers_and_shows_them(self, company, at_board):
        task = pending(at_board, company.expert)
        url = f"{URL}/tasks/{task.pk}/approve"

        response = post_json(api_client(company.expert), url, {"comment": "同意", "form": SCORES})

        assert response.status_code == 200, response.content[:500]
        body = response.json()
        assert body["my_tasks"] == []
        steps = body["rounds"][0]["steps"]
        assert [s["form"] for s in steps] == ["", "purchase_review", "review_scores", ""]
        answers = {t["assignee"]["username"]: t["answers"] for t in steps[2]["tasks"]}
        assert answers == {"expert": SCORES, "finance": None, "am": None}
        assert steps[1]["tasks"][0]["answers"] == CHECKS
        assert ApprovalTask.objects.get(pk=task.pk).answers == SCORES
        # and anyone who may read the request sees them
        body = api_client(company.pm).get(f"{URL}/requests/{at_board.pk}").json()
        [expert] = [
            t
            for t in body["rounds"][0]["steps"][2]["tasks"]
            if t["assignee"]["id"] == task.assignee_id
        ]
        assert expert["answers"] == SCORES

    def test_multipart_takes_the_answers_as_a_json_string(self, company, at_board, media):
        from django.core.files.uploadedfile import SimpleUploadedFile

        task = pending(at_board, company.finance)
        url = f"{URL}/tasks/{task.pk}/approve"
        data = {
            "comment": "预算合理",
            "form": json.dumps({**SCORES, "budget": 5}),
            "files": [SimpleUploadedFile("评分表.txt", b"5 5 5", content_type="text/plain")],
        }

        response = api_client(company.finance).post(url, data)

        assert response.status_code == 200, response.content[:500]
        task.refresh_from_db()
        assert task.status == TaskStatus.APPROVED
        assert task.answers == {**SCORES, "budget": 5}
        event = response.json()["events"][-1]
        assert [a["name"] for a in event["attachments"]] == ["评分表.txt"]

    @pytest.mark.parametrize(
        "form, status, code",
        [
            ("{necessity: 4}", 422, "validation_error"),
            ("[4, 4, 4]", 422, "validation_error"),
            (json.dumps({**SCORES, "benefit": "4.5"}), 400, "invalid_form"),
        ],
    )
    def test_multipart_with_bad_answers_changes_nothing(
        self, company, at_board, media, form, status, code
    ):
        task = pending(at_board, company.finance)
        before = state(task)
        response = api_client(company.finance).post(
            f"{URL}/tasks/{task.pk}/approve", {"comment": "同意", "form": form}
        )
        assert response.status_code == status, response.content[:500]
        body = response.json()
        assert body["code"] == code
        if code == "validation_error":
            assert body["detail"][0]["loc"][:2] == ["form", "form"]
        assert state(task) == before

    def test_the_page_shows_the_form_and_takes_its_fields(self, company, at_board):
        task = pending(at_board, company.am)
        client = page_client(company.am)
        detail = reverse("approvals:detail", args=[at_board.pk])
        page = client.get(detail)
        html = page.content.decode()
        [forms] = page.context["task_forms"]
        assert forms.task.pk == task.pk and forms.step_form is REVIEW_SCORES
        assert 'data-testid="step-form"' in html
        assert 'name="form-necessity"' in html and 'data-testid="score-budget-5"' in html
        # commerce's answers are shown on the flow already
        commerce = ApprovalTask.objects.get(request=at_board, assignee=company.commerce)
        assert f'data-testid="answers-{commerce.pk}"' in html

        data = {"comment": "同意立项"} | {f"form-{name}": str(v) for name, v in SCORES.items()}
        url = reverse("approvals:task_action", args=[at_board.pk, task.pk, "approve"])
        response = client.post(url, data, follow=True)

        assert [str(m) for m in response.context["messages"]] == [shown(company.am, "Approved.")]
        task.refresh_from_db()
        assert task.status == TaskStatus.APPROVED and task.answers == SCORES
        html = page_client(company.pm).get(detail).content.decode()
        assert f'data-testid="answers-{task.pk}"' in html
        assert shown(company.pm, REVIEW_SCORES.fields[3].label) in html and "3 / 5" in html

    def test_commerce_ticks_the_checks_on_the_page(self, company, at_commerce):
        task = pending(at_commerce, company.commerce)
        url = reverse("approvals:task_action", args=[at_commerce.pk, task.pk, "approve"])
        data = {"comment": "与合同一致"} | {f"form-{name}": "1" for name in CHECKS}

        page_client(company.commerce).post(url, data)

        task.refresh_from_db()
        assert task.status == TaskStatus.APPROVED and task.answers == CHECKS
        html = page_client(company.pm).get(reverse("approvals:detail", args=[at_commerce.pk]))
        html = html.content.decode()
        assert f'data-testid="answers-{task.pk}"' in html
        assert shown(company.pm, "Confirmed") in html


class TestSendingBackNeedsNoAnswers:
    def test_commerce_returns_without_answers(self, company, at_commerce):
        task = pending(at_commerce, company.commerce)
        services.task_return(actor=company.commerce, task_id=task.pk, comment="数量与合同不符")
        task.refresh_from_db()
        at_commerce.refresh_from_db()
        assert task.status == TaskStatus.RETURNED and task.answers is None
        assert at_commerce.status == RequestStatus.RETURNED
        assert Project.objects.get(pk=at_commerce.project_id).status == Status.DRAFT

    def test_a_board_member_rejects_through_the_api_without_answers(self, company, at_board):
        task = pending(at_board, company.finance)
        response = post_json(
            api_client(company.finance), f"{URL}/tasks/{task.pk}/reject", {"comment": "预算不实"}
        )
        assert response.status_code == 200, response.content[:500]
        assert response.json()["status"] == RequestStatus.REJECTED
        task.refresh_from_db()
        assert task.status == TaskStatus.REJECTED and task.answers is None

    def test_the_page_returns_without_answers(self, company, at_board):
        task = pending(at_board, company.expert)
        url = reverse("approvals:task_action", args=[at_board.pk, task.pk, "return"])
        page_client(company.expert).post(url, {"comment": "请补充技术方案"})
        at_board.refresh_from_db()
        assert at_board.status == RequestStatus.RETURNED


class TestBatch:
    def test_the_initiation_steps_are_read_on_their_own(self, company, at_board):
        task = pending(at_board, company.am)
        [(task_id, code, message)] = services.batch_approve(actor=company.am, task_ids=[task.pk])
        assert (task_id, code) == (task.pk, "not_batchable")
        assert at_board.title in message
        assert pending(at_board, company.am).answers is None

    def test_a_batchable_request_whose_step_asks_for_a_form_is_refused(
        self, company, project, walk
    ):
        # given the suspension chain (simple, batchable) asks the PMO staff for commerce's checks
        chain = Chain.objects.get(code="suspension")
        steps = [dict(s) for s in chain.current_version.steps]
        steps[0]["form"] = "purchase_review"
        services.chain_save(actor=company.pmo, code="suspension", name=chain.name, steps=steps)
        project = walk(project, "submit", "approve_initiation")
        project_transition(actor=company.pm, project=project, code="suspend", reason="客户暂停")
        request = ApprovalRequest.objects.get(project=project, chain__code="suspension")
        task = pending(request, company.pmo_staff)
        before = state(task)
        # the inbox offers no checkbox for it
        inbox = api_client(company.pmo_staff).get(f"{URL}/inbox", {"tab": "waiting"}).json()
        assert [row["batchable"] for row in inbox["items"] if row["id"] == task.pk] == [False]

        results = services.batch_approve(actor=company.pmo_staff, task_ids=[task.pk])

        [(task_id, code, message)] = results
        assert (task_id, code) == (task.pk, "not_batchable")
        assert str(PURCHASE_REVIEW.label) in message  # in the language active here
        assert state(task) == before
        # and through the API, with the message for the caller
        response = post_json(
            api_client(company.pmo_staff), f"{URL}/batch-approve", {"task_ids": [task.pk]}
        )
        assert response.status_code == 200
        body = response.json()
        assert body["approved"] == 0
        [row] = body["results"]
        assert (row["ok"], row["code"]) == (False, "not_batchable") and row["message"]
        assert state(task) == before
        # opened on its own, with the answers, it is approved
        approve(request, company.pmo_staff, CHECKS)
        assert ApprovalTask.objects.get(pk=task.pk).answers == CHECKS


# --- The initiation scorecard --------------------------------------------------------------------


class TestScorecard:
    BOARD = {
        "expert": {"necessity": 5, "feasibility": 5, "technical": 3, "budget": 2, "benefit": 4},
        "finance": {"necessity": 4, "feasibility": 5, "technical": 4, "budget": 3, "benefit": 4},
        "am": {"necessity": 4, "feasibility": 4, "technical": 4, "budget": 3, "benefit": 4},
    }

    def test_nothing_before_the_initiation_is_submitted(self, project):
        card = scorecard(project)
        assert card.request is None and card.rows == [] and card.purchase_checks == []
        assert card.averages == {} and card.average_total is None

    def test_the_board_scores_and_their_averages(self, company, project, at_board):
        for name in ("expert", "finance", "am"):
            approve(at_board, getattr(company, name), self.BOARD[name])
        approve(at_board, company.president)
        assert Project.objects.get(pk=project.pk).status == Status.APPROVED

        card = scorecard(project)

        assert card.request == at_board
        assert [row.reviewer.username for row in card.rows] == ["expert", "finance", "am"]
        assert [row.scores for row in card.rows] == list(self.BOARD.values())
        assert [row.total for row in card.rows] == [19, 20, 19]
        assert card.averages == {
            "necessity": Decimal("4.3"),  # 13 / 3
            "feasibility": Decimal("4.7"),  # 14 / 3
            "technical": Decimal("3.7"),  # 11 / 3
            "budget": Decimal("2.7"),  # 8 / 3
            "benefit": Decimal("4.0"),
        }
        assert all(isinstance(v, Decimal) for v in card.averages.values())
        assert [str(v) for v in card.averages.values()] == ["4.3", "4.7", "3.7", "2.7", "4.0"]
        assert card.average_total == Decimal("19.3") and str(card.average_total) == "19.3"
        [(reviewer, rows, _comment)] = card.purchase_checks
        assert reviewer == company.commerce
        assert [value for _label, value in rows] == [gettext("Confirmed")] * 4

    def test_only_the_latest_round_counts(self, company, project, at_board):
        approve(at_board, company.expert, {name: 1 for name in SCORES})
        services.task_return(
            actor=company.finance,
            task_id=pending(at_board, company.finance).pk,
            comment="预算需重新测算",
        )
        assert len(scorecard(project).rows) == 1  # the returned round, until a new one starts
        services.request_resubmit(actor=company.pm, request_id=at_board.pk)
        at_board.refresh_from_db()
        assert at_board.round == 2
        card = scorecard(project)
        assert card.rows == [] and card.purchase_checks == []
        approve(at_board, company.pmo_staff)
        approve(at_board, company.commerce, CHECKS)
        approve(at_board, company.expert, SCORES)
        card = scorecard(project)
        assert [row.scores for row in card.rows] == [SCORES]
        assert card.averages["necessity"] == Decimal("5.0")
        assert ApprovalEvent.objects.filter(request=at_board, action=Action.APPROVE).count() == 6
