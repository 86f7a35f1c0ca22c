"""People and the organisation they belong to."""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgRole(models.TextChoices):
    """Company-wide roles; a user can hold several. Project roles live on the project."""

    PMO_ADMIN = "pmo_admin", _("PMO administrator")
    PMO_STAFF = "pmo_staff", _("PMO staff")
    QUALITY = "quality", _("Quality")
    COMMERCE = "commerce", _("Commerce")
    FINANCE = "finance", _("Finance")
    PRESIDENT = "president", _("President")
    EXPERT_COMMITTEE = "expert_committee", _("Technical expert committee")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    AFTER_SALES = "after_sales", _("After-sales")
    SYSTEM_ADMIN = "system_admin", _("System administrator")


# Roles that see every project (the portfolio), not only their own.
PORTFOLIO_ROLES = frozenset(
    {OrgRole.PMO_ADMIN, OrgRole.PMO_STAFF, OrgRole.PRESIDENT, OrgRole.QUALITY, OrgRole.FINANCE}
)


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class Department(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    head = models.ForeignKey(
        "core.User",
        verbose_name=_("department head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> Iterator[Department]:
        """This department's parent, its parent, … up to the root (cycle-safe)."""
        seen = {self.pk}
        node = self.parent
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            yield node
            node = node.parent

    def lineage(self) -> list[Department]:
        """[self, parent, grandparent, …]."""
        return [self, *self.ancestors()]


class User(AbstractUser):
    """A person who signs in. `username` is the login name; `display_name` the Chinese name."""

    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    employee_no = models.CharField(
        _("employee number"), max_length=30, unique=True, null=True, blank=True
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def name(self) -> str:
        return str(self)

    def org_roles(self) -> frozenset[str]:
        """The org roles held, cached on the instance for the length of one request."""
        cached = getattr(self, "_org_roles_cache", None)
        if cached is None:
            cached = frozenset(self.role_assignments.values_list("role", flat=True))
            self._org_roles_cache = cached
        return cached

    def forget_org_roles(self) -> None:
        """Drop the cached roles after they changed."""
        self.__dict__.pop("_org_roles_cache", None)

    def has_org_role(self, *roles: str) -> bool:
        return bool(self.org_roles() & set(roles))


class OrgRoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=30, choices=OrgRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="core_unique_user_role")
        ]
        verbose_name = _("org role assignment")
        verbose_name_plural = _("org role assignments")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"
