"""The baselines page and API: who sees what, the PMO's buttons, 403 and 404, the slip banner."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from epm.planning.models import Baseline, WbsTask
from epm.planning.services import wbs
from epm.planning.services.scheduler import schedule_of
from epm.projects.services import project_member_add
from epm.testing import api_client, assert_error, send

from .test_baselines import build_wbs

BASE = "/api/v1/planning/projects"


@pytest.fixture
def planning(make_project, walk):
    project = walk(make_project(), "submit", "start_planning")
    schedule = schedule_of(project)
    schedule.start_on = dt.date(2026, 4, 1)
    schedule.save()
    return project


@pytest.fixture
def executing(planning, company, walk):
    build_wbs(planning, company.pm)
    return walk(planning, "start_execution")


@pytest.fixture
def slipped(executing, company):
    """上线 two working days later than baseline 1, over a threshold of 1 (see test_baselines)."""
    wbs.schedule_update(actor=company.pm, project=executing, slip_threshold_days=1)
    wbs.task_update(actor=company.pm, task=WbsTask.objects.get(name="设计"), duration_days=5)
    return executing


@pytest.fixture
def reader(company, executing):
    project_member_add(actor=company.pm, project=executing, user=company.member, role="tester")
    return company.member


def url(name, project, *args):
    return reverse(f"planning:{name}", args=[project.pk, *args])


@pytest.mark.django_db
class TestPage:
    def test_the_pm_reads_variance_and_the_slip_banner(
        self, client, company, slipped, django_assert_max_num_queries
    ):
        client.force_login(company.pm)
        with django_assert_max_num_queries(18):
            response = client.get(url("baselines", slipped))
        assert response.status_code == 200
        page = response.content.decode()
        assert 'data-testid="schedule-nav-baselines"' in page
        assert 'data-testid="baseline-list"' in page and 'data-number="1"' in page
        assert "里程碑“上线”比基线晚 2 个工作日（阈值 1）" in page
        assert "需提交进度变更申请（R19）" in page
        assert "OpenEPM 尚未提供进度变更申请单" in page
        assert page.count('data-testid="slipped"') == 1
        assert 'data-testid="baseline-save-form"' not in page

    def test_the_pmo_saves_a_baseline_and_switches_back(self, client, company, slipped):
        client.force_login(company.pmo)
        page = client.get(url("baselines", slipped)).content.decode()
        assert 'data-testid="baseline-save-form"' in page
        response = client.post(url("baseline_save", slipped), {"note": "客户同意延期"})
        assert response.status_code == 302
        second = Baseline.objects.get(project=slipped, number=2)
        assert second.is_current and second.note == "客户同意延期"
        page = client.get(url("baselines", slipped)).content.decode()
        assert 'data-testid="slip-banner"' not in page
        assert page.count('data-testid="baseline-make-current"') == 1
        client.post(url("baseline_current", slipped, 1))
        assert Baseline.objects.get(project=slipped, is_current=True).number == 1

    def test_a_refusal_is_a_message(self, client, company, planning):
        client.force_login(company.pmo)
        response = client.post(url("baseline_save", planning), follow=True)
        assert "进度计划中还没有任务" in response.content.decode()
        assert not Baseline.objects.filter(project=planning).exists()

    def test_readers_see_no_buttons_and_may_not_post(self, client, company, executing, reader):
        client.force_login(reader)
        page = client.get(url("baselines", executing)).content.decode()
        assert 'data-testid="variance-table"' in page
        assert "baseline-save-form" not in page and "baseline-make-current" not in page
        assert client.post(url("baseline_save", executing)).status_code == 403
        client.force_login(company.pm)
        assert client.post(url("baseline_save", executing)).status_code == 403
        assert Baseline.objects.filter(project=executing).count() == 1

    def test_strangers_get_404(self, client, company, executing):
        client.force_login(company.stranger)
        assert client.get(url("baselines", executing)).status_code == 404
        assert client.post(url("baseline_save", executing)).status_code == 404
        assert client.post(url("baseline_current", executing, 1)).status_code == 404
        client.force_login(company.pmo)
        assert client.post(url("baseline_current", executing, 9)).status_code == 404


@pytest.mark.django_db
class TestApi:
    def test_list_save_and_switch(self, company, executing):
        pmo = api_client(company.pmo)
        body = send(pmo, "get", f"{BASE}/{executing.pk}/baselines").json()
        assert [(b["number"], b["source"], b["is_current"]) for b in body] == [(1, "plan", True)]
        response = send(pmo, "post", f"{BASE}/{executing.pk}/baselines", {"note": "重排"})
        assert response.status_code == 201, response.content
        assert response.json()["number"] == 2 and response.json()["created_by"] == "pmo"
        response = send(pmo, "post", f"{BASE}/{executing.pk}/baselines/1/current")
        assert response.status_code == 200 and response.json()["is_current"]
        current = [b["number"] for b in send(pmo, "get", f"{BASE}/{executing.pk}/baselines").json()
                   if b["is_current"]]  # fmt: skip
        assert current == [1]

    def test_variance(self, company, slipped, django_assert_max_num_queries):
        client = api_client(company.pm)
        with django_assert_max_num_queries(12):
            response = send(client, "get", f"{BASE}/{slipped.pk}/variance")
        assert response.status_code == 200
        body = response.json()
        assert body["baseline"]["number"] == 1 and body["slip_threshold_days"] == 1
        assert body["finish_variance"] == 2
        rows = {r["name"]: r for r in body["rows"]}
        assert rows["设计"]["finish_variance"] == 2 and rows["设计"]["start_variance"] == 0
        assert [(r["name"], r["finish_variance"]) for r in body["slipped_milestones"]] == [
            ("上线", 2)
        ]

    def test_refusals(self, company, executing):
        pm = api_client(company.pm)
        assert_error(send(pm, "post", f"{BASE}/{executing.pk}/baselines"), 403)
        assert_error(send(pm, "post", f"{BASE}/{executing.pk}/baselines/1/current"), 403)
        pmo = api_client(company.pmo)
        assert_error(
            send(pmo, "post", f"{BASE}/{executing.pk}/baselines", {"note": "x" * 501}), 422
        )
        assert_error(send(pmo, "post", f"{BASE}/{executing.pk}/baselines/7/current"), 404)
        stranger = api_client(company.stranger)
        for method, path in (
            ("get", "baselines"),
            ("post", "baselines"),
            ("post", "baselines/1/current"),
            ("get", "variance"),
        ):
            assert_error(send(stranger, method, f"{BASE}/{executing.pk}/{path}"), 404)
        assert Baseline.objects.filter(project=executing).count() == 1
