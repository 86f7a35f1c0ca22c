"""The WBS page: who sees and edits it, building a WBS through its forms, refusals that keep
what was typed and change nothing, and the query count of a long WBS."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from conftest import submit_plan
from epm.core.services import user_set_preferences
from epm.planning.models import (
    Assignment,
    ConstraintType,
    Dependency,
    LinkKind,
    ProjectSchedule,
    TaskKind,
    WbsTask,
)
from epm.planning.selectors_schedule import link_text, wbs_overview
from epm.planning.services import wbs
from epm.planning.services.scheduler import deferred, schedule_of
from epm.projects.services import project_member_add

TASK = {
    "name": "开发",
    "kind": "task",
    "duration_days": "5",
    "constraint_type": "asap",
    "constraint_on": "",
    "actual_start_on": "",
    "actual_finish_on": "",
    "percent_complete": "0",
    "remaining_days": "",
    "work_products": "",
    "notes": "",
}


@pytest.fixture(autouse=True)
def english(company):
    """The messages are checked as written (translations come later and may change them)."""
    for user in (company.pm, company.member, company.stranger):
        user_set_preferences(user=user, language="en")


@pytest.fixture
def planning(make_project, walk):
    """A project in planning whose schedule starts on Wednesday 1 April 2026."""
    project = walk(make_project(), "submit", "start_planning")
    schedule = schedule_of(project)
    schedule.start_on = dt.date(2026, 4, 1)
    schedule.save()
    return project


@pytest.fixture
def reader(company, planning):
    """A team member: sees the project, may not change its schedule."""
    project_member_add(actor=company.pm, project=planning, user=company.member, role="tester")
    return company.member


def url(name, project, *args):
    return reverse(f"planning:{name}", args=[project.pk, *args])


def add(project, actor, name, **fields):
    return wbs.task_add(actor=actor, project=project, name=name, **fields)


def fresh(task):
    return WbsTask.objects.get(pk=task.pk)


def state(project) -> dict:
    """Everything the page could change."""
    return {
        "tasks": list(WbsTask.objects.filter(project=project).order_by("pk").values_list()),
        "links": list(Dependency.objects.filter(project=project).order_by("pk").values_list()),
        "people": list(
            Assignment.objects.filter(task__project=project).order_by("pk").values_list()
        ),
        "schedule": list(ProjectSchedule.objects.filter(project=project).values_list()),
    }


def shown(response, text: str) -> bool:
    return escape(text) in response.content.decode()


@pytest.mark.django_db
class TestWhoSeesWhat:
    def test_the_pm_gets_the_table_and_every_form(self, client, company, planning):
        add(planning, company.pm, "设计", duration_days=3)
        client.force_login(company.pm)

        page = client.get(url("schedule", planning))

        assert page.status_code == 200
        html = page.content.decode()
        for testid in ("wbs-table", "wbs-add-form", "wbs-settings-form", "wbs-edit"):
            assert f'data-testid="{testid}"' in html
        assert 'data-testid="schedule-nav-wbs"' in html
        assert 'class="nav-link active" href="{}"'.format(url("schedule", planning)) in html
        assert "设计" in html and 'data-testid="wbs-frozen"' not in html

    def test_a_team_member_reads_without_forms_and_may_not_post(
        self, client, company, planning, reader
    ):
        task = add(planning, company.pm, "设计", duration_days=3)
        client.force_login(reader)
        before = state(planning)

        page = client.get(url("schedule", planning))
        editing = client.get(url("schedule", planning), {"edit": task.pk})
        posts = [
            client.post(url("wbs_task_add", planning), {"name": "x", "kind": "task"}),
            client.post(url("wbs_task_change", planning, task.pk), {**TASK, "name": "改"}),
            client.post(url("wbs_task_move", planning, task.pk), {"action": "indent"}),
            client.post(url("wbs_task_delete", planning, task.pk)),
            client.post(url("wbs_settings", planning), {"start_on": "2026-05-01"}),
            client.post(url("wbs_link_add", planning, task.pk), {"predecessor": "1"}),
        ]

        assert page.status_code == editing.status_code == 200
        html = page.content.decode() + editing.content.decode()
        assert "设计" in html and 'data-testid="wbs-frozen"' in html
        for testid in ("wbs-add-form", "wbs-settings-form", "wbs-edit", "wbs-editor"):
            assert f'data-testid="{testid}"' not in html
        assert "<form" not in page.content.decode().split('data-testid="wbs-table"')[1]
        assert [p.status_code for p in posts] == [403] * len(posts)
        assert state(planning) == before

    def test_a_stranger_gets_404_for_the_page_and_every_post(self, client, company, planning):
        task = add(planning, company.pm, "设计", duration_days=3)
        client.force_login(company.stranger)
        before = state(planning)

        assert client.get(url("schedule", planning)).status_code == 404
        assert client.post(url("wbs_task_add", planning), {"name": "x"}).status_code == 404
        assert client.post(url("wbs_task_delete", planning, task.pk)).status_code == 404
        assert state(planning) == before

    def test_a_task_of_another_project_is_404(self, client, company, planning, make_project, walk):
        other = walk(make_project(name="另一个项目"), "submit", "start_planning")
        theirs = add(other, company.pm, "别人的任务")
        client.force_login(company.pm)
        before = state(other)

        edited = client.post(url("wbs_task_change", planning, theirs.pk), TASK)
        deleted = client.post(url("wbs_task_delete", planning, theirs.pk))

        assert edited.status_code == deleted.status_code == 404
        assert state(other) == before

    def test_while_the_plan_is_in_review_the_pm_is_told_why_and_refused(
        self, client, company, planning
    ):
        task = add(planning, company.pm, "设计", duration_days=3)
        submit_plan(planning, actor=company.pm)
        client.force_login(company.pm)
        before = state(planning)

        page = client.get(url("schedule", planning))
        refused = client.post(url("wbs_task_change", planning, task.pk), {**TASK, "name": "改"})

        assert 'data-testid="wbs-frozen"' in page.content.decode()
        assert 'data-testid="wbs-add-form"' not in page.content.decode()
        assert refused.status_code == 409 and shown(refused, "in review")
        assert state(planning) == before


@pytest.mark.django_db
class TestBuildingTheWbs:
    def test_add_link_and_assign_give_stored_dates(self, client, company, planning):
        client.force_login(company.pm)

        for name, kind, days in (("设计", "task", "3"), ("开发", "task", "5")):
            added = client.post(
                url("wbs_task_add", planning), {"name": name, "kind": kind, "duration_days": days}
            )
            assert added.status_code == 302
        milestone = client.post(
            url("wbs_task_add", planning),
            {"name": "上线", "kind": "milestone", "work_products": "上线报告\n验收单"},
        )
        design, build, done = WbsTask.objects.filter(project=planning).order_by("row")
        linked = [
            client.post(url("wbs_link_add", planning, build.pk), {"predecessor": "1", **FS}),
            client.post(url("wbs_link_add", planning, done.pk), {"predecessor": " 2 ", **FS}),
        ]
        assigned = client.post(
            url("wbs_assignment_set", planning, build.pk),
            {"user": company.member.pk, "planned_hours": "16"},
        )

        assert milestone.status_code == 302 and [r.status_code for r in linked] == [302, 302]
        assert assigned.status_code == 302
        design, build, done = fresh(design), fresh(build), fresh(done)
        assert (design.start_on, design.finish_on) == (dt.date(2026, 4, 1), dt.date(2026, 4, 3))
        # Qingming: 4–6 April 2026 are holidays, so the build starts on Tuesday the 7th.
        assert (build.start_on, build.finish_on) == (dt.date(2026, 4, 7), dt.date(2026, 4, 13))
        assert done.kind == TaskKind.MILESTONE and done.finish_on == dt.date(2026, 4, 13)
        assert Assignment.objects.get(task=build, user=company.member).planned_hours == 16

        page = client.get(url("schedule", planning))
        html = page.content.decode()
        assert html.count('data-testid="wbs-critical"') == 3
        assert 'data-testid="wbs-milestone"' in html and "上线报告、验收单" in html
        assert f"{company.member.name} 16h" in html
        assert 'data-testid="wbs-finish">2026-04-13<' in html
        assert "16 h planned" in html

    def test_edit_a_task_inline(self, client, company, planning):
        design = add(planning, company.pm, "设计", duration_days=3)
        build = add(planning, company.pm, "开发", duration_days=5)
        wbs.link_add(actor=company.pm, project=planning, predecessor=design, successor=build)
        # Work not done is scheduled after the status date (today when there is none).
        wbs.schedule_update(actor=company.pm, project=planning, status_on="2026-04-03")
        client.force_login(company.pm)

        editor = client.get(url("schedule", planning), {"edit": design.pk})
        saved = client.post(
            url("wbs_task_change", planning, design.pk),
            {
                **TASK,
                "name": "概要设计",
                "duration_days": "2",
                "actual_start_on": "2026-04-01",
                "actual_finish_on": "2026-04-02",
                "percent_complete": "100",
                "notes": "先做概要设计",
            },
        )
        constrained = client.post(
            url("wbs_task_change", planning, build.pk),
            {**TASK, "constraint_type": "snet", "constraint_on": "2026-04-15"},
        )

        assert 'data-testid="wbs-editor"' in editor.content.decode()
        assert 'value="设计"' in editor.content.decode()
        assert saved.status_code == constrained.status_code == 302
        design, build = fresh(design), fresh(build)
        assert (design.name, design.duration_days, design.percent_complete) == ("概要设计", 2, 100)
        assert design.actual_start_on == dt.date(2026, 4, 1) and design.notes == "先做概要设计"
        assert design.finish_on == dt.date(2026, 4, 2)
        assert build.constraint_type == ConstraintType.SNET
        assert (build.start_on, build.finish_on) == (dt.date(2026, 4, 15), dt.date(2026, 4, 21))

    def test_subtasks_indent_outdent_move_and_delete(self, client, company, planning):
        client.force_login(company.pm)
        phase = add(planning, company.pm, "阶段一")
        a = add(planning, company.pm, "需求调研", duration_days=2)
        add(planning, company.pm, "需求评审", duration_days=1)

        under = client.post(
            url("wbs_task_add", planning),
            {"name": "需求确认", "kind": "task", "duration_days": "1", "parent": phase.pk},
        )
        indent = client.post(url("wbs_task_move", planning, a.pk), {"action": "indent"})
        moved_up = client.post(url("wbs_task_move", planning, a.pk), {"action": "up"})

        assert under.status_code == indent.status_code == moved_up.status_code == 302
        outline = dict(WbsTask.objects.filter(project=planning).values_list("name", "outline"))
        assert outline == {"阶段一": "1", "需求调研": "1.1", "需求确认": "1.2", "需求评审": "2"}
        assert fresh(phase).kind == TaskKind.SUMMARY
        assert fresh(phase).finish_on == fresh(a).finish_on  # the longer subtask
        page = client.get(url("schedule", planning)).content.decode()
        assert "calc(2 * 1.25rem" in page  # subtasks are indented by their depth

        outdent = client.post(url("wbs_task_move", planning, a.pk), {"action": "outdent"})
        down = client.post(url("wbs_task_move", planning, a.pk), {"action": "down"})
        gone = client.post(url("wbs_task_delete", planning, phase.pk))

        assert outdent.status_code == down.status_code == gone.status_code == 302
        rows = list(WbsTask.objects.filter(project=planning).values_list("name", "outline"))
        assert rows == [("需求评审", "1"), ("需求调研", "2")]

    def test_a_move_that_cannot_be_done_says_why(self, client, company, planning):
        first = add(planning, company.pm, "第一")
        client.force_login(company.pm)
        before = state(planning)

        up = client.post(url("wbs_task_move", planning, first.pk), {"action": "up"})
        indent = client.post(url("wbs_task_move", planning, first.pk), {"action": "indent"})
        outdent = client.post(url("wbs_task_move", planning, first.pk), {"action": "outdent"})
        junk = client.post(url("wbs_task_move", planning, first.pk), {"action": "sideways"})

        assert [r.status_code for r in (up, indent, outdent, junk)] == [400] * 4
        assert shown(up, "already the first") and shown(indent, "no task above")
        assert shown(outdent, "already at the top level")
        assert state(planning) == before

    def test_settings_move_the_dates(self, client, company, planning):
        task = add(planning, company.pm, "设计", duration_days=3)
        client.force_login(company.pm)

        saved = client.post(
            url("wbs_settings", planning),
            {
                "start_on": "2026-05-11",
                "status_on": "",
                "deadline_on": "2026-06-30",
                "calendar_code": "",
                "slip_threshold_days": "3",
            },
        )

        assert saved.status_code == 302
        schedule = ProjectSchedule.objects.get(project=planning)
        assert (schedule.start_on, schedule.deadline_on) == (
            dt.date(2026, 5, 11),
            dt.date(2026, 6, 30),
        )
        assert schedule.slip_threshold_days == 3
        assert (fresh(task).start_on, fresh(task).finish_on) == (
            dt.date(2026, 5, 11),
            dt.date(2026, 5, 13),
        )

    def test_remove_a_predecessor_and_a_person(self, client, company, planning):
        a = add(planning, company.pm, "甲", duration_days=2)
        b = add(planning, company.pm, "乙", duration_days=2)
        link = wbs.link_add(actor=company.pm, project=planning, predecessor=a, successor=b)
        person = wbs.assignment_set(actor=company.pm, task=b, user=company.member, planned_hours=8)
        client.force_login(company.pm)

        editor = client.get(url("schedule", planning), {"edit": b.pk}).content.decode()
        unlinked = client.post(url("wbs_link_delete", planning, link.pk))
        unassigned = client.post(url("wbs_assignment_remove", planning, person.pk))

        assert 'data-testid="wbs-link-remove"' in editor
        assert 'data-testid="wbs-assignment-remove"' in editor
        assert unlinked.status_code == unassigned.status_code == 302
        assert not Dependency.objects.filter(project=planning).exists()
        assert not Assignment.objects.filter(task=b).exists()
        assert fresh(b).start_on == fresh(a).start_on


FS = {"kind": "FS", "lag_days": "0"}


@pytest.mark.django_db
class TestRefusals:
    @pytest.fixture
    def two(self, company, planning):
        a = add(planning, company.pm, "甲任务", duration_days=1)
        b = add(planning, company.pm, "乙任务", duration_days=1)
        wbs.link_add(actor=company.pm, project=planning, predecessor=a, successor=b)
        return a, b

    def test_a_cycle_is_refused_naming_both_tasks(self, client, company, planning, two):
        a, _b = two
        client.force_login(company.pm)
        before = state(planning)

        refused = client.post(
            url("wbs_link_add", planning, a.pk), {"predecessor": "2", "kind": "SS", "lag_days": "3"}
        )

        assert refused.status_code == 409
        html = refused.content.decode()
        assert 'data-testid="wbs-link-error"' in html and "甲任务" in html and "乙任务" in html
        assert 'value="2"' in html and 'value="3"' in html  # what was typed is kept
        assert state(planning) == before

    @pytest.mark.parametrize(
        "fields, message",
        [
            ({"duration_days": "-1"}, "whole number from 0 to"),
            ({"duration_days": "三天"}, "whole number from 0 to"),
            ({"percent_complete": "abc"}, "whole number from 0 to 100"),
            ({"percent_complete": "101"}, "whole number from 0 to 100"),
            ({"kind": "epic"}, "Select a valid choice"),
            ({"constraint_type": "snet", "constraint_on": "2026-02-30"}, "Enter a valid date"),
            ({"constraint_type": "snet", "constraint_on": ""}, "needs a date"),
            ({"actual_finish_on": "2026-04-02"}, "give the actual start too"),
            ({"remaining_days": "9"}, "remaining duration is longer"),
            ({"name": "长" * 100_000}, "at most 200 characters"),
            ({"name": "  "}, "This field is required"),
            ({"work_products": "报告"}, "attached to milestones"),
        ],
    )
    def test_bad_task_values(self, client, company, planning, two, fields, message):
        a, _b = two
        client.force_login(company.pm)
        before = state(planning)

        refused = client.post(url("wbs_task_change", planning, a.pk), {**TASK, **fields})

        assert refused.status_code == 400
        assert shown(refused, message), refused.content.decode()[-3000:]
        assert 'data-testid="wbs-editor"' in refused.content.decode()
        assert state(planning) == before

    def test_a_refused_edit_keeps_what_was_typed(self, client, company, planning, two):
        a, _b = two
        client.force_login(company.pm)

        refused = client.post(
            url("wbs_task_change", planning, a.pk),
            {**TASK, "name": "新名字", "duration_days": "-4", "notes": "我的备注"},
        )

        html = refused.content.decode()
        assert refused.status_code == 400
        assert 'value="新名字"' in html and 'value="-4"' in html and "我的备注" in html
        assert fresh(a).name == "甲任务"

    @pytest.mark.parametrize(
        "fields, message",
        [
            ({"name": "x", "kind": "task", "duration_days": "-1"}, "whole number from 0 to"),
            ({"name": "x", "kind": "task", "duration_days": "abc"}, "whole number from 0 to"),
            ({"name": "x", "kind": "summary"}, "Select a valid choice"),
            ({"name": "长" * 100_000, "kind": "task"}, "at most 200 characters"),
            ({"name": "x", "kind": "task", "parent": "999999"}, "Select a valid choice"),
        ],
    )
    def test_bad_new_tasks(self, client, company, planning, two, fields, message):
        client.force_login(company.pm)
        before = state(planning)

        refused = client.post(url("wbs_task_add", planning), fields)

        assert refused.status_code == 400 and shown(refused, message)
        assert 'data-testid="wbs-add-form"' in refused.content.decode()
        assert state(planning) == before

    def test_a_subtask_under_a_linked_task_is_409(self, client, company, planning, two):
        a, _b = two
        client.force_login(company.pm)
        before = state(planning)

        refused = client.post(
            url("wbs_task_add", planning), {"name": "子任务", "kind": "task", "parent": a.pk}
        )

        assert refused.status_code == 409 and shown(refused, "has dependencies")
        assert 'value="子任务"' in refused.content.decode()
        assert state(planning) == before

    @pytest.mark.parametrize(
        "fields, message",
        [
            ({"predecessor": "9.9", **FS}, "no task with WBS code “9.9”"),
            ({"predecessor": "1", "kind": "XX", "lag_days": "0"}, "Select a valid choice"),
            ({"predecessor": "1", "kind": "FS", "lag_days": "两天"}, "whole number from"),
            ({"predecessor": "2", **FS}, "cannot depend on itself"),
        ],
    )
    def test_bad_links(self, client, company, planning, two, fields, message):
        _a, b = two
        client.force_login(company.pm)
        before = state(planning)

        refused = client.post(url("wbs_link_add", planning, b.pk), fields)

        assert refused.status_code == 400 and shown(refused, message)
        assert state(planning) == before

    def test_a_link_to_a_task_of_another_project_is_refused(
        self, client, company, planning, two, make_project, walk
    ):
        """The page names predecessors by WBS code, so another project's task is simply not
        found in this schedule."""
        other = walk(make_project(name="另一个项目"), "submit", "start_planning")
        add(other, company.pm, "别人的任务")
        add(other, company.pm, "别人的任务2")
        add(other, company.pm, "别人的任务3")
        _a, b = two
        client.force_login(company.pm)
        before = state(planning)

        refused = client.post(url("wbs_link_add", planning, b.pk), {"predecessor": "3", **FS})

        assert refused.status_code == 400 and shown(refused, "no task with WBS code “3”")
        assert state(planning) == before

    @pytest.mark.parametrize("hours", ["-8", "0", "八小时", "1e9"])
    def test_bad_hours(self, client, company, planning, two, hours):
        _a, b = two
        client.force_login(company.pm)
        before = state(planning)

        refused = client.post(
            url("wbs_assignment_set", planning, b.pk),
            {"user": company.member.pk, "planned_hours": hours},
        )

        assert refused.status_code == 400 and shown(refused, "Planned hours must be")
        assert f'value="{hours}"' in refused.content.decode()
        assert state(planning) == before

    @pytest.mark.parametrize(
        "fields, message",
        [
            ({"start_on": "garbage"}, "Enter a valid date"),
            ({"start_on": ""}, "This field is required"),
            ({"start_on": "2026-04-01", "slip_threshold_days": "五"}, "whole number from 0 to 365"),
            ({"start_on": "2026-04-01", "status_on": "2026-12-31"}, "cannot be in the future"),
            ({"start_on": "2026-04-01", "calendar_code": "mars"}, "Select a valid choice"),
            ({"start_on": "9999-12-31"}, "The working calendar for 9999 is not available"),
            ({"start_on": "2026-04-01", "deadline_on": "2027-06-01"}, "calendar for 2027"),
        ],
    )
    def test_bad_settings(self, client, company, planning, two, fields, message):
        client.force_login(company.pm)
        before = state(planning)

        refused = client.post(url("wbs_settings", planning), {"slip_threshold_days": "5", **fields})

        assert refused.status_code == 400 and shown(refused, message)
        assert 'data-testid="wbs-settings-form"' in refused.content.decode()
        assert state(planning) == before


@pytest.mark.django_db
def test_predecessors_are_written_as_ms_project_does(company, planning):
    pm = company.pm
    a = add(planning, pm, "甲", duration_days=2)
    b = add(planning, pm, "乙", duration_days=2)
    c = add(planning, pm, "丙", duration_days=2)
    wbs.link_add(actor=pm, project=planning, predecessor=b, successor=c, kind=LinkKind.SS)
    wbs.link_add(actor=pm, project=planning, predecessor=a, successor=c, lag_days=2)

    row = wbs_overview(pm, planning).row_of(c.pk)

    assert row.predecessors_text == "1FS+2, 2SS"
    assert [link_text("1.2", "FS", 0), link_text("1.3", "FF", -1)] == ["1.2", "1.3FF-1"]


@pytest.mark.django_db
def test_two_hundred_tasks_render_in_a_fixed_number_of_queries(
    client, company, planning, django_assert_max_num_queries
):
    pm = company.pm
    with deferred():
        phases = [add(planning, pm, f"阶段{p}") for p in range(10)]
        tasks = [
            add(planning, pm, f"任务{p}-{i}", parent=phase, duration_days=1 + i % 4)
            for p, phase in enumerate(phases)
            for i in range(19)
        ]
    with deferred():  # each phase a chain of its tasks, the phases side by side
        for before, after in itertools.pairwise(tasks):
            if before.parent_id == after.parent_id:
                wbs.link_add(actor=pm, project=planning, predecessor=before, successor=after)
        for task in tasks[::3]:
            wbs.assignment_set(actor=pm, task=task, user=company.member, planned_hours=8)
    assert WbsTask.objects.filter(project=planning).count() == 200
    client.force_login(pm)

    with django_assert_max_num_queries(6):
        overview = wbs_overview(pm, planning)
    with django_assert_max_num_queries(16):
        page = client.get(url("schedule", planning), {"edit": tasks[5].pk})

    assert overview.task_count == 200 and overview.planned_hours == Decimal(8 * 64)
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="wbs-row"') == 200


@pytest.mark.django_db
def test_an_edit_parameter_of_other_digits_shows_the_page(client, company, planning):
    add(planning, company.pm, "设计", duration_days=3)
    client.force_login(company.pm)

    page = client.get(url("schedule", planning), {"edit": "²"})

    assert page.status_code == 200 and 'data-testid="wbs-editor"' not in page.content.decode()
