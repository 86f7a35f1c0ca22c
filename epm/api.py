"""The REST API under /api/v1/: one NinjaAPI, one router per app, one error shape.

Browsers authenticate with their session (CSRF-checked); scripts send
`Authorization: Bearer <token>` with a personal API token.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from epm.core.errors import ApplicationError
from epm.core.middleware import activate_preferences
from epm.core.services import api_token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
            request.epm_token_auth = True  # tokens may not mint tokens (see core/api.py)
            activate_preferences(request, user)
        return user


def _refuse_nul(data) -> None:
    """PostgreSQL cannot store NUL characters (SQLite can): refuse them on both, as forms do."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ApplicationError(
                    _("Text cannot contain NUL characters."), "nul_character", status=422
                )
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


class InputParser(Parser):
    """The JSON body and query strings, with NUL characters refused before anything sees them."""

    def parse_body(self, request):
        data = super().parse_body(request)
        _refuse_nul(data)
        return data

    def parse_querydict(self, data, list_fields, request):
        parsed = super().parse_querydict(data, list_fields, request)
        _refuse_nul(parsed)
        return parsed


api = NinjaAPI(
    title="OpenEPM API",
    version="1",
    description=(
        "Projects, people, their lifecycle and approvals. Errors are `{message, code, detail}`."
    ),
    auth=[TokenAuth(), SessionAuth()],
    parser=InputParser(),
    urls_namespace="api",
)


def _error(request, status: int, message: str, code: str, detail=None):
    return api.create_response(
        request, {"message": message, "code": code, "detail": detail}, status=status
    )


@api.exception_handler(ApplicationError)
def on_application_error(request, exc: ApplicationError):
    return _error(request, exc.status, exc.message, exc.code, exc.detail)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    return _error(request, 422, _("The request is not valid."), "validation_error", exc.errors)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return _error(request, 401, _("Sign in or send a valid API token."), "not_authenticated")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, _("Not found."), "not_found")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if isinstance(exc.__cause__, ApplicationError):  # ninja wraps errors of the body parser
        return on_application_error(request, exc.__cause__)
    if exc.status_code == 403 and "CSRF" in str(exc):
        return _error(
            request,
            403,
            _("The CSRF token is missing or wrong. Reload the page, or use an API token."),
            "csrf_failed",
        )
    return _error(request, exc.status_code, str(exc), "http_error")


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return _error(request, 413, _("The request body is too large."), "too_large")


from epm.approvals.api import router as approvals_router  # noqa: E402
from epm.core.api import router as core_router  # noqa: E402
from epm.finance.api import router as finance_router  # noqa: E402
from epm.planning.api import router as planning_router  # noqa: E402
from epm.projects.api import router as projects_router  # noqa: E402
from epm.registers.api import router as registers_router  # noqa: E402

api.add_router("/", core_router)
api.add_router("/projects", projects_router)
api.add_router("/approvals", approvals_router)
api.add_router("/planning", planning_router)
api.add_router("/finance", finance_router)
api.add_router("/registers", registers_router)
