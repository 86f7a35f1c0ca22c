"""API endpoints for me, users, departments, the working calendar, notifications and tokens."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from . import calendar_services, notifications, selectors, services
from .errors import ApplicationError, PermissionDenied
from .models import Department, User
from .rules import require_org_admin
from .schemas import (
    CalendarExceptionIn,
    CalendarExceptionOut,
    CalendarOut,
    CalendarYearIn,
    CalendarYearOut,
    DepartmentCreateIn,
    DepartmentOut,
    DepartmentUpdateIn,
    MarkReadIn,
    MarkReadOut,
    MeOut,
    NotificationOut,
    ObjectId,
    Page,
    PreferencesIn,
    RolesIn,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UserCreateIn,
    UserOut,
    UserUpdateIn,
    WorkingDaysOut,
)

router = Router(tags=["organisation"])
MAX_PAGE_SIZE = 200


class PageQuery(Schema):
    page: int = 1
    page_size: int = 50


def paginate(qs, query: PageQuery) -> dict:
    """One page of a queryset; out-of-range pages are a 400, not an empty surprise."""
    if query.page < 1 or not 1 <= query.page_size <= MAX_PAGE_SIZE:
        raise ApplicationError(
            _("page must be ≥ 1 and page_size between 1 and %(max)d.") % {"max": MAX_PAGE_SIZE},
            "invalid_page",
        )
    paginator = Paginator(qs, query.page_size)
    if query.page > paginator.num_pages:
        raise ApplicationError(
            _("There is no page %(page)d; the last page is %(pages)d.")
            % {"page": query.page, "pages": paginator.num_pages},
            "invalid_page",
            detail={"pages": paginator.num_pages},
        )
    start = (query.page - 1) * query.page_size
    return {
        "items": list(qs[start : start + query.page_size]),
        "count": paginator.count,
        "page": query.page,
        "page_size": query.page_size,
    }


class UserPage(Page):
    items: list[UserOut]


class NotificationPage(Page):
    items: list[NotificationOut]
    unread: int


def _me(user) -> dict:
    user = selectors.user_list(active=None).get(pk=user.pk)
    user.unread_notifications = notifications.unread_count(user)
    return user


@router.get("/me", response=MeOut, tags=["me"])
def me(request):
    return _me(request.auth)


@router.patch("/me", response=MeOut, tags=["me"])
def me_update(request, payload: PreferencesIn):
    services.user_set_preferences(user=request.auth, **payload.dict(exclude_unset=True))
    return _me(request.auth)


@router.get("/me/tokens", response=list[TokenOut], tags=["me"])
def token_list(request):
    return list(request.auth.api_tokens.all())


@router.post("/me/tokens", response={201: TokenCreatedOut}, tags=["me"])
def token_create(request, payload: TokenIn):
    if getattr(request, "epm_token_auth", False):
        # A leaked short-lived token must not be able to mint a permanent one.
        raise PermissionDenied(
            _("New API tokens are created from a signed-in session, not with a token."),
            "token_from_token",
        )
    token, secret = services.api_token_create(
        user=request.auth, name=payload.name, expires_at=payload.expires_at
    )
    token.token = secret
    return Status(201, token)


@router.delete("/me/tokens/{token_id}", response=TokenOut, tags=["me"])
def token_revoke(request, token_id: int):
    return services.api_token_revoke(user=request.auth, token_id=token_id)


@router.get("/users", response=UserPage, tags=["organisation"])
def user_list(
    request, text: str = "", department: ObjectId | None = None, page: Query[PageQuery] = None
):
    qs = selectors.user_list(text=text[:100])
    if department is not None:
        qs = qs.filter(department_id=department)
    return paginate(qs, page or PageQuery())


@router.get("/users/{user_id}", response=UserOut, tags=["organisation"])
def user_detail(request, user_id: int):
    return selectors.access_user(request.auth, user_id)


@router.get("/departments", response=list[DepartmentOut], tags=["organisation"])
def department_list(request):
    return [d for d, _depth in selectors.department_tree()]


@router.get("/departments/{department_id}", response=DepartmentOut, tags=["organisation"])
def department_detail(request, department_id: int):
    return selectors.access_department(request.auth, department_id)


# --- organisation administration: the guard runs before the body is read, so a non-admin
# gets 403 whatever they send


def resolve(model, pk: int | None, *, field: str, code: str = "invalid_reference"):
    """An object a request body refers to by id: an unknown id is bad input (400) naming the
    field, not a 404 (the URL was fine) and never a 500."""
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise ApplicationError(
            _("%(field)s %(id)s does not exist.") % {"field": field, "id": pk},
            code,
            detail={"field": field},
        )
    return obj


def _department(department_id: int | None, field: str = "department") -> Department | None:
    return resolve(Department, department_id, field=field, code="invalid_department")


def _person(user_id: int | None, field: str = "head") -> User | None:
    return resolve(User, user_id, field=field, code="invalid_user")


@router.post("/users", response={201: UserOut}, tags=["organisation"])
def user_create(request, payload: UserCreateIn):
    require_org_admin(request.auth)
    fields = payload.dict()
    fields["department"] = _department(fields["department"])
    user = services.user_create(actor=request.auth, **fields)
    return Status(201, selectors.access_user(request.auth, user.pk))


@router.patch("/users/{user_id}", response=UserOut, tags=["organisation"])
def user_update(request, user_id: ObjectId, payload: UserUpdateIn):
    require_org_admin(request.auth)
    user = selectors.access_user(request.auth, user_id)
    fields = payload.dict(exclude_unset=True)
    if "department" in fields:
        fields["department"] = _department(fields["department"])
    services.user_update(actor=request.auth, user=user, **fields)
    return selectors.access_user(request.auth, user_id)


@router.put("/users/{user_id}/roles", response=UserOut, tags=["organisation"])
def user_set_roles(request, user_id: ObjectId, payload: RolesIn):
    require_org_admin(request.auth)
    user = selectors.access_user(request.auth, user_id)
    services.user_set_roles(actor=request.auth, user=user, roles=payload.roles)
    return selectors.access_user(request.auth, user_id)


@router.post("/departments", response={201: DepartmentOut}, tags=["organisation"])
def department_create(request, payload: DepartmentCreateIn):
    require_org_admin(request.auth)
    fields = payload.dict()
    fields["parent"] = _department(fields["parent"], "parent")
    fields["head"] = _person(fields["head"])
    department = services.department_create(actor=request.auth, **fields)
    return Status(201, selectors.access_department(request.auth, department.pk))


@router.patch("/departments/{department_id}", response=DepartmentOut, tags=["organisation"])
def department_update(request, department_id: ObjectId, payload: DepartmentUpdateIn):
    require_org_admin(request.auth)
    department = selectors.access_department(request.auth, department_id)
    fields = payload.dict(exclude_unset=True)
    if "parent" in fields:
        fields["parent"] = _department(fields["parent"], "parent")
    if "head" in fields:
        fields["head"] = _person(fields["head"])
    services.department_update(actor=request.auth, department=department, **fields)
    return selectors.access_department(request.auth, department_id)


# --- working calendar (the default company calendar) -----------------------------------------


class WorkingDaysQuery(Schema):
    start: dt.date
    days: int | None = Field(
        None, ge=-10_000, le=10_000, description="Add this many working days to start."
    )
    end: dt.date | None = Field(None, description="Count the working days in (start, end].")


@router.get("/calendar/working-days", response=WorkingDaysOut, tags=["calendar"])
def calendar_working_days(request, query: Query[WorkingDaysQuery]):
    """`?start=&days=`: the days-th working day after start (the start day never counts);
    `?start=&end=`: how many working days fall after start up to and including end."""
    if (query.days is None) == (query.end is None):
        raise ApplicationError(
            _("Give either days (to add working days) or end (to count them)."), "invalid_query"
        )
    if query.days is not None:
        end = selectors.working_days_add(query.start, query.days)
        return {"start": query.start, "end": end, "working_days": query.days}
    count = selectors.working_days_count(query.start, query.end)
    return {"start": query.start, "end": query.end, "working_days": count}


@router.get("/calendar/{int:year}", response=CalendarOut, tags=["calendar"])
def calendar_year(request, year: int):
    """Every day of the year and why it is (not) a working day. A year that neither the
    statutory calendar nor the PMO has published is a 400 with code `calendar_not_covered`."""
    days = selectors.calendar_days(year)
    calendar = selectors.company_calendar()
    return {
        "year": year,
        "calendar": calendar.code if calendar else "",
        "statutory": selectors.calendar_package_covers(year),
        "published": bool(calendar and calendar.published_years.filter(year=year).exists()),
        "days": days,
    }


@router.post("/calendar/exceptions", response=CalendarExceptionOut, tags=["calendar"])
def calendar_exception_set(request, payload: CalendarExceptionIn):
    """Make a day a working day or a day off for the company, whatever the statute says."""
    require_org_admin(request.auth)
    calendar = selectors.access_company_calendar(request.auth)
    return calendar_services.calendar_exception_set(
        actor=request.auth, calendar=calendar, **payload.dict()
    )


@router.delete("/calendar/exceptions/{date}", response={204: None}, tags=["calendar"])
def calendar_exception_remove(request, date: dt.date):
    require_org_admin(request.auth)
    calendar = selectors.access_company_calendar(request.auth)
    calendar_services.calendar_exception_remove(actor=request.auth, calendar=calendar, date=date)
    return Status(204, None)


@router.post("/calendar/years", response={201: CalendarYearOut}, tags=["calendar"])
def calendar_year_publish(request, payload: CalendarYearIn):
    """Publish a year the statutory calendar does not have yet (enter its exceptions first)."""
    require_org_admin(request.auth)
    calendar = selectors.access_company_calendar(request.auth)
    year = calendar_services.calendar_year_publish(
        actor=request.auth, calendar=calendar, **payload.dict()
    )
    return Status(201, year)


@router.delete("/calendar/years/{int:year}", response={204: None}, tags=["calendar"])
def calendar_year_unpublish(request, year: int):
    require_org_admin(request.auth)
    calendar = selectors.access_company_calendar(request.auth)
    calendar_services.calendar_year_unpublish(actor=request.auth, calendar=calendar, year=year)
    return Status(204, None)


@router.get("/notifications", response=NotificationPage, tags=["me"])
def notification_list(request, unread: bool = False, page: Query[PageQuery] = None):
    qs = notifications.inbox(request.auth)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    result = paginate(qs, page or PageQuery())
    result["unread"] = notifications.unread_count(request.auth)
    return result


@router.post("/notifications/read", response=MarkReadOut, tags=["me"])
def notification_mark_read(request, payload: MarkReadIn):
    return {
        "marked": notifications.notification_mark_read(
            user=request.auth, notification_ids=payload.ids
        )
    }
