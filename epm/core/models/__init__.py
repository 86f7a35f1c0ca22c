from .audit import AuditEvent
from .calendars import CalendarException, CalendarYear, CompanyCalendar
from .notifications import Notification
from .org import PORTFOLIO_ROLES, Department, Language, OrgRole, OrgRoleAssignment, User
from .tokens import ApiToken

__all__ = [
    "PORTFOLIO_ROLES",
    "ApiToken",
    "AuditEvent",
    "CalendarException",
    "CalendarYear",
    "CompanyCalendar",
    "Department",
    "Language",
    "Notification",
    "OrgRole",
    "OrgRoleAssignment",
    "User",
]
