"""Who reviews which sections of the plan, and the big project's view of its sub-projects."""

from __future__ import annotations

import pytest

from epm.core.services import department_create, department_update
from epm.planning.models import PlanStatus
from epm.planning.plan_sections import SECTION_CODES, SECTIONS, reviewer_roles, sections_for
from epm.planning.selectors_plan import subprojects_overview
from epm.planning.services.plan import plan_save, plan_submit
from epm.projects.services import project_appoint_pm

from .test_plan_services import FULL


def test_every_section_names_its_department():
    assert [s.code for s in SECTIONS] == [
        "background", "scope", "quality", "schedule", "organisation", "risk", "tracking",
    ]  # fmt: skip
    assert dict((s.code, s.reviewers) for s in SECTIONS) == {
        "background": ("pmo",),
        "scope": ("technical_head", "commerce"),
        "quality": ("quality",),
        "schedule": ("pmo",),
        "organisation": ("technical_head",),
        "risk": ("quality",),
        "tracking": ("pmo",),
    }


@pytest.mark.django_db
class TestReviewerRoles:
    def test_roles_and_their_sections(self, company, project):
        expected = {
            "pmo": ({"pmo"}, ["background", "schedule", "tracking"]),
            "pmo_staff": ({"pmo"}, ["background", "schedule", "tracking"]),
            "quality": ({"quality"}, ["quality", "risk"]),
            "commerce": ({"commerce"}, ["scope"]),
            "head": ({"technical_head"}, ["scope", "organisation"]),
            "president": ({"president", "technical_head"}, list(SECTION_CODES)),
            "other_head": (set(), []),
            "pm": (set(), []),
            "stranger": (set(), []),
        }
        for who, (roles, sections) in expected.items():
            user = getattr(company, who)
            assert reviewer_roles(user, project) == roles, who
            assert sections_for(user, project) == sections, who

    def test_head_of_a_department_above_reviews_too(self, company, make_project):
        team = department_create(actor=company.admin, code="team", name="一组", parent=company.tech)
        department_update(actor=company.admin, department=team, head=company.member)
        project = make_project(department=team)
        assert "technical_head" in reviewer_roles(company.head, project)
        assert "technical_head" in reviewer_roles(company.member, project)
        assert "technical_head" not in reviewer_roles(company.other_head, project)

    def test_big_project_manager_reviews_the_whole_sub_project_plan(
        self, company, make_project, approve_all
    ):
        big = make_project(name="智慧校园", is_big_project=True, appoint=False)
        project_appoint_pm(actor=company.pmo, project=big, pm=company.member)
        approve_all(big)
        child = make_project(name="一卡通", parent=big)
        assert reviewer_roles(company.member, child) == {"big_project_manager"}
        assert sections_for(company.member, child) == list(SECTION_CODES)


@pytest.mark.django_db
def test_subprojects_overview(company, make_project, approve_all, walk):
    big = make_project(name="智慧校园", is_big_project=True, appoint=False)
    project_appoint_pm(actor=company.pmo, project=big, pm=company.member)
    approve_all(big)
    first = walk(make_project(name="一卡通", parent=big), "submit", "start_planning")
    second = make_project(name="安防", parent=big)
    plan_save(actor=company.pm, project=first, sections=FULL)
    plan_submit(actor=company.pm, project=first)
    rows = subprojects_overview(company.member, big)
    by_id = {r.project.pk: r for r in rows}
    assert set(by_id) == {first.pk, second.pk}
    assert by_id[first.pk].plan_status == PlanStatus.IN_REVIEW
    assert by_id[second.pk].plan_status == PlanStatus.DRAFT
    assert by_id[first.pk].project.pm == company.pm
    assert subprojects_overview(company.stranger, big) == []


@pytest.mark.django_db
def test_subprojects_overview_reads_in_fixed_queries(
    company, make_project, approve_all, django_assert_max_num_queries
):
    big = make_project(name="智慧校园", is_big_project=True, appoint=False)
    project_appoint_pm(actor=company.pmo, project=big, pm=company.member)
    approve_all(big)
    for name in ("一卡通", "安防", "门禁", "停车"):
        make_project(name=name, parent=big)
    with django_assert_max_num_queries(8):
        rows = subprojects_overview(company.pmo, big)
        assert [str(r.project.pm) for r in rows] == ["王经理"] * 4
        assert all(r.next_milestone is None or r.next_milestone.name for r in rows)


@pytest.mark.django_db
def test_the_big_project_page_shows_its_sub_projects_plans(
    company, make_project, approve_all, walk, client
):
    big = make_project(name="智慧校园", is_big_project=True, appoint=False)
    project_appoint_pm(actor=company.pmo, project=big, pm=company.member)
    approve_all(big)
    child = walk(make_project(name="一卡通", parent=big), "submit", "start_planning")
    plan_save(actor=company.pm, project=child, sections=FULL)
    plan_submit(actor=company.pm, project=child)
    client.force_login(company.member)

    page = client.get(f"/projects/{big.pk}/").content.decode()

    assert 'data-testid="subprojects"' in page
    assert f'data-testid="subproject-{child.pk}"' in page and "一卡通" in page
    assert f"/projects/{child.pk}/plan/" in page
    # a project that is not a big one has no such card
    page = client.get(f"/projects/{child.pk}/").content.decode()
    assert 'data-testid="subprojects"' not in page
