"""Company working calendars: PRC statutory calendar underneath, company days on top."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class CompanyCalendar(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # Working time of day, used for "Friday end of day" / "Monday noon" style deadlines.
    day_start = models.TimeField(_("working day starts"), default=dt.time(9, 0))
    noon = models.TimeField(_("noon"), default=dt.time(12, 0))
    day_end = models.TimeField(_("working day ends"), default=dt.time(18, 0))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")

    class Meta:
        ordering = ["code"]
        verbose_name = _("company calendar")
        verbose_name_plural = _("company calendars")

    def __str__(self) -> str:
        return self.name


class CalendarException(models.Model):
    """A day the company works or rests against the statutory calendar (e.g. an anniversary)."""

    calendar = models.ForeignKey(
        CompanyCalendar, on_delete=models.CASCADE, related_name="exceptions"
    )
    date = models.DateField(_("date"))
    is_working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="core_calendar_day_once")
        ]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")

    def __str__(self) -> str:
        return f"{self.date} {'+' if self.is_working else '-'} {self.note}"


class CalendarYear(models.Model):
    """A year the PMO has published in full for this calendar, ahead of `chinesecalendar`.

    For a year the package does not cover, a published year means: Monday–Friday work, and this
    calendar's exceptions carry the State Council's holidays and adjusted working days. Without
    a published year such dates raise `CalendarCoverageError` rather than guessing.
    """

    calendar = models.ForeignKey(
        CompanyCalendar, on_delete=models.CASCADE, related_name="published_years"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "year"], name="core_calendar_year_once")
        ]
        verbose_name = _("published calendar year")
        verbose_name_plural = _("published calendar years")

    def __str__(self) -> str:
        return f"{self.calendar} {self.year}"
