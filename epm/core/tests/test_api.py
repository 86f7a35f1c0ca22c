"""The organisation API: /me, the directory, departments, notifications and API tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from epm.core.models import ApiToken, AuditEvent, Notification, OrgRole, User
from epm.core.notifications import notify
from epm.core.services import api_token_create, user_update

API = "/api/v1"


def api_client(user) -> Client:
    _token, secret = api_token_create(user=user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def session_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send(client: Client, method: str, path: str, body=None):
    return getattr(client, method)(API + path, body or {}, content_type="application/json")


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"message", "code", "detail"}
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.mark.django_db
class TestMe:
    def test_me(self, company):
        notify(recipients=[company.pm], kind="test", title="你好", dedupe_key="k1")

        response = api_client(company.pm).get(f"{API}/me")

        assert response.status_code == 200
        body = response.json()
        assert body["id"] == company.pm.pk
        assert body["username"] == "pm"
        assert body["display_name"] == "王经理"
        assert body["department"]["code"] == "tech"
        assert body["roles"] == []
        assert body["language"] == "zh-hans"
        assert body["time_zone"] == "Asia/Shanghai"
        assert body["unread_notifications"] == 1

    def test_me_lists_org_roles(self, company):
        body = api_client(company.pmo).get(f"{API}/me").json()
        assert body["roles"] == [OrgRole.PMO_ADMIN]

    def test_set_language_and_time_zone(self, company):
        client = api_client(company.pm)

        response = send(client, "patch", "/me", {"language": "en", "time_zone": "Europe/Berlin"})

        assert response.status_code == 200, response.content
        assert (response.json()["language"], response.json()["time_zone"]) == (
            "en",
            "Europe/Berlin",
        )
        user = User.objects.get(pk=company.pm.pk)
        assert (user.language, user.time_zone) == ("en", "Europe/Berlin")
        assert AuditEvent.objects.filter(action="user.preferences", actor=user).exists()

        # sending one preference leaves the other alone
        send(client, "patch", "/me", {"time_zone": "Asia/Shanghai"})
        user.refresh_from_db()
        assert (user.language, user.time_zone) == ("en", "Asia/Shanghai")

    @pytest.mark.parametrize(
        "body, status, code",
        [
            ({"language": "fr"}, 400, "invalid_language"),
            ({"language": ""}, 400, "invalid_language"),
            ({"language": "x" * 11}, 422, "validation_error"),
            ({"time_zone": "Mars/Olympus_Mons"}, 400, "invalid_time_zone"),
            ({"time_zone": "../../etc/passwd"}, 400, "invalid_time_zone"),
            ({"time_zone": "x" * 65}, 422, "validation_error"),
            ({"language": "en", "time_zone": "Nowhere/Town"}, 400, "invalid_time_zone"),
            ({"language": ["en"]}, 422, "validation_error"),
        ],
    )
    def test_bad_preferences_change_nothing(self, company, body, status, code):
        client = api_client(company.pm)
        events = AuditEvent.objects.count()

        assert_error(send(client, "patch", "/me", body), status, code)

        user = User.objects.get(pk=company.pm.pk)
        assert (user.language, user.time_zone) == ("zh-hans", "Asia/Shanghai")
        assert AuditEvent.objects.count() == events

    def test_other_fields_cannot_be_set_through_me(self, company):
        response = send(
            api_client(company.member),
            "patch",
            "/me",
            {"username": "boss", "is_active": False, "roles": ["system_admin"], "is_superuser": 1},
        )
        assert response.status_code == 200
        user = User.objects.get(pk=company.member.pk)
        assert (user.username, user.is_active, user.is_superuser) == ("member", True, False)
        assert response.json()["roles"] == []

    def test_no_credentials_is_a_401(self, company):
        assert_error(Client().get(f"{API}/me"), 401, "not_authenticated")
        assert_error(send(Client(), "patch", "/me", {"language": "en"}), 401)


@pytest.mark.django_db
class TestUsers:
    def test_directory_lists_active_colleagues(self, company):
        user_update(actor=company.admin, user=company.stranger, is_active=False)

        response = api_client(company.member).get(f"{API}/users")

        assert response.status_code == 200
        body = response.json()
        usernames = {u["username"] for u in body["items"]}
        assert "stranger" not in usernames
        assert {"pm", "member", "head", "pmo"} <= usernames
        assert body["count"] == len(body["items"]) == 13

    @pytest.mark.parametrize(
        "params, expected",
        [
            ({"text": "王经理"}, {"pm"}),
            ({"text": "OTHERHEAD"}, {"otherhead"}),
            ({"text": "am@example"}, {"am"}),
            ({"text": "nobody-like-this"}, set()),
        ],
    )
    def test_text_filter(self, company, params, expected):
        response = api_client(company.member).get(f"{API}/users", params)
        assert {u["username"] for u in response.json()["items"]} == expected

    def test_department_filter_and_paging(self, company):
        client = api_client(company.member)

        tech = client.get(f"{API}/users", {"department": company.tech.pk}).json()
        first = client.get(f"{API}/users", {"page_size": 4}).json()
        last = client.get(f"{API}/users", {"page_size": 4, "page": 4}).json()

        assert {u["username"] for u in tech["items"]} == {"head", "pm", "member"}
        assert (first["count"], len(first["items"]), len(last["items"])) == (14, 4, 2)
        assert_error(client.get(f"{API}/users", {"page": 5, "page_size": 4}), 400, "invalid_page")

    def test_detail(self, company):
        response = api_client(company.stranger).get(f"{API}/users/{company.pm.pk}")
        assert response.status_code == 200
        body = response.json()
        assert (body["id"], body["username"], body["department"]["id"]) == (
            company.pm.pk,
            "pm",
            company.tech.pk,
        )
        assert "password" not in body

    @pytest.mark.parametrize("user_id, status", [("99999", 404), ("0", 404), ("abc", 422)])
    def test_unknown_user(self, company, user_id, status):
        response = api_client(company.pm).get(f"{API}/users/{user_id}")
        assert_error(response, status)

    @pytest.mark.parametrize(
        "params", [{"department": "x"}, {"department": 10**30}, {"text": "a\x00"}]
    )
    def test_malformed_filters_are_a_422(self, company, params):
        assert_error(api_client(company.pm).get(f"{API}/users", params), 422)


@pytest.mark.django_db
class TestDepartments:
    def test_tree_lists_parents_before_children(self, company):
        response = api_client(company.member).get(f"{API}/departments")

        assert response.status_code == 200
        rows = response.json()
        codes = [d["code"] for d in rows]
        assert codes[0] == "company" and set(codes) == {"company", "tech", "other"}
        tech = next(d for d in rows if d["code"] == "tech")
        assert tech["parent_id"] == company.root.pk
        assert tech["head"] == {"id": company.head.pk, "username": "head", "name": "head"}

    def test_detail(self, company):
        response = api_client(company.member).get(f"{API}/departments/{company.other.pk}")
        assert response.status_code == 200
        assert response.json()["head"]["id"] == company.other_head.pk

    @pytest.mark.parametrize("department_id, status", [("99999", 404), ("-1", 404), ("x", 422)])
    def test_unknown_department(self, company, department_id, status):
        response = api_client(company.member).get(f"{API}/departments/{department_id}")
        assert_error(response, status)


@pytest.mark.django_db
class TestNotifications:
    @pytest.fixture
    def inbox(self, company):
        mine = [
            notify(recipients=[company.pm], kind="test", title=f"通知{i}", dedupe_key=f"n{i}")[0]
            for i in range(3)
        ]
        theirs = notify(recipients=[company.member], kind="test", title="别人的", dedupe_key="x")
        return mine, theirs[0]

    def test_list_shows_only_my_notifications(self, company, inbox):
        mine, _theirs = inbox

        body = api_client(company.pm).get(f"{API}/notifications").json()

        assert {n["id"] for n in body["items"]} == {n.pk for n in mine}
        assert (body["count"], body["unread"]) == (3, 3)
        assert all(n["read_at"] is None for n in body["items"])

    def test_mark_some_read_then_filter_unread(self, company, inbox):
        mine, theirs = inbox
        client = api_client(company.pm)

        marked = send(client, "post", "/notifications/read", {"ids": [mine[0].pk, theirs.pk]})

        assert marked.status_code == 200 and marked.json() == {"marked": 1}
        unread = client.get(f"{API}/notifications", {"unread": "true"}).json()
        assert {n["id"] for n in unread["items"]} == {mine[1].pk, mine[2].pk}
        assert unread["unread"] == 2
        assert client.get(f"{API}/me").json()["unread_notifications"] == 2
        assert Notification.objects.get(pk=theirs.pk).read_at is None  # not mine to mark

        # without ids, everything of mine is marked read
        assert send(client, "post", "/notifications/read", {}).json() == {"marked": 2}
        assert client.get(f"{API}/notifications", {"unread": "true"}).json()["count"] == 0
        assert Notification.objects.get(pk=theirs.pk).read_at is None

    @pytest.mark.parametrize(
        "body",
        [
            {"ids": [2**63]},  # was a 500: too large for the database to compare
            {"ids": [10**30]},
            {"ids": [0]},
            {"ids": ["one"]},
            {"ids": list(range(1, 1002))},
            {"ids": 5},
        ],
    )
    def test_bad_ids_are_a_422_and_mark_nothing(self, company, inbox, body):
        response = send(api_client(company.pm), "post", "/notifications/read", body)
        assert_error(response, 422, "validation_error")
        assert not Notification.objects.filter(read_at__isnull=False).exists()


@pytest.mark.django_db
class TestTokens:
    def test_create_shows_the_secret_once(self, company):
        client = session_client(company.pm)

        created = send(client, "post", "/me/tokens", {"name": "备份脚本"})

        assert created.status_code == 201, created.content
        body = created.json()
        secret = body["token"]
        assert secret.startswith("epm_") and body["prefix"] == secret[: len(body["prefix"])]
        assert body["name"] == "备份脚本" and body["revoked_at"] is None
        # the secret works ...
        me = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(f"{API}/me")
        assert me.json()["username"] == "pm"
        # ... and is never shown or stored again
        listed = client.get(f"{API}/me/tokens")
        assert listed.status_code == 200
        assert secret not in listed.content.decode()
        assert all("token" not in t for t in listed.json())
        assert body["id"] in {t["id"] for t in listed.json()}
        assert secret not in str(ApiToken.objects.filter(pk=body["id"]).values().get())

    def test_list_shows_only_my_tokens(self, company):
        api_token_create(user=company.member, name="别人的")
        client = api_client(company.pm)
        api_token_create(user=company.pm, name="第二个")

        names = [t["name"] for t in client.get(f"{API}/me/tokens").json()]

        assert sorted(names) == ["tests", "第二个"]

    def test_create_with_an_expiry(self, company):
        expires = (timezone.now() + dt.timedelta(days=30)).replace(microsecond=0)
        response = send(
            session_client(company.pm), "post", "/me/tokens", {"name": "n", "expires_at": expires}
        )
        assert response.status_code == 201
        assert ApiToken.objects.get(pk=response.json()["id"]).expires_at == expires

    @pytest.mark.parametrize(
        "body, status, code",
        [
            ({"name": ""}, 422, "validation_error"),
            ({"name": "   "}, 400, "token_name_required"),
            ({"name": "x" * 81}, 422, "validation_error"),
            ({}, 422, "validation_error"),
            ({"name": "n", "expires_at": "2001-01-01T00:00:00Z"}, 400, "token_expired"),
            ({"name": "n", "expires_at": "soon"}, 422, "validation_error"),
            ({"name": "a\x00b"}, 422, "nul_character"),
        ],
    )
    def test_bad_input_creates_no_token(self, company, body, status, code):
        client = session_client(company.pm)
        assert_error(send(client, "post", "/me/tokens", body), status, code)
        assert not ApiToken.objects.filter(user=company.pm).exists()

    def test_a_token_cannot_mint_tokens(self, company):
        client = api_client(company.pm)
        assert_error(send(client, "post", "/me/tokens", {"name": "永久"}), 403, "token_from_token")
        assert ApiToken.objects.filter(user=company.pm).count() == 1

    def test_token_requests_speak_the_users_language(self, company):
        from epm.core.services import user_set_preferences

        user_set_preferences(user=company.pm, language="en")
        response = api_client(company.pm).get(f"{API}/users/999999")
        assert response.json()["message"] == "Not found."

    def test_revoke(self, company):
        token, secret = api_token_create(user=company.pm, name="脚本")
        client = api_client(company.pm)

        response = client.delete(f"{API}/me/tokens/{token.pk}")

        assert response.status_code == 200
        assert response.json()["revoked_at"] is not None
        assert "token" not in response.json()
        assert_error(Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(f"{API}/me"), 401)
        # revoking again changes nothing
        revoked_at = ApiToken.objects.get(pk=token.pk).revoked_at
        assert client.delete(f"{API}/me/tokens/{token.pk}").status_code == 200
        assert ApiToken.objects.get(pk=token.pk).revoked_at == revoked_at

    def test_someone_elses_token_is_a_404(self, company):
        token, secret = api_token_create(user=company.member, name="别人的")

        response = api_client(company.pm).delete(f"{API}/me/tokens/{token.pk}")

        assert_error(response, 404, "not_found")
        assert ApiToken.objects.get(pk=token.pk).revoked_at is None
        assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get(f"{API}/me").status_code == 200

    @pytest.mark.parametrize("token_id, status", [("99999", 404), ("0", 404), ("abc", 422)])
    def test_unknown_token_id(self, company, token_id, status):
        assert_error(api_client(company.pm).delete(f"{API}/me/tokens/{token_id}"), status)
