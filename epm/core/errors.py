"""The one error type services raise for anything a user can fix or should be told about."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A refused operation, with a translated message for people and a stable code for scripts.

    Views show `message`; the API returns `{"message", "code", "detail"}` with `status`.
    """

    status = 400

    def __init__(
        self, message: str, code: str = "invalid", *, detail: Any = None, status: int | None = None
    ):
        super().__init__(message)
        self.message = str(message)
        self.code = str(code)
        self.detail = detail
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, "code": self.code, "detail": self.detail}


class NotFound(ApplicationError):
    """Missing and forbidden look the same, so ids leak nothing."""

    status = 404

    def __init__(self, message: str | None = None, code: str = "not_found"):
        from django.utils.translation import gettext

        super().__init__(message or gettext("Not found."), code)


class PermissionDenied(ApplicationError):
    """The user can see the object but may not do this to it."""

    status = 403

    def __init__(self, message: str | None = None, code: str = "permission_denied"):
        from django.utils.translation import gettext

        super().__init__(message or gettext("You are not allowed to do this."), code)
