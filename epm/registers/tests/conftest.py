"""Fixtures of the registers tests: a project with a team and meetings made by the services."""

from __future__ import annotations

import datetime as dt

import pytest

from epm.projects.services import project_member_add
from epm.registers.services import meeting_create

HELD = dt.date(2026, 3, 10)  # after the fixture contract (signed 2026-03-01), before "today"


@pytest.fixture
def team_project(company, project):
    """The fixture project with company.member on the team (so they may own action items)."""
    project_member_add(actor=company.pm, project=project, user=company.member, role="developer")
    return project


@pytest.fixture
def make_meeting(company, team_project):
    def make(*, actor=None, project=None, items=(), **fields):
        data = {
            "kind": "kickoff_internal",
            "title": "项目内部启动会",
            "held_on": HELD,
            "attendee_ids": [company.pm.pk, company.member.pk],
            "agenda": "明确项目目标、范围和节点",
            "minutes": "会议确定了里程碑和分工。",
        }
        data.update(fields)
        return meeting_create(
            actor=actor or company.pm,
            project=project or team_project,
            action_items=list(items),
            **data,
        )

    return make


@pytest.fixture
def meeting(company, make_meeting):
    """A draft internal kickoff with one action item owned by company.member."""
    return make_meeting(
        items=[{"title": "提交需求调研计划", "owner_id": company.member.pk, "due_on": HELD}]
    )
