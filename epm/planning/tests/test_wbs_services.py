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
    wbs.task_update(
        actor=pm, task=a, actual_start_on="2026-04-04", actual_finish_on="2026-04-05"
    )
    a = fresh(a)
    assert a.percent_complete == 100 and not a.critical
    assert (a.start_on, a.finish_on) == (dt.date(2026, 4, 4), dt.date(2026, 4, 5))
