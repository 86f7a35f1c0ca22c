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
