"""API shapes for people and the organisation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import AfterValidator

# A primary key as the database stores it (64-bit): larger numbers are a 422, not a 500.
ObjectId = Annotated[int, Field(ge=1, le=2**63 - 1)]
# What a login name may contain (Django's UnicodeUsernameValidator, as the sign-up form uses).
USERNAME = r"^[\w.@+-]+$"
SLUG = r"^[-a-zA-Z0-9_]+$"
MAX_SORT_ORDER = 2_147_483_647
# The years the calendar endpoints answer and accept (as `calendar_services.PUBLISHABLE_YEARS`).
CALENDAR_FIRST_DAY = dt.date(2000, 1, 1)
CALENDAR_LAST_DAY = dt.date(2100, 12, 31)


def _email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except DjangoValidationError as exc:
            raise ValueError("not a valid email address") from exc
    return value


def _required_text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class UserRef(Schema):
    id: int
    username: str
    name: str


class DepartmentRef(Schema):
    id: int
    code: str
    name: str


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    employee_no: str | None
    email: str
    phone: str
    department: DepartmentRef | None
    is_active: bool
    roles: list[str]

    @staticmethod
    def resolve_roles(obj) -> list[str]:
        return sorted(a.role for a in obj.role_assignments.all())


class MeOut(UserOut):
    language: str
    time_zone: str
    unread_notifications: int


class PreferencesIn(Schema):
    language: str | None = Field(None, max_length=10)
    time_zone: str | None = Field(None, max_length=64)


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None
    head: UserRef | None
    sort_order: int


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class MarkReadIn(Schema):
    ids: list[ObjectId] | None = Field(None, max_length=1000)


class MarkReadOut(Schema):
    marked: int


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=80)
    expires_at: dt.datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="The secret. Shown once; store it now.")


class Page(Schema):
    count: int
    page: int
    page_size: int


# --- organisation administration ---------------------------------------------------------------


class UserCreateIn(Schema):
    username: str = Field(..., min_length=1, max_length=150, pattern=USERNAME)
    password: str | None = Field(
        None,
        max_length=200,
        description="The initial password; without one the person cannot sign in yet.",
    )
    display_name: str = Field("", max_length=60)
    email: Email = ""
    phone: str = Field("", max_length=30)
    employee_no: str | None = Field(None, max_length=30)
    department: ObjectId | None = None
    roles: list[Annotated[str, Field(max_length=30)]] = Field(default_factory=list, max_length=20)
    language: str = Field("zh-hans", max_length=10)


class UserUpdateIn(Schema):
    """Only the fields sent change; `department: null` takes the person out of any department."""

    display_name: str = Field(None, max_length=60)
    email: Email = None
    phone: str = Field(None, max_length=30)
    employee_no: str | None = Field(None, max_length=30)
    department: ObjectId | None = None
    is_active: bool = None


class RolesIn(Schema):
    roles: list[Annotated[str, Field(max_length=30)]] = Field(..., max_length=20)


class DepartmentCreateIn(Schema):
    code: str = Field(..., min_length=1, max_length=40, pattern=SLUG)
    name: Annotated[Name, AfterValidator(_required_text)]
    parent: ObjectId | None = None
    head: ObjectId | None = None
    sort_order: int = Field(0, ge=0, le=MAX_SORT_ORDER)


class DepartmentUpdateIn(Schema):
    """Only the fields sent change; `parent: null` makes a top-level department."""

    name: Annotated[Name, AfterValidator(_required_text)] = None
    parent: ObjectId | None = None
    head: ObjectId | None = None
    sort_order: int = Field(None, ge=0, le=MAX_SORT_ORDER)


# --- working calendar ------------------------------------------------------------------------


class CalendarDayOut(Schema):
    date: dt.date
    is_working: bool
    why: Literal["statutory", "holiday", "adjusted", "company"] = Field(
        ...,
        description="statutory: the ordinary week; holiday: a public holiday; adjusted: a "
        "weekend day worked in exchange for one; company: the company's own exception.",
    )
    name: str = Field(..., description="The holiday's name or the company exception's note.")


class CalendarOut(Schema):
    year: int
    calendar: str
    statutory: bool = Field(..., description="Whether the PRC statutory calendar has this year.")
    published: bool = Field(..., description="Whether the PMO has published this year.")
    days: list[CalendarDayOut]


class CalendarExceptionIn(Schema):
    date: dt.date = Field(..., ge=CALENDAR_FIRST_DAY, le=CALENDAR_LAST_DAY)
    is_working: bool
    note: str = Field("", max_length=200)


class CalendarExceptionOut(Schema):
    date: dt.date
    is_working: bool
    note: str


class CalendarYearIn(Schema):
    year: int
    note: str = Field("", max_length=200)


class CalendarYearOut(Schema):
    year: int
    note: str


class WorkingDaysOut(Schema):
    """`end` is the `working_days`-th working day after `start`; the count is of (start, end]."""

    start: dt.date
    end: dt.date
    working_days: int
