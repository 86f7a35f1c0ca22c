"""Baselines: saved copies of the schedule that variance is measured against.

A baseline copies every task's stored dates. Several are kept (nobody deletes them); exactly
one per project is current. They come from:

- the approval of the implementation plan (`plan_approved` calls `baseline_set` with source
  PLAN, when the project has a WBS): the plan's schedule is the first commitment;
- an approved schedule change request (R19): the change-management issue calls
  `baseline_after_change(actor=<the deciding approver>, project=…, note=<request number>)`
  from its approval effect, inside the approval's transaction;
- the PMO by hand (source MANUAL), from the baselines page or the API, who may also make an
  older baseline current again (`baseline_make_current`).

A milestone that falls later than the current baseline by more than the schedule's slip
threshold needs a schedule change request (R19). `check_slips` tells the PM once per baseline
(`WbsTask.slip_notified_at`, cleared whenever the current baseline changes); the scheduler calls
it after every run, with the project locked.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from epm.core.audit import audit_record, scope_of
from epm.core.errors import ApplicationError, NotFound, PermissionDenied
from epm.core.models import User
from epm.core.notifications import notify
from epm.projects.models import Project
from epm.projects.rules import is_pmo
from epm.projects.services import lock_project

from .. import rules
from ..models import Baseline, BaselineSource, BaselineTask, WbsTask
from ..selectors_baseline import VarianceRow, slip_text, slipped_milestones
from .scheduler import schedule_of

MAX_NOTE = 500
# Sources only the PMO may start; the others follow an approval that already decided.
PMO_SOURCES = frozenset({BaselineSource.MANUAL, BaselineSource.IMPORT})


def _check_pmo(actor: User, project: Project) -> None:
    if not is_pmo(actor):
        raise PermissionDenied(_("Only the PMO saves baselines and chooses the current one."))
    if project.status not in rules.SCHEDULE_EDITABLE:
        raise ApplicationError(
            _("The project is %(state)s: its baselines cannot be changed.")
            % {"state": project.get_status_display()},
            "schedule_closed",
            status=409,
        )


def _make_current(project: Project, baseline: Baseline) -> None:
    """One current baseline per project (a partial unique constraint): clear the old first."""
    Baseline.objects.filter(project=project, is_current=True).exclude(pk=baseline.pk).update(
        is_current=False
    )
    if not baseline.is_current:
        baseline.is_current = True
        baseline.save(update_fields=["is_current"])
    # Slips are measured against the new baseline: tell the PM afresh.
    WbsTask.objects.filter(project=project, slip_notified_at__isnull=False).update(
        slip_notified_at=None
    )


@transaction.atomic
def baseline_set(*, actor: User | None, project: Project, source: str, note: str = "") -> Baseline:
    """Save every task's stored dates as a new baseline (the next number) and make it current."""
    if source not in BaselineSource.values:
        raise ApplicationError(
            _("Unknown baseline source “%(s)s”.") % {"s": source}, "invalid_source"
        )
    project = lock_project(project)
    if source in PMO_SOURCES:
        if actor is None:
            raise PermissionDenied()
        _check_pmo(actor, project)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ApplicationError(
            _("The note is at most %(n)d characters.") % {"n": MAX_NOTE}, "too_long"
        )
    tasks = list(WbsTask.objects.filter(project=project).order_by("row", "id"))
    if not tasks:
        raise ApplicationError(
            _("The schedule has no tasks yet: there is nothing to save as a baseline."),
            "empty_schedule",
            status=409,
        )
    schedule = schedule_of(project)
    last = Baseline.objects.filter(project=project).aggregate(n=Max("number"))["n"] or 0
    baseline = Baseline(
        project=project,
        number=last + 1,
        source=source,
        note=note,
        finish_on=schedule.finish_on,
        created_by=actor,
    )
    # Saved as not current, then switched, so the old current one is cleared first.
    baseline.save()
    BaselineTask.objects.bulk_create(
        [
            BaselineTask(
                baseline=baseline,
                task=task,
                outline=task.outline,
                name=task.name,
                kind=task.kind,
                start_on=task.start_on,
                finish_on=task.finish_on,
                duration_days=task.duration_days,
            )
            for task in tasks
        ],
        batch_size=500,
    )
    _make_current(project, baseline)
    audit_record(
        actor=actor,
        action="planning.baseline_set",
        target=baseline,
        scope=scope_of(project),
        changes={
            "baseline": [None, baseline.number],
            "source": [None, source],
            "finish_on": [None, baseline.finish_on.isoformat() if baseline.finish_on else None],
        },
        note=note,
    )
    return baseline


def baseline_after_change(*, actor: User, project: Project, note: str = "") -> Baseline:
    """The schedule as an approved schedule change request (R19) left it becomes the new
    baseline. Called by the change request's approval effect, which decided who may."""
    return baseline_set(actor=actor, project=project, source=BaselineSource.CHANGE, note=note)


@transaction.atomic
def baseline_make_current(*, actor: User, baseline: Baseline) -> Baseline:
    """The PMO measures variance against another kept baseline from now on."""
    project = lock_project(baseline.project_id)
    _check_pmo(actor, project)
    chosen = Baseline.objects.filter(pk=baseline.pk, project=project).first()
    if chosen is None:
        raise NotFound()
    if chosen.is_current:
        return chosen
    before = Baseline.objects.filter(project=project, is_current=True).first()
    _make_current(project, chosen)
    audit_record(
        actor=actor,
        action="planning.baseline_current",
        target=chosen,
        scope=scope_of(project),
        changes={"baseline": [before.number if before else None, chosen.number]},
    )
    check_slips(project)
    return chosen


def check_slips(project: Project) -> list[VarianceRow]:
    """Tell the PM about each milestone that slipped past the current baseline and was not
    reported yet; returns those reported now. Call with the project row locked (the scheduler
    does at the end of every run), so two runs cannot both report the same slip."""
    slipped = [row for row in slipped_milestones(project) if row.task_id is not None]
    if not slipped:
        return []
    pending = set(
        WbsTask.objects.filter(
            pk__in=[row.task_id for row in slipped], slip_notified_at__isnull=True
        ).values_list("pk", flat=True)
    )
    fresh = [row for row in slipped if row.task_id in pending]
    if not fresh:
        return []
    now = timezone.now()
    WbsTask.objects.filter(pk__in=pending).update(slip_notified_at=now)
    threshold = schedule_of(project).slip_threshold_days
    for row in fresh:
        # slip_notified_at is the once-per-baseline guard; the key names this one report of it.
        _tell_pm(
            project, row, threshold, key=f"planning.milestone_slip:{row.task_id}:{now.isoformat()}"
        )
    return fresh


def _tell_pm(project: Project, row: VarianceRow, threshold: int, *, key: str) -> None:
    pm = project.pm
    url = reverse("planning:baselines", args=[project.pk])
    late = row.finish_variance or 0
    params = {"m": row.name, "p": project.name, "n": late}
    transaction.on_commit(
        lambda: notify(
            recipients=[pm],
            kind="planning.milestone_slip",
            title=lambda: (
                ngettext(
                    "%(p)s: milestone “%(m)s” slipped %(n)d working day",
                    "%(p)s: milestone “%(m)s” slipped %(n)d working days",
                    late,
                )
                % params
            ),
            body=lambda: slip_text(row, threshold),
            url=url,
            dedupe_key=key,
        )
    )
