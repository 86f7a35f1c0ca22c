"""Property-based API tests: every operation of /api/v1/openapi.json against the WSGI app.

Schemathesis generates valid and invalid requests for each operation (a bounded, derandomized
number per operation) and checks that none is a server error and that documented responses
match their schema. Requests are sent as a PMO administrator on a small company with projects.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from epm.api import api
from epm.approvals.models import ApprovalRequest, ApprovalTask, Chain
from epm.approvals.services import delegation_create, request_comment
from epm.core.models import ApiToken
from epm.core.notifications import notify
from epm.core.services import api_token_create
from epm.projects.lifecycle import ALL_CODES
from epm.projects.models import ProjectRole
from epm.projects.services import project_appoint_pm, project_member_add, project_transition

# Examples from the document, the coverage phase (boundary values of every parameter, valid and
# invalid) and 15 fuzzed requests per operation; the stateful phase is not run (no links).
CONFIG = {
    "generation": {"max-examples": 15, "deterministic": True},
    "phases": {"stateful": {"enabled": False}},
}


@pytest.fixture
def wsgi_app(settings):
    """The real WSGI application, sharing the test's database connection and transaction.

    Django's test client keeps the connection open between requests by muting
    `close_old_connections`; a bare WSGI handler needs the same, or the first request would
    close the connection the test's transaction lives on.
    """
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def known_ids(company, make_project) -> dict[str, list]:
    """A company with projects in different states, a team and a notification; the ids (and
    codes) that name them, by parameter name."""
    draft = make_project(name="草稿项目", appoint=False)
    submitted = make_project(name="运行项目")
    big = make_project(name="大项目", is_big_project=True)
    membership = project_member_add(
        actor=company.pmo, project=submitted, user=company.member, role=ProjectRole.DEVELOPER
    )
    project_transition(actor=company.pmo, project=submitted, code="submit")
    notify(recipients=[company.pmo], kind="test", title="你好", dedupe_key="schemathesis")
    # Approvals: an appointment waiting for the head, who lets the PMO administrator decide.
    delegation = delegation_create(
        actor=company.head,
        delegate=company.pmo,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    project_appoint_pm(actor=company.pmo_staff, project=draft, pm=company.pm)
    requests = list(ApprovalRequest.objects.order_by("pk"))
    event = request_comment(
        actor=company.pmo,
        request_id=requests[0].pk,
        comment="附件",
        files=[SimpleUploadedFile("说明.txt", "内容".encode())],
    )
    return {
        "project_id": [draft.pk, submitted.pk, big.pk],
        "membership_id": [membership.pk],
        "department_id": [company.tech.pk, company.other.pk],
        "user_id": [company.member.pk, company.pm.pk],
        "pm_id": [company.pm.pk, company.member.pk],
        "account_manager_id": [company.am.pk],
        "assistant_id": [company.member.pk],
        "parent_id": [big.pk],
        "code": [*ALL_CODES, *Chain.objects.values_list("code", flat=True)],
        "request_id": [r.pk for r in requests],
        "task_id": list(ApprovalTask.objects.values_list("pk", flat=True)),
        "task_ids": [list(ApprovalTask.objects.values_list("pk", flat=True))],
        "attachment_id": [event.attachments.get().pk],
        "delegation_id": [delegation.pk],
        "project_type": ["software", "system_integration"],
        "role": list(ProjectRole.values),
    }


TEXT_REFERENCES = {"code", "project_type", "role"}


def _aim_at_real_objects(case, known: dict[str, list]) -> None:
    """Point about half of the generated ids at objects that exist.

    Random ids almost always miss, which would test little beyond the 404; an even generated
    number (or a string of even length) is swapped for a real id (or code), so writes with
    fuzzed bodies reach the services too, while odd ones keep testing ids that do not exist.
    """

    def aim(name: str, value):
        choices = known.get(name)
        if not choices or isinstance(value, bool):
            return value
        if isinstance(value, int) and value % 2 == 0:
            return choices[abs(value) // 2 % len(choices)]
        if isinstance(value, str) and name in TEXT_REFERENCES and len(value) % 2 == 0:
            return choices[len(value) // 2 % len(choices)]
        return value

    if case.path_parameters:
        for name, value in case.path_parameters.items():
            case.path_parameters[name] = aim(name, value)
    if isinstance(case.body, dict):
        for name, value in case.body.items():
            case.body[name] = aim(name, value)


@pytest.fixture
def auth_headers(company):
    """Headers with a valid PMO administrator token, renewed if a generated call revoked it."""
    state = {}

    def headers() -> dict[str, str]:
        token = state.get("token")
        if token is None or ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=False).exists():
            state["token"], state["secret"] = api_token_create(user=company.pmo, name="fuzz")
        return {"Authorization": f"Bearer {state['secret']}"}

    return headers


# The document is built in process (no request needed); each operation becomes one test item
# with its own database transaction. (`schemathesis.pytest.from_fixture` is not used: its
# sub-test reporting relies on a pytest internal that pytest 9 removed.)
schema = schemathesis.openapi.from_dict(
    api.get_openapi_schema(), config=SchemathesisConfig.from_dict(CONFIG)
)


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api(case, db, wsgi_app, known_ids, auth_headers):
    _aim_at_real_objects(case, known_ids)
    case.call_and_validate(
        app=wsgi_app,
        headers=auth_headers(),
        checks=[not_a_server_error, response_schema_conformance],
    )
