"""State-changing operations on people, departments, roles, preferences and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import zoneinfo
from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_record, diff, snapshot
from .errors import ApplicationError, NotFound, PermissionDenied
from .models import ApiToken, Department, Language, OrgRole, OrgRoleAssignment, User
from .rules import require_org_admin

USER_FIELDS = ["display_name", "email", "phone", "employee_no", "department", "is_active"]
DEPARTMENT_FIELDS = ["name", "parent", "head", "sort_order"]
TOKEN_PREFIX = "epm_"


def _is_system_admin(user: User) -> bool:
    return user.is_superuser or user.has_org_role(OrgRole.SYSTEM_ADMIN)


def _require_may_manage(actor: User, target: User) -> None:
    """A PMO administrator keeps people; only system administrators keep system administrators,
    and only superusers keep superusers (no one takes over an account stronger than their own)."""
    require_org_admin(actor)
    if target.is_superuser and not actor.is_superuser:
        raise PermissionDenied()
    if OrgRole.SYSTEM_ADMIN in target.org_roles() and not _is_system_admin(actor):
        raise PermissionDenied()


def _require_may_grant(actor: User, roles: set[str]) -> None:
    if OrgRole.SYSTEM_ADMIN in roles and not _is_system_admin(actor):
        raise PermissionDenied(_("Only a system administrator can grant or remove that role."))


def _check_time_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ApplicationError(
            _("Unknown time zone: %(name)s") % {"name": name}, "invalid_time_zone"
        ) from exc


def _check_roles(roles: Iterable[str]) -> set[str]:
    roles = set(roles)
    unknown = roles - set(OrgRole.values)
    if unknown:
        raise ApplicationError(
            _("Unknown org role: %(roles)s") % {"roles": ", ".join(sorted(unknown))},
            "invalid_role",
        )
    return roles


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    display_name: str = "",
    email: str = "",
    phone: str = "",
    employee_no: str | None = None,
    department: Department | None = None,
    roles: Iterable[str] = (),
    language: str = Language.ZH_HANS,
    time_zone: str = "Asia/Shanghai",
    validate: bool = True,
) -> User:
    """Create a user. `actor=None` is the command line (createsuperuser, demo)."""
    roles = set(roles)
    if actor is not None:
        require_org_admin(actor)
        _require_may_grant(actor, roles)
    username = username.strip()
    if not username:
        raise ApplicationError(_("A login name is required."), "username_required")
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(
            _("The login name %(name)s is taken.") % {"name": username}, "username_taken"
        )
    if employee_no and User.objects.filter(employee_no=employee_no).exists():
        raise ApplicationError(
            _("The employee number %(no)s is taken.") % {"no": employee_no}, "employee_no_taken"
        )
    if language not in Language.values:
        raise ApplicationError(_("Unknown language."), "invalid_language")
    _check_time_zone(time_zone)
    roles = _check_roles(roles)
    user = User(
        username=username,
        display_name=display_name.strip(),
        email=email.strip(),
        phone=phone.strip(),
        employee_no=employee_no or None,
        department=department,
        language=language,
        time_zone=time_zone,
    )
    if password:
        if validate:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise ApplicationError(" ".join(exc.messages), "weak_password") from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    OrgRoleAssignment.objects.bulk_create(
        [OrgRoleAssignment(user=user, role=r) for r in sorted(roles)]
    )
    audit_record(
        actor=actor,
        action="user.create",
        target=user,
        changes={
            "roles": [None, sorted(roles)],
            **{k: [None, v] for k, v in snapshot(user, USER_FIELDS).items()},
        },
    )
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, **fields) -> User:
    _require_may_manage(actor, user)
    unknown = set(fields) - set(USER_FIELDS)
    if unknown:
        raise ApplicationError(_("These fields cannot be changed here."), "invalid_field")
    user = User.objects.select_for_update().get(pk=user.pk)
    employee_no = fields.get("employee_no")
    if employee_no and User.objects.filter(employee_no=employee_no).exclude(pk=user.pk).exists():
        raise ApplicationError(
            _("The employee number %(no)s is taken.") % {"no": employee_no}, "employee_no_taken"
        )
    if fields.get("is_active") is False and user.pk == actor.pk:
        raise ApplicationError(_("You cannot deactivate yourself."), "self_deactivate")
    before = snapshot(user, USER_FIELDS)
    for name, value in fields.items():
        setattr(user, name, value or None if name == "employee_no" else value)
    user.save(update_fields=list(fields))
    changes = diff(before, snapshot(user, USER_FIELDS))
    if changes:
        audit_record(actor=actor, action="user.update", target=user, changes=changes)
    return user


@transaction.atomic
def user_set_roles(*, actor: User, user: User, roles: Iterable[str]) -> User:
    _require_may_manage(actor, user)
    roles = _check_roles(roles)
    before = set(user.role_assignments.values_list("role", flat=True))
    _require_may_grant(actor, roles ^ before)
    if user.pk == actor.pk and OrgRole.SYSTEM_ADMIN in before and OrgRole.SYSTEM_ADMIN not in roles:
        raise ApplicationError(
            _("You cannot remove your own system administrator role."), "self_demote"
        )
    user.role_assignments.exclude(role__in=roles).delete()
    OrgRoleAssignment.objects.bulk_create(
        [OrgRoleAssignment(user=user, role=r) for r in sorted(roles - before)]
    )
    user.forget_org_roles()
    if before != roles:
        audit_record(
            actor=actor,
            action="user.roles",
            target=user,
            changes={"roles": [sorted(before), sorted(roles)]},
        )
    return user


@transaction.atomic
def user_set_preferences(
    *, user: User, language: str | None = None, time_zone: str | None = None
) -> User:
    before = snapshot(user, ["language", "time_zone"])
    if language is not None:
        if language not in Language.values:
            raise ApplicationError(_("Unknown language."), "invalid_language")
        user.language = language
    if time_zone is not None:
        _check_time_zone(time_zone)
        user.time_zone = time_zone
    changes = diff(before, snapshot(user, ["language", "time_zone"]))
    if changes:
        user.save(update_fields=list(changes))
        audit_record(actor=user, action="user.preferences", target=user, changes=changes)
    return user


def _department_check_parent(department: Department | None, parent: Department | None) -> None:
    if parent is None or department is None or department.pk is None:
        return
    if parent.pk == department.pk or department.pk in {d.pk for d in parent.ancestors()}:
        raise ApplicationError(
            _("A department cannot be placed under itself or its own sub-department."),
            "department_cycle",
        )


@transaction.atomic
def department_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    parent: Department | None = None,
    head: User | None = None,
    sort_order: int = 0,
) -> Department:
    if actor is not None:
        require_org_admin(actor)
    if not code.strip() or not name.strip():
        raise ApplicationError(_("A department needs a code and a name."), "department_required")
    if Department.objects.filter(code=code).exists():
        raise ApplicationError(
            _("The department code %(code)s is taken.") % {"code": code}, "department_code_taken"
        )
    department = Department.objects.create(
        code=code, name=name.strip(), parent=parent, head=head, sort_order=sort_order
    )
    audit_record(
        actor=actor,
        action="department.create",
        target=department,
        changes={k: [None, v] for k, v in snapshot(department, DEPARTMENT_FIELDS).items()},
    )
    return department


@transaction.atomic
def department_update(*, actor: User, department: Department, **fields) -> Department:
    require_org_admin(actor)
    unknown = set(fields) - set(DEPARTMENT_FIELDS)
    if unknown:
        raise ApplicationError(_("These fields cannot be changed here."), "invalid_field")
    department = Department.objects.select_for_update().get(pk=department.pk)
    if "parent" in fields:
        _department_check_parent(department, fields["parent"])
    before = snapshot(department, DEPARTMENT_FIELDS)
    for name, value in fields.items():
        setattr(department, name, value)
    department.save(update_fields=list(fields))
    changes = diff(before, snapshot(department, DEPARTMENT_FIELDS))
    if changes:
        audit_record(actor=actor, action="department.update", target=department, changes=changes)
    return department


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored or shown again."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("Give the token a name."), "token_name_required")
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError(_("The expiry must be in the future."), "token_expired")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:80],
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        digest=_digest(secret),
        expires_at=expires_at,
    )
    audit_record(actor=user, action="token.create", target=token, scope=f"core.user:{user.pk}")
    return token, secret


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=user, action="token.revoke", target=token, scope=f"core.user:{user.pk}")
    return token


def api_token_authenticate(secret: str) -> User | None:
    """The active user a token belongs to, or None for anything unknown, expired or revoked."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(secret), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def user_edit(*, actor: User, user: User, roles: Iterable[str], **fields) -> User:
    """`user_update` and `user_set_roles` in one transaction: an edit saves both or neither."""
    user = user_update(actor=actor, user=user, **fields)
    return user_set_roles(actor=actor, user=user, roles=roles)


@transaction.atomic
def user_set_password(*, actor: User, user: User, password: str) -> User:
    """An administrator sets someone's password. The audit row records that, never the password.

    The person's other sessions end (Django ties a session to the password hash).
    """
    _require_may_manage(actor, user)
    if not password:
        raise ApplicationError(_("A password is required."), "password_required")
    user = User.objects.select_for_update().get(pk=user.pk)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), "weak_password") from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="user.password", target=user)
    return user
