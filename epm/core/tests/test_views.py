"""Sign-in, language, home, people and department pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from epm.core.models import User


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
class TestLogin:
    def test_sign_in_and_out(self, company):
        client = Client()
        response = client.post(
            reverse("core:login"), {"username": "pm", "password": "pw-for-tests-1"}
        )
        assert response.status_code == 302
        assert client.get(reverse("core:home")).status_code == 200
        client.post(reverse("core:logout"))
        assert client.get(reverse("core:home")).status_code == 302

    def test_wrong_password_then_throttled(self, company, settings):
        settings.EPM_LOGIN_MAX_FAILURES = 3
        client = Client()
        for _ in range(3):
            response = client.post(reverse("core:login"), {"username": "pm", "password": "wrong"})
            assert response.status_code == 400
        # even the right password is refused while locked
        response = client.post(
            reverse("core:login"), {"username": "pm", "password": "pw-for-tests-1"}
        )
        assert response.status_code == 400
        assert "_auth_user_id" not in client.session

    def test_open_redirect_is_refused(self, company):
        response = Client().post(
            reverse("core:login") + "?next=https://evil.example/",
            {"username": "pm", "password": "pw-for-tests-1"},
        )
        assert response["Location"] == "/"

    def test_login_page_is_chinese_by_default(self, db):
        assert "登录" in Client().get(reverse("core:login")).content.decode()


@pytest.mark.django_db
class TestLanguage:
    def test_switch_to_english_sticks_on_the_profile(self, company):
        client = client_for(company.pm)
        response = client.post(
            reverse("core:set_language"), {"language": "en", "next": "/projects/"}
        )
        assert response.status_code == 302 and response["Location"] == "/projects/"
        assert User.objects.get(pk=company.pm.pk).language == "en"
        fresh = client_for(User.objects.get(pk=company.pm.pk))  # a new session, no cookie
        assert "Projects" in fresh.get(reverse("projects:list")).content.decode()

    def test_unknown_language_is_refused(self, company):
        client_for(company.pm).post(reverse("core:set_language"), {"language": "xx"})
        assert User.objects.get(pk=company.pm.pk).language == "zh-hans"


@pytest.mark.django_db
class TestPages:
    def test_home_shows_projects_inbox_and_due_items(self, company, project):
        html = client_for(company.pm).get(reverse("core:home")).content.decode()
        assert project.name in html
        assert 'data-testid="items-due"' in html

    def test_people_and_departments(self, company, project):
        client = client_for(company.stranger)
        assert "王经理" in client.get(reverse("core:users")).content.decode()
        page = client.get(reverse("core:user", args=[company.pm.pk])).content.decode()
        assert project.name not in page  # the stranger cannot see the PM's project
        assert "软件开发部" in client.get(reverse("core:departments")).content.decode()
        assert client.get(reverse("core:department", args=[company.tech.pk])).status_code == 200
        assert client.get(reverse("core:department", args=[999999])).status_code == 404
        assert client.get(reverse("core:user", args=[999999])).status_code == 404

    def test_notifications_mark_read(self, company):
        from epm.core.notifications import notify, unread_count

        notify(recipients=[company.pm], kind="t", title="请审批", dedupe_key="x")
        client = client_for(company.pm)
        assert "请审批" in client.get(reverse("core:notifications")).content.decode()
        client.post(reverse("core:notifications_read"))
        assert unread_count(company.pm) == 0

    def test_token_page_shows_secret_once(self, company):
        client = client_for(company.pm)
        response = client.post(reverse("core:tokens"), {"name": "导出脚本"})
        secret = response.context["secret"]
        assert secret and secret in response.content.decode()
        assert secret not in client.get(reverse("core:tokens")).content.decode()


def test_money_filter_groups_thousands_and_keeps_cents():
    from decimal import Decimal

    from epm.core.templatetags.epm import money

    assert money(Decimal("2180000.5")) == "¥2,180,000.50"
    assert money(None) == "—"
