"""Pages: the Gantt chart and the network diagram of a project's schedule (R17)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from epm.projects.rules import access_project

from .. import schedule_pages
from ..selectors_gantt import Network, NetworkLink, NetworkNode, gantt_chart, network_diagram

# The network diagram is drawn on the server as one SVG: boxes in columns, curved arrows. The
# template (planning/network.html) draws each box at BOX_WIDTH × BOX_HEIGHT.
BOX_WIDTH = 216
BOX_HEIGHT = 84
GAP_X = 64
GAP_Y = 22
MARGIN = 24


@dataclass(frozen=True, slots=True)
class Box:
    node: NetworkNode
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class Arrow:
    link: NetworkLink
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True, slots=True)
class Drawing:
    width: int
    height: int
    boxes: list[Box]
    arrows: list[Arrow]


def draw_network(network: Network) -> Drawing:
    """Boxes in columns and curved arrows from a predecessor's right side to its successor's
    left side; critical arrows are drawn last so they stay on top."""
    place: dict[int, tuple[int, int]] = {}
    boxes = []
    tallest = 0
    for number, column in enumerate(network.columns):
        x = MARGIN + number * (BOX_WIDTH + GAP_X)
        for position, node in enumerate(column):
            y = MARGIN + position * (BOX_HEIGHT + GAP_Y)
            place[node.id] = (x, y)
            boxes.append(Box(node, x, y))
        tallest = max(tallest, len(column))
    arrows = []
    for link in sorted(network.links, key=lambda link: link.critical):
        x1, y1 = place[link.predecessor]
        x2, y2 = place[link.successor]
        x1, y1 = x1 + BOX_WIDTH, y1 + BOX_HEIGHT // 2
        x2, y2 = x2 - 2, y2 + BOX_HEIGHT // 2
        bend = max((x2 - x1) / 2, 24)
        path = f"M{x1},{y1} C{x1 + bend:.0f},{y1} {x2 - bend:.0f},{y2} {x2},{y2}"
        arrows.append(Arrow(link, path, (x1 + x2) / 2, (y1 + y2) / 2 - 4))
    width = MARGIN * 2 + max(len(network.columns), 1) * (BOX_WIDTH + GAP_X) - GAP_X
    height = MARGIN * 2 + max(tallest, 1) * (BOX_HEIGHT + GAP_Y) - GAP_Y
    return Drawing(width=width, height=height, boxes=boxes, arrows=arrows)


def _texts() -> dict[str, str]:
    """What the chart's script writes, translated here (the script has no catalogue)."""
    return {
        "saving": _("Saving…"),
        "saved": _("Saved. The tasks whose dates changed are highlighted."),
        "unchanged": _("Saved. No dates changed."),
        "failed": _("The change was not saved."),
        "start": _("Start"),
        "finish": _("Finish"),
        "duration": _("Duration"),
        "days": _("working days"),
        "total_float": _("Total float"),
        "critical": _("On the critical path"),
        "baseline": _("Baseline"),
        "progress": _("Percent complete"),
        "work_products": _("Work products"),
        "task": _("Task"),
    }


@login_required
def gantt(request, project_id: int):
    project = access_project(request.user, project_id)
    chart = gantt_chart(request.user, project)
    urls = {
        "chart": reverse("api:planning_gantt", kwargs={"project_id": project.pk}),
        "drag": reverse("api:planning_gantt_drag", kwargs={"project_id": project.pk}),
    }
    return render(
        request,
        "planning/gantt.html",
        {
            "project": project,
            "chart": chart,
            "chart_data": {**chart.as_json(), "urls": urls, "text": _texts()},
            "schedule_pages": schedule_pages.context(project),
        },
    )


@login_required
def network(request, project_id: int):
    project = access_project(request.user, project_id)
    diagram = network_diagram(request.user, project)
    return render(
        request,
        "planning/network.html",
        {
            "project": project,
            "network": diagram,
            "drawing": draw_network(diagram),
            "schedule_pages": schedule_pages.context(project),
        },
    )


urlpatterns = [
    path("<int:project_id>/schedule/gantt/", gantt, name="gantt"),
    path("<int:project_id>/schedule/network/", network, name="network"),
]
