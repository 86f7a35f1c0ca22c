"""A project goes from draft to executing through its approvals, every person signing in as
themself: the PM asks, each approver finds the request in their inbox and decides on its page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from epm.approvals.models import ApprovalRequest, ApprovalTask, RequestStatus, TaskStatus
from epm.core.demo import DEMO_PASSWORD, load_demo
from epm.projects.models import Project, Status


def sign_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.get_by_label("登录名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_text("我的项目")).to_be_visible()


def decide_all(page: Page, base: str, request: ApprovalRequest) -> list[str]:
    """Every approver the engine asks signs in, opens the request from their inbox and
    approves, until the request is finished; returns who decided, in order."""
    deciders: list[str] = []
    for _ in range(20):
        request.refresh_from_db()
        if request.status != RequestStatus.PENDING:
            break
        task = (
            ApprovalTask.objects.filter(request=request, status=TaskStatus.PENDING)
            .select_related("assignee")
            .order_by("pk")
            .first()
        )
        assert task is not None, "a pending request always has someone to decide"
        username = task.assignee.username
        sign_in(page, base, username)
        page.get_by_test_id("approvals-link").click()
        inbox = page.get_by_test_id("inbox-table")
        inbox.get_by_role("link", name=request.title).click()
        expect(page.get_by_test_id("summary")).to_contain_text(request.project.name)
        decision = page.get_by_test_id(f"decision-{task.pk}")
        decision.get_by_test_id("form-approve").locator("textarea").fill(f"{username}：同意。")
        decision.get_by_test_id("approve").click()
        expect(page.get_by_role("alert").first).to_be_visible()
        task.refresh_from_db()
        assert task.status == TaskStatus.APPROVED and task.decided_by == task.assignee
        deciders.append(username)
    return deciders


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

    # then PMO review, the review board (countersign) and the president decide, in that order
    deciders = decide_all(page, base, initiation)
    assert deciders[0] == "hejing" and deciders[-1] == "zhouzhiming"
    assert set(deciders[1:-1]) == {"gaofeng", "huangzhiqiang", "wujuan", "zhangwei"}
    project.refresh_from_db()
    assert project.status == Status.APPROVED

    # when the PM starts planning, then asks to start execution (the implementation plan)
    sign_in(page, base, demo.demo_pm_username)
    page.goto(f"{base}/projects/{project.pk}/")
    page.get_by_test_id("transition-start_planning").click()
    expect(page.get_by_test_id("status-badge").first).to_have_text("规划")
    page.get_by_test_id("transition-start_execution").click()
    expect(page).to_have_url(re.compile(r"/approvals/\d+/$"))
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
