"""A project goes from draft to executing through its approvals, every person signing in as
themself: the PM asks, each approver finds the request in their inbox and decides on its page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from epm.approvals.models import ApprovalRequest, ApprovalTask, RequestStatus, TaskStatus
from epm.core.demo import load_demo
from epm.planning.plan_sections import SECTION_CODES
from epm.projects.models import Project, Status

from .helpers import decide_all, sign_in


@pytest.mark.django_db(transaction=True)
def test_draft_to_executing_entirely_through_approvals(live_server, page, reference_data):
    # given the demo company and its PM's draft project (system integration, 系统集成部)
    demo = load_demo()
    base = live_server.url
    project = Project.objects.get(pm__username=demo.demo_pm_username, status=Status.DRAFT)

    # when the PM submits it for initiation review
    sign_in(page, base, demo.demo_pm_username)
    page.goto(f"{base}/projects/{project.pk}/")
    page.get_by_test_id("transition-submit").click()
    expect(page.get_by_test_id("status-badge").first).to_have_text("立项评审")
    initiation = ApprovalRequest.objects.get(project=project, chain__code="initiation")

    # then PMO review, commerce (checks the purchase plan), the review board (countersign,
    # scores) and the president decide, in that order
    deciders = decide_all(page, base, initiation)
    assert deciders[:2] == ["hejing", "songjia"] and deciders[-1] == "zhouzhiming"
    assert sorted(deciders[2:-1]) == ["gaofeng", "huangzhiqiang", "wujuan", "zhangwei"]
    project.refresh_from_db()
    assert project.status == Status.APPROVED

    # when the PM starts planning, then asks to start execution: the project page sends them
    # to the implementation plan, where they write every section, save and submit it
    sign_in(page, base, demo.demo_pm_username)
    page.goto(f"{base}/projects/{project.pk}/")
    page.get_by_test_id("transition-start_planning").click()
    expect(page.get_by_test_id("status-badge").first).to_have_text("规划")
    page.get_by_test_id("transition-start_execution").click()
    expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/plan/$"))
    expect(page.locator("[data-testid^=plan-input-]")).to_have_count(len(SECTION_CODES))
    for code in SECTION_CODES:
        page.get_by_test_id(f"plan-input-{code}").fill(
            f"{code}：按合同约定组织实施，每周报告进展。"
        )
    page.get_by_test_id("plan-save").click()
    expect(page.get_by_test_id("plan-version")).to_have_text(re.compile("1"))
    expect(page.get_by_test_id("plan-missing")).to_have_count(0)
    page.get_by_test_id("plan-submit").click()
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "in_review")
    plan = ApprovalRequest.objects.get(project=project, chain__code="implementation_plan")
    project.refresh_from_db()
    assert project.status == Status.PLANNING  # nothing moves before the approval

    # then the five parties of the countersign each approve
    deciders = decide_all(page, base, plan)
    assert set(deciders) == {"hejing", "guojun", "caoying", "gaofeng", "songjia", "zhouzhiming"}

    # and the project is executing, as its PM sees on the project page
    sign_in(page, base, demo.demo_pm_username)
    page.goto(f"{base}/projects/{project.pk}/")
    expect(page.get_by_test_id("status-badge").first).to_have_text("实施")
    expect(page.get_by_test_id("project-approvals")).to_contain_text("已通过")
    project.refresh_from_db()
    assert project.status == Status.EXECUTING


@pytest.mark.django_db(transaction=True)
def test_someone_else_cannot_open_or_decide_a_request(live_server, page, reference_data):
    # given a request waiting for PMO staff
    load_demo()
    request = ApprovalRequest.objects.filter(status=RequestStatus.PENDING).first()
    assert request is not None
    task = ApprovalTask.objects.get(request=request, status=TaskStatus.PENDING)
    # when a developer with no part in the project opens it, then it does not exist for them
    sign_in(page, live_server.url, "machao")
    response = page.goto(f"{live_server.url}/approvals/{request.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_text(request.title)).to_have_count(0)
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING
