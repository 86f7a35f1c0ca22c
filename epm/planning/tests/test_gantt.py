"""The Gantt chart and the network diagram: their data, the drag endpoint and the pages."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from epm.planning.models import (
    Baseline,
    BaselineSource,
    BaselineTask,
    Dependency,
    LinkKind,
    TaskKind,
    WbsTask,
)
from epm.planning.selectors_gantt import gantt_chart, layer_of, network_diagram, order_columns
from epm.planning.services import wbs
from epm.planning.services.scheduler import deferred, reschedule, schedule_of
from epm.projects.services import project_member_add
from epm.testing import api_client, assert_error, send

BASE = "/api/v1/planning/projects"


@pytest.fixture
def planning(make_project, walk):
    project = walk(make_project(), "submit", "start_planning")
    schedule = schedule_of(project)
    schedule.start_on = dt.date(2026, 4, 1)  # a Wednesday
    schedule.save()
    return project


@pytest.fixture
def reader(company, planning):
    """A team member: sees the schedule, may not change it."""
    project_member_add(actor=company.pm, project=planning, user=company.member, role="tester")
    return company.member


@pytest.fixture
def plan(planning, company):
    """需求 (3 days) → 设计 (2) → 上线 (milestone); 文档 (1 day) runs beside them with float.

    1 调研阶段 (summary): 1.1 需求, 1.2 设计; 2 文档; 3 上线."""
    pm = company.pm
    with deferred():
        phase = wbs.task_add(actor=pm, project=planning, name="调研阶段")
        need = wbs.task_add(actor=pm, project=planning, name="需求", parent=phase, duration_days=3)
        design = wbs.task_add(
            actor=pm, project=planning, name="设计", parent=phase, duration_days=2
        )
        docs = wbs.task_add(actor=pm, project=planning, name="文档", duration_days=1)
        live = wbs.task_add(
            actor=pm,
            project=planning,
            name="上线",
            kind=TaskKind.MILESTONE,
            work_products="上线确认单",
        )
        wbs.link_add(actor=pm, project=planning, predecessor=need, successor=design)
        wbs.link_add(actor=pm, project=planning, predecessor=design, successor=live)
        wbs.link_add(
            actor=pm, project=planning, predecessor=need, successor=docs, kind="SS", lag_days=1
        )
    return {t.name: t for t in WbsTask.objects.filter(project=planning)}


# --- The chart's data ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_chart_rows_follow_the_wbs_with_stored_dates_and_critical_flags(planning, company, plan):
    chart = gantt_chart(company.pm, planning)
    rows = {row.name: row for row in chart.rows}
    assert [row.outline for row in chart.rows] == ["1", "1.1", "1.2", "2", "3"]
    assert [row.depth for row in chart.rows] == [1, 2, 2, 1, 1]
    assert rows["需求"].start == dt.date(2026, 4, 1) and rows["需求"].finish == dt.date(2026, 4, 3)
    assert rows["调研阶段"].finish == rows["设计"].finish
    assert rows["设计"].dependencies == str(plan["需求"].pk)
    assert rows["文档"].dependencies == str(plan["需求"].pk)
    assert "critical" in rows["设计"].classes and "critical" not in rows["文档"].classes
    assert rows["文档"].total_float and rows["文档"].total_float > 0
    assert "summary" in rows["调研阶段"].classes and "milestone" in rows["上线"].classes
    assert rows["上线"].work_products == ("上线确认单",)
    assert chart.editable and chart.frozen_reason == "" and chart.baseline is None
    assert all(row.baseline_start is None for row in chart.rows)
    body = chart.as_json()
    assert body["tasks"][1]["start"] == "2026-04-01" and body["revision"] == chart.revision


@pytest.mark.django_db
def test_readers_get_a_read_only_chart_and_a_frozen_plan_says_why(planning, company, plan, reader):
    assert not gantt_chart(reader, planning).editable
    assert gantt_chart(reader, planning).frozen_reason == ""
    from epm.planning.plan_sections import SECTION_CODES
    from epm.planning.services.plan import plan_save, plan_submit

    plan_save(actor=company.pm, project=planning, sections=dict.fromkeys(SECTION_CODES, "计划"))
    plan_submit(actor=company.pm, project=planning, reason="提交")
    chart = gantt_chart(company.pm, planning)
    assert not chart.editable and chart.frozen_reason


@pytest.mark.django_db
def test_the_current_baseline_gives_each_task_a_baseline_bar(planning, company, plan):
    # given an old baseline and a current one (rows written directly: only their dates matter)
    old = Baseline.objects.create(project=planning, number=1, source=BaselineSource.MANUAL)
    current = Baseline.objects.create(
        project=planning, number=2, source=BaselineSource.MANUAL, is_current=True
    )
    need, live = plan["需求"], plan["上线"]
    BaselineTask.objects.create(
        baseline=old, task=need, name=need.name, kind=need.kind, start_on=dt.date(2026, 3, 1)
    )
    BaselineTask.objects.create(
        baseline=current,
        task=need,
        name=need.name,
        kind=need.kind,
        start_on=dt.date(2026, 3, 30),
        finish_on=dt.date(2026, 4, 1),
    )
    BaselineTask.objects.create(
        baseline=current,
        task=live,
        name=live.name,
        kind=live.kind,
        start_on=dt.date(2026, 4, 7),
        finish_on=dt.date(2026, 4, 7),
    )
    # when
    chart = gantt_chart(company.pm, planning)
    # then
    rows = {row.name: row for row in chart.rows}
    assert chart.baseline == 2
    assert (rows["需求"].baseline_start, rows["需求"].baseline_finish) == (
        dt.date(2026, 3, 30),
        dt.date(2026, 4, 1),
    )
    assert "baseline" in rows["需求"].classes and "baseline" in rows["上线"].classes
    assert rows["设计"].baseline_start is None and "baseline" not in rows["设计"].classes


# --- The network's layout ------------------------------------------------------------------------


def test_layers_are_the_longest_chain_of_links_in_a_textbook_network():
    # A → B → D → E, A → C → D, A → E, F alone; G after C
    edges = [(1, 2), (2, 4), (4, 5), (1, 3), (3, 4), (1, 5), (3, 7)]
    layer = layer_of([1, 2, 3, 4, 5, 6, 7], edges)
    assert layer == {1: 0, 2: 1, 3: 1, 4: 2, 5: 3, 6: 0, 7: 2}


def test_nodes_on_a_cycle_are_placed_after_the_others():
    layer = layer_of([1, 2, 3], [(1, 2), (2, 3), (3, 2)])
    assert layer[1] == 0 and layer[2] == layer[3] == 2


def test_a_column_is_ordered_by_the_median_row_of_its_predecessors():
    # column 0: 1, 2, 3 (in WBS order); 4 follows 3, 5 follows 1: 5 goes above 4
    edges = [(3, 4), (1, 5)]
    layer = layer_of([1, 2, 3, 4, 5], edges)
    assert order_columns(layer, edges, [1, 2, 3, 4, 5]) == [[1, 2, 3], [5, 4]]


@pytest.mark.django_db
def test_network_nodes_carry_early_and_late_dates_and_the_critical_links(planning, company, plan):
    network = network_diagram(company.pm, planning)
    nodes = {n.name: n for n in network.nodes}
    assert set(nodes) == {"需求", "设计", "文档", "上线"}  # no summaries
    assert [nodes[n].layer for n in ("需求", "设计", "文档", "上线")] == [0, 1, 1, 2]
    need, docs = nodes["需求"], nodes["文档"]
    assert (need.early_start, need.late_start) == (dt.date(2026, 4, 1), dt.date(2026, 4, 1))
    assert docs.total_float > 0 and docs.late_finish > docs.early_finish
    links = {(link.predecessor, link.successor): link for link in network.links}
    design_link = links[(plan["需求"].pk, plan["设计"].pk)]
    docs_link = links[(plan["需求"].pk, plan["文档"].pk)]
    assert design_link.critical and design_link.label == ""
    assert not docs_link.critical and docs_link.label == "SS+1"
    assert network.as_json()["links"][0]["label"] in ("", "SS+1")


# --- The API -------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestGanttApi:
    def test_chart_for_a_reader_and_404_for_a_stranger(self, planning, company, plan, reader):
        body = send(api_client(reader), "get", f"{BASE}/{planning.pk}/gantt").json()
        assert body["editable"] is False
        assert [t["outline"] for t in body["tasks"]] == ["1", "1.1", "1.2", "2", "3"]
        stranger = api_client(company.stranger)
        assert_error(send(stranger, "get", f"{BASE}/{planning.pk}/gantt"), 404)
        assert_error(send(stranger, "get", f"{BASE}/{planning.pk}/network"), 404)

    def test_dragging_a_bar_moves_its_successor(self, planning, company, plan):
        # given
        pm = api_client(company.pm)
        chart = send(pm, "get", f"{BASE}/{planning.pk}/gantt").json()
        need, design = plan["需求"], plan["设计"]
        # when 需求 is dragged from Wednesday 1 April to Wednesday 8 April
        response = send(
            pm,
            "post",
            f"{BASE}/{planning.pk}/gantt/drag",
            {"task_id": need.pk, "start": "2026-04-08", "revision": chart["revision"]},
        )
        # then the schedule moved 需求's successors too, and the answer shows it
        assert response.status_code == 200, response.content
        body = response.json()
        moved = {m["task_id"]: m for m in body["moved"]}
        assert {need.pk, design.pk} <= set(moved)
        assert moved[need.pk]["start"] == "2026-04-08"
        assert moved[design.pk]["start_before"] == "2026-04-07"
        assert body["chart"]["revision"] > chart["revision"]
        design.refresh_from_db()
        assert design.start_on == dt.date.fromisoformat(moved[design.pk]["start"])
        assert design.start_on > dt.date(2026, 4, 7)

    def test_dragging_an_end_changes_the_duration(self, planning, company, plan):
        need = plan["需求"]
        response = send(
            api_client(company.pm),
            "post",
            f"{BASE}/{planning.pk}/gantt/drag",
            {"task_id": need.pk, "finish": "2026-04-08"},
        )
        assert response.status_code == 200, response.content
        need.refresh_from_db()
        # 1–3 April, then the Qingming holiday (4–6 April), then 7–8 April: five working days
        assert need.duration_days == 5 and need.finish_on == dt.date(2026, 4, 8)

    def test_a_stale_revision_is_refused_and_nothing_moves(self, planning, company, plan):
        pm = api_client(company.pm)
        revision = schedule_of(planning).revision
        need = plan["需求"]
        body = assert_error(
            send(
                pm,
                "post",
                f"{BASE}/{planning.pk}/gantt/drag",
                {"task_id": need.pk, "start": "2026-04-08", "revision": revision - 1},
            ),
            409,
            "stale_revision",
        )
        assert body["message"]
        need.refresh_from_db()
        assert need.start_on == dt.date(2026, 4, 1)

    def test_readers_strangers_and_bad_input_are_refused(self, planning, company, plan, reader):
        url = f"{BASE}/{planning.pk}/gantt/drag"
        need = plan["需求"]
        move = {"task_id": need.pk, "start": "2026-04-08"}
        assert_error(send(api_client(reader), "post", url, move), 403)
        assert_error(send(api_client(company.stranger), "post", url, move), 404)
        pm = api_client(company.pm)
        assert_error(send(pm, "post", url, {**move, "task_id": 999_999}), 404)
        assert_error(send(pm, "post", url, {**move, "start": "8 April"}), 400, "invalid_date")
        assert_error(send(pm, "post", url, {**move, "task_id": plan["调研阶段"].pk}), 400)
        need.refresh_from_db()
        assert need.start_on == dt.date(2026, 4, 1) and need.constraint_on is None

    def test_the_browser_session_needs_the_csrf_token_the_page_carries(
        self, planning, company, plan
    ):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(company.pm)
        page = browser.get(reverse("planning:gantt", args=[planning.pk]))
        token = re.search(r'data-csrf="([^"]+)"', page.content.decode()).group(1)
        url = f"{BASE}/{planning.pk}/gantt/drag"
        move = json.dumps({"task_id": plan["需求"].pk, "start": "2026-04-08"})
        refused = browser.post(url, move, content_type="application/json")
        assert_error(refused, 403, "csrf_failed")
        accepted = browser.post(
            url, move, content_type="application/json", headers={"X-CSRFToken": token}
        )
        assert accepted.status_code == 200, accepted.content

    def test_network_for_scripts(self, planning, company, plan):
        body = send(api_client(company.pm), "get", f"{BASE}/{planning.pk}/network").json()
        assert body["layers"] == 3 and len(body["nodes"]) == 4
        assert {link["label"] for link in body["links"]} == {"", "SS+1"}


# --- The pages -----------------------------------------------------------------------------------


def page_data(response) -> dict:
    text = response.content.decode()
    found = re.search(r'<script id="gantt-data" type="application/json">(.*?)</script>', text)
    assert found, "the chart's data is embedded in the page"
    return json.loads(found.group(1))


@pytest.mark.django_db
class TestPages:
    def test_gantt_page_embeds_the_chart_for_an_editor(self, client, planning, company, plan):
        client.force_login(company.pm)
        response = client.get(reverse("planning:gantt", args=[planning.pk]))
        assert response.status_code == 200
        data = page_data(response)
        assert data["editable"] and len(data["tasks"]) == 5
        assert data["urls"]["drag"] == f"{BASE}/{planning.pk}/gantt/drag"
        assert b"gantt.js" in response.content and b'data-testid="gantt-hint"' in response.content

    def test_gantt_page_is_read_only_for_a_reader_and_hidden_from_strangers(
        self, client, planning, company, plan, reader
    ):
        client.force_login(reader)
        response = client.get(reverse("planning:gantt", args=[planning.pk]))
        assert response.status_code == 200 and not page_data(response)["editable"]
        assert b'data-testid="gantt-hint"' not in response.content
        client.force_login(company.stranger)
        assert client.get(reverse("planning:gantt", args=[planning.pk])).status_code == 404
        assert client.get(reverse("planning:network", args=[planning.pk])).status_code == 404

    def test_empty_schedule_says_so(self, client, planning, company):
        client.force_login(company.pm)
        for name, empty in (("planning:gantt", "gantt"), ("planning:network", "network")):
            response = client.get(reverse(name, args=[planning.pk]))
            assert response.status_code == 200
            assert f'data-testid="{empty}-empty"'.encode() in response.content

    def test_network_page_draws_boxes_and_labelled_links(self, client, planning, company, plan):
        client.force_login(company.pm)
        response = client.get(reverse("planning:network", args=[planning.pk]))
        text = response.content.decode()
        assert text.count('data-testid="network-node"') == 4
        assert text.count('data-testid="network-link"') == 3
        assert ">SS+1</text>" in text
        assert text.count('class="link critical"') == 2  # 需求 → 设计 → 上线


def build_network(project, size: int) -> None:
    """`size` tasks in chains of ten with links across the chains, scheduled once. Rows are
    written directly (only the page's speed is under test), then renumbered and scheduled."""
    tasks = WbsTask.objects.bulk_create(
        WbsTask(project=project, name=f"任务{i}", position=i, duration_days=1 + i % 4)
        for i in range(size)
    )
    links = []
    for i, task in enumerate(tasks):
        if i % 10:
            links.append(Dependency(project=project, predecessor=tasks[i - 1], successor=task))
        if i >= 10 and i % 7 == 0:
            links.append(
                Dependency(
                    project=project,
                    predecessor=tasks[i - 10],
                    successor=task,
                    kind=LinkKind.SS,
                    lag_days=2,
                )
            )
    Dependency.objects.bulk_create(links)
    wbs.renumber(project)
    reschedule(project)


@pytest.mark.django_db
def test_network_and_gantt_pages_of_300_tasks_take_a_bounded_number_of_queries(
    client, planning, company
):
    build_network(planning, 300)
    client.force_login(company.pm)
    for name, marker in (("planning:network", "network-node"), ("planning:gantt", None)):
        url = reverse(name, args=[planning.pk])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert len(queries) <= 16, [q["sql"] for q in queries]
        if marker:
            assert response.content.decode().count(f'data-testid="{marker}"') == 300
        else:
            assert len(page_data(response)["tasks"]) == 300
