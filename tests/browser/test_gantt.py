"""Issue 5 (R17): the demo PM opens a demo project's Gantt chart, drags a task bar a few days to
the right with the mouse, and sees its successor's bar move with it — in the chart and in the
stored dates; a team member who may only read sees no drag handles and cannot move a bar."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from epm.core.demo import load_demo
from epm.planning.models import ConstraintType, Dependency, LinkKind, TaskKind, WbsTask
from epm.projects.models import Project, ProjectRole, Status

from .helpers import sign_in

DAYS = 4  # how far the bar is dragged, in days of the Day view


def bar_x(page: Page, task_id: int) -> float:
    return float(
        page.locator(f'#gantt-chart .bar-wrapper[data-id="{task_id}"] .bar').get_attribute("x")
    )


def open_gantt(page: Page, base: str, project: Project) -> None:
    page.goto(f"{base}/projects/{project.pk}/schedule/gantt/")
    expect(page.get_by_test_id("gantt-app")).to_have_attribute("data-ready", "true")
    page.get_by_test_id("gantt-zoom-day").click()  # a day is a 45-pixel column


def a_link_to_drag(project: Project) -> Dependency:
    """A finish-to-start link between two tasks that have not started, where the predecessor
    has no free float (the successor starts right after it), the earliest starting after
    today: moving the predecessor must move the successor."""
    links = Dependency.objects.filter(
        project=project,
        kind=LinkKind.FS,
        lag_days=0,
        predecessor__kind=TaskKind.TASK,
        successor__kind__in=[TaskKind.TASK, TaskKind.MILESTONE],
        predecessor__free_float=0,
        predecessor__actual_start_on__isnull=True,
    ).select_related("predecessor", "successor")
    later = links.filter(predecessor__start_on__gt=timezone.localdate())
    link = later.order_by("predecessor__start_on").first() or links.first()
    assert link is not None, "the demo schedule has a driving link"
    return link


@pytest.mark.django_db(transaction=True)
def test_the_pm_drags_a_bar_and_the_successor_follows(live_server, page, reference_data):
    # given the demo PM's project in execution, with the schedule its plan came with
    demo = load_demo()
    project = Project.objects.get(pm__username=demo.demo_pm_username, status=Status.EXECUTING)
    link = a_link_to_drag(project)
    task, successor = link.predecessor, link.successor
    start_before, successor_before = task.start_on, successor.start_on

    # when the PM opens the Gantt chart
    sign_in(page, live_server.url, demo.demo_pm_username)
    open_gantt(page, live_server.url, project)
    expect(page.get_by_test_id("gantt-row")).to_have_count(
        WbsTask.objects.filter(project=project, start_on__isnull=False).count()
    )
    expect(page.get_by_test_id("epm-today")).to_have_count(1)
    assert page.locator("#gantt-chart .epm-baseline-bar").count() > 0
    assert page.locator("#gantt-chart .bar-wrapper.epm-critical").count() > 0
    bar = page.locator(f'#gantt-chart .bar-wrapper[data-id="{task.pk}"] .bar')
    bar.scroll_into_view_if_needed()
    x_before, successor_x_before = bar_x(page, task.pk), bar_x(page, successor.pk)

    # and drags the task's bar four days to the right
    box = bar.bounding_box()
    assert box is not None
    x, y = box["x"] + min(box["width"] / 2, 40), box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 9):
        page.mouse.move(x + step * DAYS * 45 / 8, y)
    page.mouse.up()

    # then the server schedules the move and the chart shows its dates: the successor moved too
    message = page.get_by_test_id("gantt-message")
    expect(message).to_have_class("alert alert-success m-2")
    expect(
        page.locator(f'#gantt-chart .bar-wrapper.epm-moved[data-id="{successor.pk}"]')
    ).to_have_count(1)
    assert bar_x(page, task.pk) > x_before
    assert bar_x(page, successor.pk) > successor_x_before

    # and in the stored dates: the task starts no earlier than the day it was dropped on
    task.refresh_from_db()
    successor.refresh_from_db()
    assert task.constraint_type == ConstraintType.SNET
    assert task.start_on > start_before
    assert successor.start_on > successor_before

    # and the network diagram shows the same dates
    page.get_by_test_id("schedule-nav-network").click()
    node = page.locator(f'[data-testid=network-node][data-id="{successor.pk}"]')
    expect(node).to_contain_text(successor.start_on.isoformat())


@pytest.mark.django_db(transaction=True)
def test_a_reader_sees_the_chart_without_drag_handles(live_server, page, reference_data):
    # given a tester on the demo PM's project
    demo = load_demo()
    project = Project.objects.get(pm__username=demo.demo_pm_username, status=Status.EXECUTING)
    reader = project.memberships.filter(role=ProjectRole.TESTER).select_related("user").first()
    assert reader is not None
    link = a_link_to_drag(project)
    task = link.predecessor
    start_before = task.start_on

    # when they open the Gantt chart
    sign_in(page, live_server.url, reader.user.username)
    open_gantt(page, live_server.url, project)

    # then they see the bars but no handles and no hint, and a drag moves nothing
    expect(page.locator("#gantt-chart .bar-wrapper").first).to_be_visible()
    expect(page.locator("#gantt-chart .handle")).to_have_count(0)
    expect(page.get_by_test_id("gantt-hint")).to_have_count(0)
    bar = page.locator(f'#gantt-chart .bar-wrapper[data-id="{task.pk}"] .bar')
    bar.scroll_into_view_if_needed()
    x_before = bar_x(page, task.pk)
    box = bar.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 10, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 10 + DAYS * 45, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()
    assert bar_x(page, task.pk) == x_before
    expect(page.get_by_test_id("gantt-message")).to_be_hidden()
    task.refresh_from_db()
    assert task.start_on == start_before and task.constraint_type == ConstraintType.ASAP
