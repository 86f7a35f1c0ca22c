"""The demo company's kickoff meetings (启动会), written through the services like a PM would."""

from __future__ import annotations

import datetime as dt

from epm.core.models import User
from epm.projects.models import Project

from .models import ActionItem, MeetingKind
from .services import action_item_complete, company_today, meeting_create, meeting_publish

AGENDA = "1. 项目背景与合同范围\n2. 项目组织与分工\n3. 实施计划与里程碑\n4. 风险与沟通机制"
DECISIONS = "实施计划按评审通过的版本执行；每周五提交项目周报；双周召开项目例会。"
MINUTES = (
    "项目经理介绍了合同范围、实施计划与里程碑，各成员确认了分工。"
    "会议明确了周报与例会制度，并对需求调研的安排达成一致。"
)


def write_kickoff(project: Project, actor: User) -> None:
    """The internal kickoff, held when execution starts, with its minutes published and an
    action item for each member; items long past due are already done."""
    today = company_today()
    held_on = min(project.planned_start or today, today)
    members = [m.user for m in project.memberships.select_related("user") if m.user_id != actor.pk]
    items = [
        {
            "title": title,
            "owner_id": member.pk,
            "due_on": held_on + dt.timedelta(days=days),
        }
        for member, (title, days) in zip(
            members,
            [("完成需求调研计划", 5), ("准备开发与测试环境", 10), ("梳理客户接口清单", 7)],
            strict=False,
        )
    ]
    meeting = meeting_create(
        actor=actor,
        project=project,
        kind=MeetingKind.KICKOFF_INTERNAL,
        title=f"{project.short_name or project.name}内部启动会",
        held_on=held_on,
        location="公司3楼会议室",
        attendee_ids=[actor.pk, *(m.pk for m in members)],
        agenda=AGENDA,
        decisions=DECISIONS,
        minutes=MINUTES,
        action_items=items,
    )
    meeting_publish(actor=actor, meeting=meeting)
    for item in ActionItem.objects.filter(meeting=meeting).select_related("owner"):
        if item.due_on < today - dt.timedelta(days=30):
            action_item_complete(actor=item.owner, item=item, note="已完成。")
