"""The demo PM signs in, opens a project, reads Chinese, switches to English, submits it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from epm.core.demo import DEMO_PASSWORD, load_demo
from epm.projects.models import Project, Status


@pytest.mark.django_db(transaction=True)
def test_demo_pm_signs_in_switches_language_and_submits_a_project(
    live_server, page, reference_data
):
    # given the demo company and its PM's draft project
    demo = load_demo()
    draft = Project.objects.get(pm__username=demo.demo_pm_username, status=Status.DRAFT)

    # when the PM signs in
    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("登录名").fill(demo.demo_pm_username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()

    # then the home page greets them in Chinese and lists their projects
    expect(page.get_by_text("我的项目")).to_be_visible()
    expect(page.get_by_role("link", name=draft.name).first).to_be_visible()

    # when they open the draft project
    page.get_by_role("link", name="项目", exact=True).click()
    page.get_by_test_id("project-table").get_by_role("link", name=draft.name).click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(draft.name)))).to_be_visible()
    expect(page.get_by_test_id("status-badge").first).to_have_text("草稿")
    expect(page.get_by_test_id("transition-submit")).to_have_text("提交立项评审")

    # when they switch to English
    page.get_by_test_id("language-en").click()

    # then the same page speaks English, and keeps doing so
    expect(page.get_by_test_id("status-badge").first).to_have_text("Draft")
    page.reload()
    expect(page.get_by_test_id("transition-submit")).to_have_text("Submit for initiation review")

    # when they submit the project for initiation review
    page.get_by_test_id("transition-submit").click()

    # then the project is under review, in the page, the history and the database
    expect(page.get_by_test_id("status-badge").first).to_have_text("Initiation review")
    expect(page.get_by_test_id("history")).to_contain_text("Submit for initiation review")
    assert Project.objects.get(pk=draft.pk).status == Status.INITIATION_REVIEW


@pytest.mark.django_db(transaction=True)
def test_stranger_sees_404_for_a_project_page(live_server, page, django_user_model, reference_data):
    demo = load_demo()
    project = (
        Project.objects.exclude(pm__username=demo.demo_pm_username)
        .filter(parent__isnull=True)
        .first()
    )
    outsider = next(
        u
        for u in django_user_model.objects.filter(
            role_assignments__isnull=True, headed_departments__isnull=True
        )
        if not Project.objects.filter(pk=project.pk).filter(pm=u).exists()
        and not project.memberships.filter(user=u).exists()
        and u.pk not in {project.assistant_id, project.account_manager_id}
    )
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("登录名").fill(outsider.username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_text("我的项目")).to_be_visible()
    response = page.goto(f"{live_server.url}/projects/{project.pk}/")
    assert response.status == 404
    expect(page.get_by_text(project.name)).to_have_count(0)
