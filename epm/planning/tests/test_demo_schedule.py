"""The demo company's schedules: every project that went through planning has a WBS."""

from __future__ import annotations

import pytest

from epm.core.demo import load_demo
from epm.core.models import CalendarYear, Notification
from epm.planning.models import Assignment, Baseline, Dependency, TaskKind, WbsTask
from epm.planning.selectors_baseline import slipped_milestones
from epm.planning.selectors_gantt import gantt_chart, network_diagram
from epm.projects.models import Project, Status

PHASES = ["需求调研", "系统设计", "开发实施", "测试", "上线试运行"]


@pytest.mark.django_db
def test_demo_projects_in_execution_have_a_realistic_schedule(
    django_capture_on_commit_callbacks,
):
    # given the demo company (notifications go out when its transactions commit)
    with django_capture_on_commit_callbacks(execute=True):
        demo = load_demo()
    # then the 2027 working year the schedules reach is published for the default calendar
    assert CalendarYear.objects.filter(year=2027, calendar__code="default").exists()
    assert not WbsTask.objects.filter(project__status=Status.DRAFT).exists()
    for project in Project.objects.filter(status=Status.EXECUTING):
        tasks = list(WbsTask.objects.filter(project=project).order_by("row"))
        # five phases as summaries, each with tasks and a milestone carrying work products
        summaries = [t.name for t in tasks if t.kind == TaskKind.SUMMARY]
        assert summaries == PHASES, project
        milestones = [t for t in tasks if t.kind == TaskKind.MILESTONE]
        assert len(milestones) >= 5 and all(m.work_product_list for m in milestones)
        # finish-to-start links and overlapping ones with lags
        links = Dependency.objects.filter(project=project)
        assert {"FS", "SS", "FF"} <= set(links.values_list("kind", flat=True))
        assert links.exclude(lag_days=0).count() >= 2
        # the team is on the tasks, the dates fit the planned window, the plan's approval
        # saved them as baseline 1
        people = set(
            Assignment.objects.filter(task__project=project).values_list("user_id", flat=True)
        )
        team = set(project.memberships.values_list("user_id", flat=True)) | {project.pm_id}
        assert len(people) >= 2 and people <= team
        assert all(t.start_on and t.finish_on for t in tasks)
        assert max(t.finish_on for t in tasks) <= project.planned_finish
        assert Baseline.objects.filter(project=project, number=1, is_current=True).exists()
    # and the demo PM's project reads as a chart and a network with a critical path
    project = Project.objects.get(pm__username=demo.demo_pm_username, status=Status.EXECUTING)
    chart = gantt_chart(project.pm, project)
    assert chart.editable and chart.baseline == 1
    assert all(row.baseline_start for row in chart.rows)
    network = network_diagram(project.pm, project)
    assert any(link.critical for link in network.links) and network.layers >= 10
    # progress is recorded up to today, and the demo PM's project runs late: its milestones
    # are flagged against the baseline and he was told (R19)
    assert WbsTask.objects.filter(project=project, actual_finish_on__isnull=False).exists()
    slipped = slipped_milestones(project)
    assert slipped and all(row.finish_variance == 8 for row in slipped)
    assert Notification.objects.filter(
        recipient=project.pm, kind="planning.milestone_slip"
    ).count() == len(slipped)
    others = Project.objects.filter(status=Status.EXECUTING).exclude(pk=project.pk)
    assert others and not any(slipped_milestones(p) for p in others)
