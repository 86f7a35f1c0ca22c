"""Read queries about people and the organisation."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .errors import ApplicationError, NotFound
from .models import Department, User


def user_list(
    *, text: str = "", department: Department | None = None, active: bool | None = True
) -> QuerySet[User]:
    qs = User.objects.select_related("department").prefetch_related("role_assignments")
    if active is not None:
        qs = qs.filter(is_active=active)
    if department is not None:
        qs = qs.filter(department=department)
    if text:
        qs = qs.filter(
            Q(username__icontains=text)
            | Q(display_name__icontains=text)
            | Q(employee_no__icontains=text)
            | Q(email__icontains=text)
        )
    return qs.order_by("department__sort_order", "employee_no", "username")


def access_user(viewer: User, user_id: int) -> User:
    """Colleagues are visible to every signed-in employee (it is the company directory)."""
    user = user_list(active=None).filter(pk=user_id).first()
    if user is None or not viewer.is_authenticated:
        raise NotFound()
    return user


def department_list() -> QuerySet[Department]:
    return Department.objects.select_related("head", "parent")


def access_department(viewer: User, department_id: int) -> Department:
    department = department_list().filter(pk=department_id).first()
    if department is None or not viewer.is_authenticated:
        raise NotFound()
    return department


def department_tree() -> list[tuple[Department, int]]:
    """Every department with its depth, parents before children, siblings in order."""
    departments = list(department_list())
    children: dict[int | None, list[Department]] = {}
    for d in departments:
        children.setdefault(d.parent_id, []).append(d)
    out: list[tuple[Department, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for d in children.get(parent_id, []):
            out.append((d, depth))
            walk(d.pk, depth + 1)

    walk(None, 0)
    return out


def department_descendant_ids(department: Department) -> set[int]:
    """The department and everything below it."""
    pairs = list(Department.objects.values_list("pk", "parent_id"))
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in pairs:
        children.setdefault(parent_id, []).append(pk)
    found, stack = set(), [department.pk]
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, []))
    return found


def department_head(department: Department, *, levels_up: int = 0) -> User:
    """The head of `department` (levels_up=0), of its parent (1), and so on.

    Approval chains resolve "department head N levels up" through this; a missing level or an
    empty head is an error that names the department, never a silent None.
    """
    if levels_up < 0:
        raise ApplicationError(_("Levels up cannot be negative."), "invalid_level")
    lineage = department.lineage()
    if levels_up >= len(lineage):
        raise ApplicationError(
            _("%(dept)s has no department %(n)d levels up.") % {"dept": department, "n": levels_up},
            "no_such_department_level",
        )
    # Read the head afresh: an approval resolves it now, not when the department was loaded.
    target = Department.objects.select_related("head").get(pk=lineage[levels_up].pk)
    if target.head_id is None or not target.head.is_active:
        raise ApplicationError(
            _("%(dept)s has no active department head.") % {"dept": target}, "no_department_head"
        )
    return target.head


def head_of_user(user: User, *, levels_up: int = 0) -> User:
    """The head of the user's department, N levels up."""
    if user.department is None:
        raise ApplicationError(
            _("%(user)s belongs to no department.") % {"user": user}, "no_department"
        )
    return department_head(user.department, levels_up=levels_up)
