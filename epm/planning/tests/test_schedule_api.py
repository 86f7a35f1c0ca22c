"""The WBS through the API: reading, building (tasks, tree, links, people, settings) with the
stored dates checked, 403/404 by who asks, and bad input refused with nothing changed."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from conftest import submit_plan
from epm.core.services import user_set_preferences
from epm.planning.models import Assignment, Dependency, ProjectSchedule, TaskKind, WbsTask
from epm.planning.services import wbs
from epm.planning.services.scheduler import deferred, schedule_of
from epm.projects.services import project_member_add
from epm.testing import api_client, assert_error, send

API = "/api/v1/planning/projects"


@pytest.fixture(autouse=True)
def english(company):
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
def pm(company):
    return api_client(company.pm)


def add(project, actor, name, **fields):
    return wbs.task_add(actor=actor, project=project, name=name, **fields)


def fresh(task):
    return WbsTask.objects.get(pk=task.pk)


def state(project) -> dict:
    return {
        "tasks": list(WbsTask.objects.filter(project=project).order_by("pk").values_list()),
        "links": list(Dependency.objects.filter(project=project).order_by("pk").values_list()),
        "people": list(
            Assignment.objects.filter(task__project=project).order_by("pk").values_list()
        ),
        "schedule": list(ProjectSchedule.objects.filter(project=project).values_list()),
    }


def at(project, *rest) -> str:
    return "/".join([API, str(project.pk), *map(str, rest)])


@pytest.mark.django_db
class TestReading:
    def test_the_schedule_with_tasks_links_and_people(self, company, planning, pm):
        design = add(planning, company.pm, "设计", duration_days=3)
        build = add(planning, company.pm, "开发", duration_days=5)
        done = add(planning, company.pm, "上线", kind=TaskKind.MILESTONE, work_products="报告")
        wbs.link_add(actor=company.pm, project=planning, predecessor=design, successor=build)
        wbs.link_add(
            actor=company.pm, project=planning, predecessor=build, successor=done, lag_days=2
        )
        wbs.assignment_set(actor=company.pm, task=build, user=company.member, planned_hours=16)

        body = pm.get(at(planning, "schedule")).json()

        assert body["editable"] is True and body["frozen_reason"] is None
        assert body["settings"]["start_on"] == "2026-04-01"
        assert body["settings"]["finish_on"] == "2026-04-15"
        assert body["totals"] == {
            "task_count": 3,
            "milestone_count": 1,
            "finish_on": "2026-04-15",
            "planned_hours": "16.0",
        }
        tasks = {t["name"]: t for t in body["tasks"]}
        assert [t["outline"] for t in body["tasks"]] == ["1", "2", "3"]
        assert tasks["开发"]["start_on"] == "2026-04-07" and tasks["开发"]["critical"]
        assert tasks["上线"]["predecessors"] == "2FS+2" and tasks["上线"]["work_products"] == [
            "报告"
        ]
        assert tasks["开发"]["planned_hours"] == "16.0"
        assert {(link["text"], link["successor_id"]) for link in body["links"]} == {
            ("1", build.pk),
            ("2FS+2", done.pk),
        }
        assert body["assignments"][0]["user_id"] == company.member.pk

    def test_a_reader_sees_it_read_only_and_a_stranger_gets_404(self, company, planning):
        project_member_add(actor=company.pm, project=planning, user=company.member, role="tester")
        add(planning, company.pm, "设计")

        reader = api_client(company.member).get(at(planning, "schedule"))
        stranger = api_client(company.stranger).get(at(planning, "schedule"))

        assert reader.status_code == 200
        assert reader.json()["editable"] is False and reader.json()["frozen_reason"]
        assert_error(stranger, 404, "not_found")

    def test_two_hundred_tasks_in_a_fixed_number_of_queries(
        self, company, planning, pm, django_assert_max_num_queries
    ):
        with deferred():
            phases = [add(planning, company.pm, f"阶段{p}") for p in range(10)]
            tasks = [
                add(planning, company.pm, f"任务{p}-{i}", parent=phase, duration_days=2)
                for p, phase in enumerate(phases)
                for i in range(19)
            ]
            for before, after in itertools.pairwise(tasks):
                if before.parent_id == after.parent_id:
                    wbs.link_add(
                        actor=company.pm, project=planning, predecessor=before, successor=after
                    )
            for task in tasks[::2]:
                wbs.assignment_set(
                    actor=company.pm, task=task, user=company.member, planned_hours=4
                )

        with django_assert_max_num_queries(12):
            response = pm.get(at(planning, "schedule"))

        body = response.json()
        assert len(body["tasks"]) == 200 and len(body["links"]) == 180
        assert len(body["assignments"]) == 95


@pytest.mark.django_db
class TestBuilding:
    def test_tasks_links_and_people_give_stored_dates(self, company, planning, pm):
        design = send(pm, "post", at(planning, "tasks"), {"name": "设计", "duration_days": 3})
        build = send(pm, "post", at(planning, "tasks"), {"name": "开发", "duration_days": "5"})
        done = send(
            pm,
            "post",
            at(planning, "tasks"),
            {"name": "上线", "kind": "milestone", "work_products": "上线报告\n验收单"},
        )
        assert design.status_code == build.status_code == done.status_code == 201
        design, build, done = design.json(), build.json(), done.json()
        assert design["start_on"] == "2026-04-01" and design["finish_on"] == "2026-04-03"

        first = send(
            pm,
            "post",
            at(planning, "links"),
            {"predecessor_id": design["id"], "successor_id": build["id"]},
        )
        second = send(
            pm,
            "post",
            at(planning, "links"),
            {"predecessor_id": build["id"], "successor_id": done["id"], "kind": "FS"},
        )
        person = send(
            pm,
            "put",
            at(planning, "tasks", build["id"], "assignments", company.member.pk),
            {"planned_hours": "12.5"},
        )

        assert first.status_code == second.status_code == 201
        assert first.json()["text"] == "1"
        assert person.status_code == 200 and person.json()["planned_hours"] == "12.5"
        stored = {t.name: t for t in WbsTask.objects.filter(project=planning)}
        assert (stored["开发"].start_on, stored["开发"].finish_on) == (
            dt.date(2026, 4, 7),
            dt.date(2026, 4, 13),
        )
        assert stored["上线"].finish_on == dt.date(2026, 4, 13)
        assert stored["上线"].work_product_list == ["上线报告", "验收单"]

        changed = send(
            pm, "patch", at(planning, "links", first.json()["id"]), {"lag_days": 2, "kind": "FS"}
        )
        edited = send(pm, "patch", at(planning, "tasks", design["id"]), {"duration_days": 2})
        hours = send(
            pm,
            "put",
            at(planning, "tasks", build["id"], "assignments", company.member.pk),
            {"planned_hours": 20},
        )

        assert changed.status_code == edited.status_code == hours.status_code == 200
        assert changed.json()["text"] == "1FS+2"
        assert edited.json()["finish_on"] == "2026-04-02"
        # 2 April + 2 days of lag (3 April, then 7 April after Qingming): the build starts on 8.
        assert fresh(stored["开发"]).start_on == dt.date(2026, 4, 8)
        assert Assignment.objects.get(task_id=build["id"]).planned_hours == 20

        unlinked = pm.delete(at(planning, "links", first.json()["id"]))
        unassigned = pm.delete(at(planning, "tasks", build["id"], "assignments", company.member.pk))
        deleted = pm.delete(at(planning, "tasks", done["id"]))

        assert unlinked.status_code == unassigned.status_code == deleted.status_code == 204
        assert fresh(stored["开发"]).start_on == dt.date(2026, 4, 1)
        assert not Assignment.objects.filter(task__project=planning).exists()
        assert WbsTask.objects.filter(project=planning).count() == 2

    def test_move_builds_the_tree(self, company, planning, pm):
        phase = add(planning, company.pm, "阶段一")
        a = add(planning, company.pm, "需求调研", duration_days=2)
        b = add(planning, company.pm, "需求评审", duration_days=4)

        under = send(pm, "post", at(planning, "tasks", a.pk, "move"), {"parent_id": phase.pk})
        first = send(
            pm, "post", at(planning, "tasks", b.pk, "move"), {"parent_id": phase.pk, "position": 0}
        )
        child = send(
            pm, "post", at(planning, "tasks"), {"name": "确认", "parent_id": a.pk, "position": 0}
        )

        assert under.status_code == first.status_code == 200 and child.status_code == 201
        assert under.json()["outline"] == "1.1" and under.json()["depth"] == 2
        outline = dict(WbsTask.objects.filter(project=planning).values_list("name", "outline"))
        assert outline == {"阶段一": "1", "需求评审": "1.1", "需求调研": "1.2", "确认": "1.2.1"}
        assert fresh(phase).kind == fresh(a).kind == TaskKind.SUMMARY
        assert fresh(phase).finish_on == fresh(b).finish_on == dt.date(2026, 4, 7)

        top = send(pm, "post", at(planning, "tasks", a.pk, "move"), {"parent_id": None})

        assert top.status_code == 200 and top.json()["outline"] == "2"

    def test_settings(self, company, planning, pm):
        task = add(planning, company.pm, "设计", duration_days=3)

        response = send(
            pm,
            "patch",
            at(planning, "schedule"),
            {"start_on": "2026-05-11", "deadline_on": "2026-06-30", "slip_threshold_days": "3"},
        )

        assert response.status_code == 200
        assert response.json()["start_on"] == "2026-05-11"
        assert response.json()["finish_on"] == "2026-05-13"
        assert fresh(task).start_on == dt.date(2026, 5, 11)
        schedule = ProjectSchedule.objects.get(project=planning)
        assert (schedule.deadline_on, schedule.slip_threshold_days) == (dt.date(2026, 6, 30), 3)


@pytest.mark.django_db
class TestRefusals:
    @pytest.fixture
    def two(self, company, planning):
        a = add(planning, company.pm, "甲任务", duration_days=1)
        b = add(planning, company.pm, "乙任务", duration_days=1)
        wbs.link_add(actor=company.pm, project=planning, predecessor=a, successor=b)
        return a, b

    def test_a_cycle_is_409_naming_both_tasks(self, planning, pm, two):
        a, b = two
        before = state(planning)

        response = send(
            pm, "post", at(planning, "links"), {"predecessor_id": b.pk, "successor_id": a.pk}
        )

        body = assert_error(response, 409, "cycle")
        assert "甲任务" in body["message"] and "乙任务" in body["message"]
        assert set(body["detail"]["tasks"]) == {a.pk, b.pk}
        assert state(planning) == before

    @pytest.mark.parametrize(
        "fields, code",
        [
            ({"duration_days": -1}, "invalid_number"),
            ({"duration_days": "three"}, "invalid_number"),
            ({"duration_days": 1.5}, "invalid_number"),
            ({"duration_days": "--5"}, "invalid_number"),
            ({"constraint_type": "snet", "constraint_on": "9999-12-31"}, "calendar_not_covered"),
            ({"percent_complete": "50%"}, "invalid_number"),
            ({"remaining_days": "x"}, "invalid_number"),
            ({"kind": "epic"}, "invalid_kind"),
            ({"kind": "summary"}, "invalid_kind"),
            ({"constraint_type": "whenever"}, "invalid_constraint"),
            ({"constraint_type": "snet", "constraint_on": "2026-02-30"}, "invalid_date"),
            ({"constraint_type": "mso"}, "constraint_date_required"),
            ({"actual_start_on": "yesterday"}, "invalid_date"),
            ({"actual_start_on": "2099-01-01"}, "actual_in_future"),
            ({"name": "长" * 100_000}, "too_long"),
            ({"name": ""}, "required"),
            ({"work_products": "报告"}, "work_products_on_task"),
        ],
    )
    def test_bad_task_values_are_400(self, planning, pm, two, fields, code):
        a, _b = two
        before = state(planning)

        edited = send(pm, "patch", at(planning, "tasks", a.pk), fields)
        added = send(pm, "post", at(planning, "tasks"), {"name": "新任务", **fields})

        assert_error(edited, 400, code)
        assert_error(added, 400, code)
        assert state(planning) == before

    @pytest.mark.parametrize(
        "fields",
        [
            {"duration_days": [1]},
            {"duration_days": True},
            {"name": 5},
            {"kind": {"a": 1}},
            {"constraint_on": 20260401},
        ],
    )
    def test_wrong_json_types_are_422_as_everywhere_in_the_api(self, planning, pm, two, fields):
        a, _b = two
        before = state(planning)

        assert_error(send(pm, "patch", at(planning, "tasks", a.pk), fields), 422)
        assert_error(send(pm, "post", at(planning, "tasks"), {"name": None}), 422)
        assert_error(pm.patch(at(planning, "tasks", a.pk), "{", "application/json"), 400)
        assert state(planning) == before

    def test_unknown_fields_are_ignored_as_everywhere_in_the_api(self, planning, pm, two):
        a, _b = two

        response = send(pm, "patch", at(planning, "tasks", a.pk), {"colour": "red", "name": "甲"})
        cleared = send(pm, "patch", at(planning, "tasks", a.pk), {"name": None})

        assert response.status_code == 200 and fresh(a).name == "甲"
        assert_error(cleared, 400, "required")

    @pytest.mark.parametrize(
        "fields, code",
        [
            ({"kind": "XX"}, "invalid_link_kind"),
            ({"lag_days": "two"}, "invalid_number"),
            ({"lag_days": 5000}, "invalid_number"),
        ],
    )
    def test_bad_links_are_400(self, planning, pm, two, fields, code):
        a, b = two
        link = Dependency.objects.get(project=planning)
        c = add(planning, a.project.pm, "丙任务")
        before = state(planning)

        added = send(
            pm,
            "post",
            at(planning, "links"),
            {"predecessor_id": b.pk, "successor_id": c.pk, **fields},
        )
        changed = send(pm, "patch", at(planning, "links", link.pk), fields)

        assert_error(added, 400, code)
        assert_error(changed, 400, code)
        assert state(planning) == before

    def test_ids_of_another_project(self, company, planning, pm, two, make_project, walk):
        """In the path: 404, as for anything the caller cannot see. In the body: 400."""
        other = walk(make_project(name="另一个项目"), "submit", "start_planning")
        theirs = add(other, company.pm, "别人的任务")
        their_next = add(other, company.pm, "别人的任务2")
        their_link = wbs.link_add(
            actor=company.pm, project=other, predecessor=theirs, successor=their_next
        )
        a, _b = two
        before, theirs_before = state(planning), state(other)

        assert_error(send(pm, "patch", at(planning, "tasks", theirs.pk), {"name": "x"}), 404)
        assert_error(pm.delete(at(planning, "tasks", theirs.pk)), 404)
        assert_error(send(pm, "post", at(planning, "tasks", theirs.pk, "move"), {}), 404)
        assert_error(pm.delete(at(planning, "links", their_link.pk)), 404)
        assert_error(send(pm, "patch", at(planning, "tasks", 10**30), {"name": "x"}), 404)
        link = {"predecessor_id": theirs.pk, "successor_id": a.pk}
        assert_error(send(pm, "post", at(planning, "links"), link), 400, "unknown_task")
        move = {"parent_id": theirs.pk}
        assert_error(send(pm, "post", at(planning, "tasks", a.pk, "move"), move), 400)
        new = {"name": "x", "parent_id": theirs.pk}
        assert_error(send(pm, "post", at(planning, "tasks"), new), 400, "unknown_task")
        assert state(planning) == before and state(other) == theirs_before

    @pytest.mark.parametrize("hours", [-8, 0, "eight", "1e9", "0.04"])
    def test_bad_hours_are_400(self, company, planning, pm, two, hours):
        a, _b = two
        before = state(planning)

        response = send(
            pm,
            "put",
            at(planning, "tasks", a.pk, "assignments", company.member.pk),
            {"planned_hours": hours},
        )

        assert_error(response, 400, "invalid_hours")
        assert state(planning) == before

    def test_unknown_people_and_assignments_are_404(self, company, planning, pm, two):
        a, _b = two

        put = send(
            pm, "put", at(planning, "tasks", a.pk, "assignments", 999999), {"planned_hours": 8}
        )
        gone = pm.delete(at(planning, "tasks", a.pk, "assignments", company.member.pk))

        assert_error(put, 404)
        assert_error(gone, 404)

    @pytest.mark.parametrize(
        "fields, code",
        [
            ({"start_on": "garbage"}, "invalid_date"),
            ({"start_on": None}, "required"),
            ({"slip_threshold_days": "five"}, "invalid_number"),
            ({"status_on": "2026-12-31"}, "status_in_future"),
            ({"calendar_code": "mars"}, "unknown_calendar"),
            ({"start_on": "9999-12-31"}, "calendar_not_covered"),
        ],
    )
    def test_bad_settings_are_400(self, planning, pm, two, fields, code):
        before = state(planning)

        assert_error(send(pm, "patch", at(planning, "schedule"), fields), 400, code)
        assert state(planning) == before

    def test_readers_get_403_and_strangers_404(self, company, planning, two):
        project_member_add(actor=company.pm, project=planning, user=company.member, role="tester")
        a, b = two
        link = Dependency.objects.get(project=planning)
        before = state(planning)

        for client, status in (
            (api_client(company.member), 403),
            (api_client(company.stranger), 404),
        ):
            calls = [
                send(client, "post", at(planning, "tasks"), {"name": "x"}),
                send(client, "patch", at(planning, "tasks", a.pk), {"name": "x"}),
                client.delete(at(planning, "tasks", a.pk)),
                send(client, "post", at(planning, "tasks", b.pk, "move"), {"position": 0}),
                send(client, "patch", at(planning, "links", link.pk), {"lag_days": 1}),
                client.delete(at(planning, "links", link.pk)),
                send(client, "patch", at(planning, "schedule"), {"slip_threshold_days": 1}),
                send(
                    client,
                    "put",
                    at(planning, "tasks", a.pk, "assignments", company.member.pk),
                    {"planned_hours": 1},
                ),
            ]
            for response in calls:
                assert_error(response, status)
        assert state(planning) == before

    def test_frozen_while_the_plan_is_in_review(self, company, planning, pm, two):
        a, _b = two
        submit_plan(planning, actor=company.pm)
        before = state(planning)

        body = pm.get(at(planning, "schedule")).json()
        refused = send(pm, "patch", at(planning, "tasks", a.pk), {"name": "改"})

        assert body["editable"] is False and "in review" in body["frozen_reason"]
        assert_error(refused, 409, "in_approval")
        assert state(planning) == before
