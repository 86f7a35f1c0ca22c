"""The WBS services: the tree, links, refusals and the dates the scheduler stores."""

from __future__ import annotations

import datetime as dt

import pytest

from epm.core.errors import ApplicationError, PermissionDenied
from epm.planning.models import ConstraintType, Dependency, TaskKind, WbsTask
from epm.planning.services import wbs
from epm.planning.services.scheduler import deferred, schedule_of


@pytest.fixture
def planning(make_project, walk):
    project = walk(make_project(), "submit", "start_planning")
    schedule = schedule_of(project)
    schedule.start_on = dt.date(2026, 4, 1)  # a Wednesday
    schedule.save()
    return project


def add(project, actor, name, **fields):
    return wbs.task_add(actor=actor, project=project, name=name, **fields)


def fresh(task):
    return WbsTask.objects.get(pk=task.pk)


@pytest.mark.django_db
def test_chain_of_tasks_gets_dates_from_the_working_calendar(planning, company):
    pm = company.pm
    design = add(planning, pm, "设计", duration_days=3)
    build = add(planning, pm, "开发", duration_days=5)
    done = add(planning, pm, "上线", kind=TaskKind.MILESTONE)
    wbs.link_add(actor=pm, project=planning, predecessor=design, successor=build)
    wbs.link_add(actor=pm, project=planning, predecessor=build, successor=done)
    design, build, done = fresh(design), fresh(build), fresh(done)
    assert (design.start_on, design.finish_on) == (dt.date(2026, 4, 1), dt.date(2026, 4, 3))
    # Qingming: 4–6 April 2026 are holidays, so the build starts on Tuesday the 7th.
    assert build.start_on == dt.date(2026, 4, 7)
    assert build.finish_on == dt.date(2026, 4, 13)
    assert done.start_on == done.finish_on == dt.date(2026, 4, 13)
    assert [t.critical for t in (design, build, done)] == [True, True, True]
    assert [t.outline for t in (design, build, done)] == ["1", "2", "3"]


@pytest.mark.django_db
def test_summary_rolls_up_and_outline_codes_follow_the_tree(planning, company):
    pm = company.pm
    phase = add(planning, pm, "阶段一")
    a = add(planning, pm, "需求调研", parent=phase, duration_days=2)
    b = add(planning, pm, "需求评审", parent=phase, duration_days=1)
    wbs.link_add(actor=pm, project=planning, predecessor=a, successor=b)
    phase, a, b = fresh(phase), fresh(a), fresh(b)
    assert phase.kind == TaskKind.SUMMARY
    assert [phase.outline, a.outline, b.outline] == ["1", "1.1", "1.2"]
    assert phase.start_on == a.start_on and phase.finish_on == b.finish_on
    wbs.task_outdent(actor=pm, task=b)
    assert fresh(b).outline == "2"
    wbs.task_indent(actor=pm, task=fresh(b))
    assert fresh(b).outline == "1.2"


@pytest.mark.django_db
def test_a_cycle_is_refused_naming_its_tasks_and_nothing_changes(planning, company):
    pm = company.pm
    a = add(planning, pm, "甲", duration_days=1)
    b = add(planning, pm, "乙", duration_days=1)
    wbs.link_add(actor=pm, project=planning, predecessor=a, successor=b)
    with pytest.raises(ApplicationError) as refused:
        wbs.link_add(actor=pm, project=planning, predecessor=b, successor=a)
    assert refused.value.code == "cycle"
    assert "甲" in refused.value.message and "乙" in refused.value.message
    assert Dependency.objects.filter(project=planning).count() == 1


@pytest.mark.django_db
def test_drag_moves_the_successor(planning, company):
    pm = company.pm
    a = add(planning, pm, "甲", duration_days=2)
    b = add(planning, pm, "乙", duration_days=2)
    wbs.link_add(actor=pm, project=planning, predecessor=a, successor=b)
    b_before = fresh(b).start_on
    moves = wbs.task_drag(actor=pm, task=a, start_on="2026-04-13")
    moved = {m.task_id for m in moves}
    assert moved == {a.pk, b.pk}
    assert fresh(a).constraint_type == ConstraintType.SNET
    assert fresh(b).start_on > b_before


@pytest.mark.django_db
def test_strangers_cannot_edit_and_bad_values_are_refused(planning, company):
    with pytest.raises(PermissionDenied):
        add(planning, company.stranger, "x")
    with pytest.raises(ApplicationError):
        add(planning, company.pm, "x", duration_days=-1)
    with pytest.raises(ApplicationError):
        add(planning, company.pm, "")
    assert not WbsTask.objects.filter(project=planning).exists()


@pytest.mark.django_db
def test_deferred_schedules_once(planning, company, django_assert_max_num_queries):
    with deferred():
        for i in range(5):
            add(planning, company.pm, f"t{i}", duration_days=1)
    assert all(t.start_on for t in WbsTask.objects.filter(project=planning))


@pytest.mark.django_db
def test_the_wbs_can_start_from_the_preliminary_milestones(planning, company):
    made = wbs.wbs_from_preliminary(actor=company.pm, project=planning)
    assert made and all(fresh(t).kind == TaskKind.MILESTONE for t in made)
    assert [fresh(t).constraint_on for t in made] == [
        m.planned_on for m in planning.milestones.all()
    ]
    with pytest.raises(ApplicationError):
        wbs.wbs_from_preliminary(actor=company.pm, project=planning)


# Working days from the schedule start, Wednesday 1 April 2026 (Qingming: 4–6 April off):
# offset 0 = 04-01, 1 = 04-02, 2 = 04-03, 3 = 04-07, 4 = 04-08, 5 = 04-09, 6 = 04-10.


@pytest.mark.django_db
def test_a_deadline_before_the_finish_gives_negative_float(planning, company):
    a = add(planning, company.pm, "甲", duration_days=5)  # 04-01 … 04-08
    wbs.schedule_update(actor=company.pm, project=planning, deadline_on="2026-04-07")
    a = fresh(a)
    assert a.finish_on == dt.date(2026, 4, 8)
    assert a.total_float == -1 and a.critical


@pytest.mark.django_db
def test_a_milestone_constraint_date_is_the_day_it_shows_on(planning, company):
    m = add(
        planning,
        company.pm,
        "验收",
        kind=TaskKind.MILESTONE,
        constraint_type=ConstraintType.MSO,
        constraint_on="2026-04-08",
    )
    assert fresh(m).start_on == fresh(m).finish_on == dt.date(2026, 4, 8)


@pytest.mark.django_db
def test_remaining_work_is_scheduled_after_the_status_date(planning, company):
    pm = company.pm
    a = add(planning, pm, "甲", duration_days=5)
    b = add(planning, pm, "乙", duration_days=1)
    c = add(planning, pm, "丙", duration_days=1)
    wbs.link_add(actor=pm, project=planning, predecessor=a, successor=b)
    wbs.schedule_update(actor=pm, project=planning, status_on="2026-04-02")
    wbs.task_update(actor=pm, task=a, actual_start_on="2026-04-01", remaining_days=4)
    a, b, c = fresh(a), fresh(b), fresh(c)
    assert (a.start_on, a.finish_on) == (dt.date(2026, 4, 1), dt.date(2026, 4, 9))
    assert b.start_on == dt.date(2026, 4, 10)
    assert c.start_on == dt.date(2026, 4, 3)  # not started: after the status date
    with pytest.raises(ApplicationError) as refused:
        wbs.task_update(actor=pm, task=c, actual_start_on="2026-04-03")
    assert refused.value.code == "actual_after_status"
    assert fresh(c).actual_start_on is None


@pytest.mark.django_db
def test_a_task_done_over_a_weekend_stays_done(planning, company):
    pm = company.pm
    a = add(planning, pm, "割接", duration_days=1)
    wbs.schedule_update(actor=pm, project=planning, status_on="2026-04-05")  # a holiday
    wbs.task_update(actor=pm, task=a, actual_start_on="2026-04-04", actual_finish_on="2026-04-05")
    a = fresh(a)
    assert a.percent_complete == 100 and not a.critical
    assert (a.start_on, a.finish_on) == (dt.date(2026, 4, 4), dt.date(2026, 4, 5))


# --- Review of issue 5: what a change leaves behind, stale callers, cost of a run ---------------


@pytest.mark.django_db
def test_a_run_that_moves_nothing_writes_no_task(planning, company):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from epm.planning.services.scheduler import reschedule

    pm = company.pm
    a = add(planning, pm, "甲", duration_days=2)
    b = add(planning, pm, "乙", duration_days=3)
    wbs.link_add(actor=pm, project=planning, predecessor=a, successor=b)
    with CaptureQueriesContext(connection) as run:
        reschedule(planning)
    writes = [q["sql"] for q in run.captured_queries if q["sql"].startswith("UPDATE")]
    assert not [sql for sql in writes if "planning_wbstask" in sql]
    # an edit writes the tasks it moves, with their new dates
    wbs.task_update(actor=pm, task=a, duration_days=4)
    assert fresh(b).start_on == dt.date(2026, 4, 8)


@pytest.mark.django_db
def test_a_milestone_with_an_actual_date_is_reached_that_day(planning, company):
    pm = company.pm
    wbs.schedule_update(actor=pm, project=planning, status_on="2026-04-10")
    m = add(planning, pm, "验收", kind=TaskKind.MILESTONE)
    wbs.task_update(actor=pm, task=m, actual_start_on="2026-04-08")
    m = fresh(m)
    assert m.actual_finish_on == dt.date(2026, 4, 8) and m.percent_complete == 100
    assert m.start_on == m.finish_on == dt.date(2026, 4, 8)


@pytest.mark.django_db
def test_work_done_before_the_schedule_start_is_dated_whatever_the_status_date(planning, company):
    pm = company.pm
    a = add(planning, pm, "调研", duration_days=2)
    wbs.schedule_update(actor=pm, project=planning, status_on="2026-03-20")
    wbs.task_update(actor=pm, task=a, actual_start_on="2026-03-10", actual_finish_on="2026-03-12")
    a = fresh(a)
    assert (a.start_on, a.finish_on) == (dt.date(2026, 3, 10), dt.date(2026, 3, 12))


@pytest.mark.django_db
def test_a_task_that_becomes_a_summary_and_back(planning, company):
    pm = company.pm
    phase = add(
        planning, pm, "阶段", duration_days=2, constraint_type="snet", constraint_on="2026-04-08"
    )
    wbs.schedule_update(actor=pm, project=planning, status_on="2026-04-10")
    step = add(planning, pm, "步骤", parent=phase, duration_days=3)
    phase = fresh(phase)
    assert phase.kind == TaskKind.SUMMARY and phase.constraint_type == ConstraintType.ASAP
    assert phase.start_on == dt.date(2026, 4, 1)  # its subtask's, not the dropped constraint's
    # a summary's dates and progress are its subtasks': the API cannot set them on it
    wbs.task_update(actor=pm, task=phase, constraint_type="mso", constraint_on="2026-04-09")
    assert fresh(phase).constraint_type == ConstraintType.ASAP
    wbs.task_update(
        actor=pm, task=step, actual_start_on="2026-04-01", actual_finish_on="2026-04-03"
    )
    assert fresh(phase).percent_complete == 100
    wbs.task_delete(actor=pm, task=step)
    phase = fresh(phase)
    assert phase.kind == TaskKind.TASK and phase.percent_complete == 0
    wbs.task_update(actor=pm, task=phase, name="阶段一")  # still a task one can edit
    assert fresh(phase).name == "阶段一"


@pytest.mark.django_db
def test_a_summary_with_work_products_is_a_milestone_without_subtasks(planning, company):
    pm = company.pm
    phase = add(planning, pm, "验收")
    child = add(planning, pm, "准备", parent=phase, duration_days=1)
    wbs.task_update(actor=pm, task=phase, work_products="验收报告")
    wbs.task_outdent(actor=pm, task=child)
    phase = fresh(phase)
    # work products belong to milestones, so that is what it becomes, and stays editable
    assert phase.kind == TaskKind.MILESTONE and phase.duration_days == 0
    wbs.task_update(actor=pm, task=phase, notes="ok")
    assert fresh(phase).notes == "ok"


@pytest.mark.django_db
def test_a_task_with_people_or_progress_cannot_get_subtasks(planning, company):
    pm = company.pm
    staffed = add(planning, pm, "开发", duration_days=5)
    wbs.assignment_set(actor=pm, task=staffed, user=company.member, planned_hours=8)
    wbs.schedule_update(actor=pm, project=planning, status_on="2026-04-02")
    started = add(planning, pm, "测试", duration_days=5)
    wbs.task_update(actor=pm, task=started, actual_start_on="2026-04-01")
    below = add(planning, pm, "其后", duration_days=1)
    for parent, code in ((staffed, "assignments_on_summary"), (started, "actuals_on_summary")):
        with pytest.raises(ApplicationError) as refused:
            add(planning, pm, "子任务", parent=parent)
        assert refused.value.code == code and refused.value.status == 409
        with pytest.raises(ApplicationError) as refused:
            wbs.task_move(actor=pm, task=below, parent=parent)
        assert refused.value.code == code
    assert not WbsTask.objects.filter(parent__isnull=False).exists()


@pytest.mark.django_db
def test_the_depth_limit_counts_the_subtree_that_moves(planning, company):
    pm = company.pm
    deep = None
    for level in range(wbs.MAX_DEPTH - 1):  # levels 1 … 11
        deep = add(planning, pm, f"L{level + 1}", parent=deep)
    branch = add(planning, pm, "枝")
    add(planning, pm, "叶", parent=branch)
    with pytest.raises(ApplicationError) as refused:
        wbs.task_move(actor=pm, task=branch, parent=deep)  # 枝 at 12, 叶 at 13
    assert refused.value.code == "too_deep"
    wbs.task_move(actor=pm, task=add(planning, pm, "单"), parent=deep)  # at 12: allowed


@pytest.mark.django_db
def test_indent_and_outdent_read_the_task_as_stored_not_as_the_caller_saw_it(planning, company):
    pm = company.pm
    phase = add(planning, pm, "阶段")
    a = add(planning, pm, "甲", parent=phase)
    stale = fresh(a)  # the caller's copy, under 阶段
    wbs.task_outdent(actor=pm, task=fresh(a))  # someone else outdents it meanwhile
    with pytest.raises(ApplicationError) as refused:
        wbs.task_outdent(actor=pm, task=stale)
    assert refused.value.code == "cannot_outdent"
    assert fresh(a).outline == "2"
    first = add(planning, pm, "首", position=0)
    stale = fresh(first)
    wbs.task_move(actor=pm, task=fresh(first), parent=None, position=2)  # now last
    wbs.task_indent(actor=pm, task=stale)  # under the task above it now (甲), not refused
    assert fresh(first).parent_id == a.pk


@pytest.mark.django_db
def test_numbers_with_two_minus_signs_are_refused_not_a_crash(planning, company):
    with pytest.raises(ApplicationError) as refused:
        add(planning, company.pm, "x", duration_days="--5")
    assert refused.value.code == "invalid_number"


@pytest.mark.django_db
def test_hours_that_round_to_nothing_are_refused(planning, company):
    a = add(planning, company.pm, "甲")
    with pytest.raises(ApplicationError) as refused:
        wbs.assignment_set(actor=company.pm, task=a, user=company.member, planned_hours="0.04")
    assert refused.value.code == "invalid_hours"
    done = wbs.assignment_set(actor=company.pm, task=a, user=company.member, planned_hours="0.06")
    assert str(done.planned_hours) == "0.1"


@pytest.mark.django_db
def test_a_year_past_9999_is_a_calendar_refusal(planning, company):
    a = add(planning, company.pm, "甲")
    with pytest.raises(ApplicationError) as refused:
        wbs.schedule_update(actor=company.pm, project=planning, start_on="9999-12-31")
    assert refused.value.code == "calendar_not_covered" and refused.value.status == 400
    with pytest.raises(ApplicationError) as refused:
        wbs.task_update(
            actor=company.pm, task=a, constraint_type="snet", constraint_on="9999-12-31"
        )
    assert refused.value.code == "calendar_not_covered"


@pytest.mark.django_db
def test_a_milestone_gets_no_subtasks(planning, company):
    due = add(
        planning,
        company.pm,
        "合同里程碑",
        kind=TaskKind.MILESTONE,
        constraint_type=ConstraintType.FNLT,
        constraint_on="2026-06-30",
    )
    task = add(planning, company.pm, "开发", duration_days=3)
    with pytest.raises(ApplicationError) as refused:
        add(planning, company.pm, "子任务", parent=due)
    assert refused.value.code == "subtasks_under_milestone"
    with pytest.raises(ApplicationError):
        wbs.task_indent(actor=company.pm, task=task)
    due = fresh(due)
    assert due.kind == TaskKind.MILESTONE and due.constraint_on == dt.date(2026, 6, 30)
    assert fresh(task).parent_id is None
