"""API shapes for people and the organisation."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


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
    ids: list[int] | None = Field(None, max_length=1000)


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
