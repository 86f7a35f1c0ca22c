"""The working calendar page: a year at a glance; org admins keep the company's days."""

from __future__ import annotations

import calendar as calendar_grid
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import calendar_services, selectors
from .errors import ApplicationError, NotFound
from .forms import CalendarDateForm, CalendarExceptionForm, CalendarYearForm, run_form
from .rules import can_manage_org, require_org_admin
from .workcalendar import CalendarCoverageError


def _months(year: int, days: list[selectors.CalendarDay]) -> list[tuple[dt.date, list]]:
    """(first of month, weeks); a week is seven days Monday first, None outside the month."""
    by_date = {day.date: day for day in days}
    grid = calendar_grid.Calendar(firstweekday=0)
    return [
        (
            dt.date(year, month, 1),
            [
                [by_date.get(d) if d.month == month else None for d in week]
                for week in grid.monthdatescalendar(year, month)
            ],
        )
        for month in range(1, 13)
    ]


def _calendar_page(request, year: int, *, exception_form=None, year_form=None, status=200):
    calendar = selectors.company_calendar()
    try:
        days, coverage_error = selectors.calendar_days(year), ""
    except CalendarCoverageError as exc:
        days, coverage_error = [], exc.message
    published = calendar.published_years.filter(year=year).first() if calendar else None
    return render(
        request,
        "core/calendar.html",
        {
            "year": year,
            "calendar": calendar,
            "months": _months(year, days) if days else [],
            "working_count": sum(day.is_working for day in days),
            "coverage_error": coverage_error,
            "package_covers": selectors.calendar_package_covers(year),
            "published": published,
            "exceptions": calendar.exceptions.filter(date__year=year) if calendar else [],
            "can_edit": calendar is not None and can_manage_org(request.user),
            "exception_form": exception_form or CalendarExceptionForm(initial={"is_working": "0"}),
            "year_form": year_form or CalendarYearForm(initial={"year": year}),
            "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        },
        status=status,
    )


def _page_year(request) -> int:
    """The year of the calendar page a form was posted from."""
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = 0
    return year if year in calendar_services.PUBLISHABLE_YEARS else timezone.localdate().year


@login_required
def calendar_view(request, year: int | None = None):
    if year is None:
        year = timezone.localdate().year
    if year not in calendar_services.PUBLISHABLE_YEARS:
        raise NotFound()
    return _calendar_page(request, year)


@login_required
@require_POST
def calendar_exception_set(request):
    require_org_admin(request.user)
    calendar = selectors.access_company_calendar(request.user)
    form = CalendarExceptionForm(request.POST)

    def call():
        calendar_services.calendar_exception_set(
            actor=request.user, calendar=calendar, **form.cleaned_data
        )

    if run_form(form, call):
        day = form.cleaned_data["date"]
        messages.success(request, _("%(date)s was saved.") % {"date": day.isoformat()})
        return redirect("core:calendar_year", day.year)
    return _calendar_page(request, _page_year(request), exception_form=form, status=400)


@login_required
@require_POST
def calendar_exception_remove(request):
    require_org_admin(request.user)
    calendar = selectors.access_company_calendar(request.user)
    form = CalendarDateForm(request.POST)
    if not form.is_valid():
        raise NotFound()
    day = form.cleaned_data["date"]
    try:
        calendar_services.calendar_exception_remove(actor=request.user, calendar=calendar, date=day)
    except ApplicationError as exc:  # removed already, e.g. by a second click
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(date)s follows the statutory calendar again.") % {"date": day}
        )
    return redirect("core:calendar_year", _page_year(request))


@login_required
@require_POST
def calendar_year_publish(request):
    require_org_admin(request.user)
    calendar = selectors.access_company_calendar(request.user)
    form = CalendarYearForm(request.POST)

    def call():
        calendar_services.calendar_year_publish(
            actor=request.user, calendar=calendar, **form.cleaned_data
        )

    if run_form(form, call):
        year = form.cleaned_data["year"]
        messages.success(request, _("The calendar for %(year)d was published.") % {"year": year})
        return redirect("core:calendar_year", year)
    return _calendar_page(request, _page_year(request), year_form=form, status=400)


@login_required
@require_POST
def calendar_year_unpublish(request):
    require_org_admin(request.user)
    calendar = selectors.access_company_calendar(request.user)
    year = _page_year(request)
    try:
        calendar_services.calendar_year_unpublish(actor=request.user, calendar=calendar, year=year)
    except ApplicationError as exc:  # withdrawn already
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The calendar for %(year)d was withdrawn.") % {"year": year})
    return redirect("core:calendar_year", year)
