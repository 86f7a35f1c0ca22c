"""API endpoints for me, users, departments, notifications and API tokens."""

from __future__ import annotations

from django.core.paginator import Paginator
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from . import notifications, selectors, services
from .schemas import (
    DepartmentOut,
    MarkReadIn,
    MarkReadOut,
    MeOut,
    NotificationOut,
    Page,
    PreferencesIn,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UserOut,
)

router = Router(tags=["organisation"])
MAX_PAGE_SIZE = 200


class PageQuery(Schema):
    page: int = 1
    page_size: int = 50


def paginate(qs, query: PageQuery) -> dict:
    """One page of a queryset; out-of-range pages are a 400, not an empty surprise."""
    if query.page < 1 or not 1 <= query.page_size <= MAX_PAGE_SIZE:
        raise HttpError(400, f"page must be ≥ 1 and page_size between 1 and {MAX_PAGE_SIZE}")
    paginator = Paginator(qs, query.page_size)
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
    token, secret = services.api_token_create(
        user=request.auth, name=payload.name, expires_at=payload.expires_at
    )
    token.token = secret
    return 201, token


@router.delete("/me/tokens/{token_id}", response=TokenOut, tags=["me"])
def token_revoke(request, token_id: int):
    return services.api_token_revoke(user=request.auth, token_id=token_id)


@router.get("/users", response=UserPage, tags=["organisation"])
def user_list(
    request, text: str = "", department: int | None = None, page: Query[PageQuery] = None
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
