"""Baselines: set on plan approval and by the PMO, variance in working days, slipped milestones.

The schedule starts on Wednesday 1 April 2026. Qingming (4–6 April 2026, Saturday to Monday)
are holidays, so the chain 设计 (3 days) → 开发 (5 days) → 上线 (milestone) runs
设计 1–3 April, 开发 7–13 April, 上线 on 13 April.
"""

from __future__ import annotations

import datetime as dt

import pytest

from epm.core.errors import ApplicationError, PermissionDenied
from epm.core.models import Notification
from epm.planning.models import Baseline, BaselineSource, BaselineTask, TaskKind, WbsTask
from epm.planning.selectors_baseline import (
    DELETED,
    NEW,
    schedule_variance,
    slipped_milestones,
)
from epm.planning.services import wbs
from epm.planning.services.baseline import (
    baseline_after_change,
    baseline_make_current,
    baseline_set,
)
from epm.planning.services.scheduler import schedule_of
from epm.projects.models import Status

SLIP = "planning.milestone_slip"


@pytest.fixture
def planning(make_project, walk):
    project = walk(make_project(), "submit", "start_planning")
    schedule = schedule_of(project)
    schedule.start_on = dt.date(2026, 4, 1)  # a Wednesday
    schedule.save()
    return project


def add(project, actor, name, **fields):
    return wbs.task_add(actor=actor, project=project, name=name, **fields)


def task(name):
    return WbsTask.objects.get(name=name)


def build_wbs(project, pm):
    design = add(project, pm, "设计", duration_days=3)
    build = add(project, pm, "开发", duration_days=5)
    done = add(project, pm, "上线", kind=TaskKind.MILESTONE)
    docs = add(project, pm, "文档", duration_days=2)
    wbs.link_add(actor=pm, project=project, predecessor=design, successor=build)
    wbs.link_add(actor=pm, project=project, predecessor=build, successor=done)
    return design, build, done, docs


@pytest.fixture
def executing(planning, company, walk):
    """The WBS built while planning, then the plan approved (baseline 1)."""
    build_wbs(planning, company.pm)
    project = walk(planning, "start_execution")
    assert project.status == Status.EXECUTING
    return project


def row_of(variance, name):
    return next(r for r in variance.rows if r.name == name)


def slips(pm):
    return Notification.objects.filter(recipient=pm, kind=SLIP)


@pytest.mark.django_db
class TestSetting:
    def test_plan_approval_sets_baseline_one_from_the_stored_dates(self, executing, company):
        project = executing
        baseline = Baseline.objects.get(project=project)
        assert (baseline.number, baseline.source, baseline.is_current) == (
            1,
            BaselineSource.PLAN,
            True,
        )
        assert baseline.created_by is not None  # the approver
        assert baseline.finish_on == dt.date(2026, 4, 13)
        copy = BaselineTask.objects.get(baseline=baseline, task=task("开发"))
        assert (copy.start_on, copy.finish_on, copy.duration_days) == (
            dt.date(2026, 4, 7),
            dt.date(2026, 4, 13),
            5,
        )
        assert baseline.tasks.count() == 4

    def test_plan_approval_without_a_wbs_sets_no_baseline(self, planning, walk):
        project = walk(planning, "start_execution")
        assert project.status == Status.EXECUTING
        assert not Baseline.objects.filter(project=project).exists()

    def test_a_manual_baseline_becomes_current_and_the_first_is_kept(self, executing, company):
        project = executing
        wbs.task_update(actor=company.pm, task=task("设计"), duration_days=4)
        second = baseline_set(
            actor=company.pmo_staff, project=project, source=BaselineSource.MANUAL, note="范围调整"
        )
        assert (second.number, second.is_current, second.note) == (2, True, "范围调整")
        first = Baseline.objects.get(project=project, number=1)
        assert not first.is_current and first.tasks.count() == 4
        assert second.finish_on == dt.date(2026, 4, 14)
        assert schedule_variance(project).rows[0].finish_variance == 0

        again = baseline_make_current(actor=company.pmo, baseline=first)
        assert again.is_current
        assert list(
            Baseline.objects.filter(project=project, is_current=True).values_list(
                "number", flat=True
            )
        ) == [1]
        assert row_of(schedule_variance(project), "设计").finish_variance == 1

    def test_a_change_request_baseline_is_numbered_next(self, executing, company):
        project = executing
        baseline = baseline_after_change(actor=company.pm, project=project, note="CR-001")
        assert (baseline.number, baseline.source) == (2, BaselineSource.CHANGE)

    def test_only_the_pmo_saves_or_switches_baselines(self, executing, company):
        project = executing
        with pytest.raises(PermissionDenied):
            baseline_set(actor=company.pm, project=project, source=BaselineSource.MANUAL)
        first = Baseline.objects.get(project=project)
        baseline_set(actor=company.pmo, project=project, source=BaselineSource.MANUAL)
        with pytest.raises(PermissionDenied):
            baseline_make_current(actor=company.pm, baseline=first)
        assert Baseline.objects.get(project=project, is_current=True).number == 2

    def test_refusals_change_nothing(self, planning, company):
        with pytest.raises(ApplicationError) as empty:
            baseline_set(actor=company.pmo, project=planning, source=BaselineSource.MANUAL)
        assert empty.value.code == "empty_schedule"
        add(planning, company.pm, "设计", duration_days=3)
        with pytest.raises(ApplicationError) as long_note:
            baseline_set(
                actor=company.pmo, project=planning, source=BaselineSource.MANUAL, note="x" * 501
            )
        assert long_note.value.code == "too_long"
        with pytest.raises(ApplicationError) as unknown:
            baseline_set(actor=company.pmo, project=planning, source="guess")
        assert unknown.value.code == "invalid_source"
        assert not Baseline.objects.filter(project=planning).exists()


@pytest.mark.django_db
class TestVariance:
    def test_variance_counts_working_days_across_qingming(self, executing, company):
        project = executing
        # 设计 from 3 to 4 days: it now ends on Tuesday 7 April instead of Friday 3 April.
        # Calendar days: 4; working days in (3 Apr, 7 Apr]: only the 7th (4–6 are Qingming) = 1.
        # 开发 then runs 8–14 April (start (7, 8] = 1, finish (13, 14] = 1); 上线 on the 14th.
        wbs.task_update(actor=company.pm, task=task("设计"), duration_days=4)
        variance = schedule_variance(project)
        assert variance.baseline.number == 1
        d = row_of(variance, "设计")
        assert (d.start_variance, d.finish_variance) == (0, 1)
        assert (d.baseline_finish, d.finish) == (dt.date(2026, 4, 3), dt.date(2026, 4, 7))
        b = row_of(variance, "开发")
        assert (b.start, b.finish) == (dt.date(2026, 4, 8), dt.date(2026, 4, 14))
        assert (b.start_variance, b.finish_variance) == (1, 1)
        assert row_of(variance, "文档").finish_variance == 0
        assert (variance.baseline_finish, variance.finish, variance.finish_variance) == (
            dt.date(2026, 4, 13),
            dt.date(2026, 4, 14),
            1,
        )

    def test_earlier_is_negative_across_the_holiday(self, executing, company):
        project = executing
        # 开发 from 5 to 2 days: 7–8 April, 上线 on Wednesday the 8th instead of Monday the 13th:
        # working days in (8 Apr, 13 Apr] are 9, 10, 13 = 3, so -3 (11–12 are a weekend).
        wbs.task_update(actor=company.pm, task=task("开发"), duration_days=2)
        assert row_of(schedule_variance(project), "上线").finish_variance == -3

    def test_new_and_deleted_tasks(self, executing, company):
        project = executing
        wbs.task_delete(actor=company.pm, task=task("文档"))
        add(project, company.pm, "培训", duration_days=1)
        variance = schedule_variance(project)
        deleted = [r for r in variance.rows if r.state == DELETED]
        assert [(r.name, r.task_id, r.finish) for r in deleted] == [("文档", None, None)]
        assert deleted[0].baseline_finish == dt.date(2026, 4, 2)
        new = row_of(variance, "培训")
        assert new.state == NEW and new.baseline_finish is None and new.finish_variance is None
        assert BaselineTask.objects.filter(name="文档", task__isnull=True).count() == 1


@pytest.mark.django_db
class TestSlips:
    def test_slip_flag_over_the_threshold_not_at_it(self, executing, company):
        project = executing
        wbs.schedule_update(actor=company.pm, project=project, slip_threshold_days=1)
        # 设计 4 days: 上线 moves from 13 to 14 April, 1 working day late = the threshold.
        wbs.task_update(actor=company.pm, task=task("设计"), duration_days=4)
        assert row_of(schedule_variance(project), "上线").finish_variance == 1
        assert slipped_milestones(project) == []
        # 设计 5 days: 上线 on 15 April, 2 working days late > 1.
        wbs.task_update(actor=company.pm, task=task("设计"), duration_days=5)
        slipped = slipped_milestones(project)
        assert [(r.name, r.finish_variance) for r in slipped] == [("上线", 2)]
        assert [r.name for r in schedule_variance(project).slipped] == ["上线"]
        # Tasks never carry the flag, however late.
        assert not row_of(schedule_variance(project), "开发").slipped

    def test_the_pm_is_told_once(self, executing, company, django_capture_on_commit_callbacks):
        project = executing
        wbs.schedule_update(actor=company.pm, project=project, slip_threshold_days=1)
        with django_capture_on_commit_callbacks(execute=True):
            wbs.task_update(actor=company.pm, task=task("设计"), duration_days=5)
        note = slips(company.pm).get()
        assert "上线" in note.title
        assert "比基线晚 2 个工作日（阈值 1）" in note.body  # the interface is in Chinese
        assert "R19" in note.body
        assert task("上线").slip_notified_at is not None
        # The next reschedule, still slipped (now 3 days), tells nobody again.
        with django_capture_on_commit_callbacks(execute=True):
            wbs.task_update(actor=company.pm, task=task("开发"), duration_days=6)
        assert row_of(schedule_variance(project), "上线").finish_variance == 3
        assert slips(company.pm).count() == 1

    def test_a_new_baseline_rearms_the_notice(
        self, executing, company, django_capture_on_commit_callbacks
    ):
        project = executing
        wbs.schedule_update(actor=company.pm, project=project, slip_threshold_days=0)
        with django_capture_on_commit_callbacks(execute=True):
            wbs.task_update(actor=company.pm, task=task("设计"), duration_days=4)
        assert slips(company.pm).count() == 1
        baseline_set(actor=company.pmo, project=project, source=BaselineSource.MANUAL)
        assert task("上线").slip_notified_at is None and slipped_milestones(project) == []
        with django_capture_on_commit_callbacks(execute=True):
            wbs.task_update(actor=company.pm, task=task("设计"), duration_days=5)
        assert slips(company.pm).count() == 2

    def test_switching_back_to_an_older_baseline_reports_its_slips(
        self, executing, company, django_capture_on_commit_callbacks
    ):
        project = executing
        wbs.schedule_update(actor=company.pm, project=project, slip_threshold_days=0)
        wbs.task_update(actor=company.pm, task=task("设计"), duration_days=4)
        baseline_set(actor=company.pmo, project=project, source=BaselineSource.MANUAL)
        first = Baseline.objects.get(project=project, number=1)
        with django_capture_on_commit_callbacks(execute=True):
            baseline_make_current(actor=company.pmo, baseline=first)
        assert slips(company.pm).count() == 1
