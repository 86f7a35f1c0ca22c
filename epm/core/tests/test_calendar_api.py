"""API: organisation administration (users, roles, departments) and the working calendar."""

from __future__ import annotations

import pytest
from django.test import Client

from epm.core import services
from epm.core.models import AuditEvent, Department, User
from epm.core.models.calendars import CalendarException, CalendarYear

API = "/api/v1"
STRONG = "Lantern-river-2026"


def api_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, path, body):
    return client.post(API + path, body, content_type="application/json")


def patch(client, path, body):
    return client.patch(API + path, body, content_type="application/json")


def put(client, path, body):
    return client.put(API + path, body, content_type="application/json")


# --- people ------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestUsersApi:
    def test_create_user(self, company):
        # when
        response = post(
            api_client(company.pmo),
            "/users",
            {
                "username": "lisi",
                "password": STRONG,
                "display_name": "李四",
                "email": "lisi@example.com",
                "employee_no": "E2001",
                "department": company.tech.pk,
                "roles": ["finance"],
            },
        )
        # then
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["username"] == "lisi" and body["roles"] == ["finance"]
        assert body["department"]["code"] == "tech"
        person = User.objects.get(pk=body["id"])
        assert person.check_password(STRONG)
        assert AuditEvent.objects.filter(action="user.create", actor=company.pmo).exists()

    def test_create_user_with_a_token(self, company):
        _token, secret = services.api_token_create(user=company.admin, name="sync")
        response = Client().post(
            API + "/users",
            {"username": "sync1"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert response.status_code == 201
        assert not User.objects.get(username="sync1").has_usable_password()

    @pytest.mark.parametrize("who", ["pm", "pmo_staff", "stranger"])
    def test_non_admins_get_403(self, company, who):
        client = api_client(getattr(company, who))
        events = AuditEvent.objects.count()
        responses = [
            post(client, "/users", {"username": "nope"}),
            patch(client, f"/users/{company.pm.pk}", {"display_name": "x"}),
            put(client, f"/users/{company.pm.pk}/roles", {"roles": ["president"]}),
        ]
        assert [r.status_code for r in responses] == [403, 403, 403]
        assert responses[0].json()["code"] == "permission_denied"
        assert not User.objects.filter(username="nope").exists()
        assert AuditEvent.objects.count() == events

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            ({"username": "PM"}, 400, "username_taken"),
            ({"username": "x1", "roles": ["king"]}, 400, "invalid_role"),
            ({"username": "x2", "password": "123"}, 400, "weak_password"),
            ({"username": "x3", "language": "fr"}, 400, "invalid_language"),
            ({"username": "x4", "department": 999999}, 400, "invalid_department"),
            ({"username": "x5", "email": "not-an-email"}, 422, "validation_error"),
            ({"username": "has space"}, 422, "validation_error"),
        ],
    )
    def test_bad_input_changes_nothing(self, company, body, status, code):
        users, events = User.objects.count(), AuditEvent.objects.count()
        response = post(api_client(company.admin), "/users", body)
        assert response.status_code == status
        assert response.json()["code"] == code
        assert User.objects.count() == users and AuditEvent.objects.count() == events

    def test_update_user_changes_only_what_is_sent(self, company):
        # when
        response = patch(
            api_client(company.admin),
            f"/users/{company.pm.pk}",
            {"phone": "010-88886666", "department": None},
        )
        # then
        assert response.status_code == 200
        assert response.json()["department"] is None
        pm = User.objects.get(pk=company.pm.pk)
        assert (pm.phone, pm.department, pm.display_name) == ("010-88886666", None, "王经理")
        event = AuditEvent.objects.get(action="user.update", target_id=str(pm.pk))
        assert set(event.changes) == {"phone", "department"}

    def test_update_user_refusals(self, company):
        client = api_client(company.admin)
        services.user_update(actor=company.admin, user=company.head, employee_no="E1")
        taken = patch(client, f"/users/{company.pm.pk}", {"employee_no": "E1"})
        assert (taken.status_code, taken.json()["code"]) == (400, "employee_no_taken")
        myself = patch(client, f"/users/{company.admin.pk}", {"is_active": False})
        assert (myself.status_code, myself.json()["code"]) == (400, "self_deactivate")
        assert patch(client, "/users/999999", {"phone": "1"}).status_code == 404
        assert patch(client, f"/users/{company.pm.pk}", {"is_active": None}).status_code == 422
        assert User.objects.get(pk=company.pm.pk).employee_no is None

    def test_set_roles(self, company):
        client = api_client(company.pmo)
        response = put(client, f"/users/{company.pm.pk}/roles", {"roles": ["quality", "finance"]})
        assert response.status_code == 200
        assert response.json()["roles"] == ["finance", "quality"]
        event = AuditEvent.objects.get(action="user.roles")
        assert event.changes == {"roles": [[], ["finance", "quality"]]}
        bad = put(client, f"/users/{company.pm.pk}/roles", {"roles": ["king"]})
        assert (bad.status_code, bad.json()["code"]) == (400, "invalid_role")
        assert User.objects.get(pk=company.pm.pk).org_roles() == {"finance", "quality"}


# --- departments -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestDepartmentsApi:
    def test_create_and_update(self, company):
        client = api_client(company.admin)
        created = post(
            client,
            "/departments",
            {"code": "qa", "name": "质量部", "parent": company.root.pk, "head": company.member.pk},
        )
        assert created.status_code == 201
        body = created.json()
        assert body["parent_id"] == company.root.pk and body["head"]["username"] == "member"
        updated = patch(client, f"/departments/{body['id']}", {"name": "质量管理部", "head": None})
        assert updated.status_code == 200
        assert updated.json()["head"] is None and updated.json()["name"] == "质量管理部"
        actions = set(
            AuditEvent.objects.filter(actor=company.admin).values_list("action", flat=True)
        )
        assert {"department.create", "department.update"} <= actions

    def test_refusals_change_nothing(self, company):
        client = api_client(company.admin)
        cycle = patch(client, f"/departments/{company.root.pk}", {"parent": company.tech.pk})
        assert (cycle.status_code, cycle.json()["code"]) == (400, "department_cycle")
        taken = post(client, "/departments", {"code": "tech", "name": "重复"})
        assert (taken.status_code, taken.json()["code"]) == (400, "department_code_taken")
        unknown = post(client, "/departments", {"code": "x", "name": "X", "parent": 999999})
        assert (unknown.status_code, unknown.json()["code"]) == (400, "invalid_department")
        blank = post(client, "/departments", {"code": "y", "name": "   "})
        assert blank.status_code == 422
        assert Department.objects.get(pk=company.root.pk).parent is None
        assert Department.objects.count() == 3

    def test_non_admins_get_403(self, company):
        client = api_client(company.head)
        assert post(client, "/departments", {"code": "x", "name": "X"}).status_code == 403
        response = patch(client, f"/departments/{company.tech.pk}", {"name": "mine"})
        assert response.status_code == 403
        assert Department.objects.get(pk=company.tech.pk).name == "软件开发部"


# --- working calendar --------------------------------------------------------------------------


def days_of(response) -> dict[str, dict]:
    return {day["date"]: day for day in response.json()["days"]}


@pytest.mark.django_db
class TestCalendarApi:
    def test_national_day_2025(self, company):
        # when
        response = api_client(company.stranger).get(API + "/calendar/2025")
        # then
        assert response.status_code == 200
        body = response.json()
        assert (body["year"], body["statutory"], body["published"]) == (2025, True, False)
        days = days_of(response)
        assert len(days) == 365
        for day in range(1, 9):
            oct_day = days[f"2025-10-0{day}"]
            assert not oct_day["is_working"] and oct_day["why"] == "holiday"
        for adjusted in ("2025-09-28", "2025-10-11"):
            assert days[adjusted]["is_working"] and days[adjusted]["why"] == "adjusted"
        assert days["2025-10-12"] == {
            "date": "2025-10-12",
            "is_working": False,
            "why": "statutory",
            "name": "",
        }
        assert days["2025-10-09"]["is_working"] and days["2025-10-09"]["why"] == "statutory"

    @pytest.mark.parametrize(
        ("query", "end", "count"),
        [
            ("start=2025-09-30&days=2", "2025-10-10", 2),
            ("start=2025-09-30&days=1", "2025-10-09", 1),
            ("start=2025-09-26&days=1", "2025-09-28", 1),  # the adjusted Sunday counts
            ("start=2025-10-04&days=1", "2025-10-09", 1),  # received during the holiday
            ("start=2025-10-10&days=-2", "2025-09-30", -2),
            ("start=2025-09-30&end=2025-10-10", "2025-10-10", 2),
            ("start=2025-09-26&end=2025-10-12", "2025-10-12", 6),
            ("start=2025-10-10&end=2025-09-30", "2025-09-30", -2),
        ],
    )
    def test_working_days_across_national_day(self, company, query, end, count):
        response = api_client(company.pm).get(f"{API}/calendar/working-days?{query}")
        assert response.status_code == 200, response.json()
        assert response.json()["end"] == end and response.json()["working_days"] == count

    @pytest.mark.parametrize(
        ("query", "status", "code"),
        [
            ("start=2025-09-30", 400, "invalid_query"),
            ("start=2025-09-30&days=1&end=2025-10-10", 400, "invalid_query"),
            ("start=1899-01-01&days=1", 400, "invalid_date"),
            ("start=9999-12-31&end=9999-12-31", 400, "invalid_date"),
            ("start=2025-02-30&days=1", 422, "validation_error"),
            ("start=2025-09-30&days=99999", 422, "validation_error"),
        ],
    )
    def test_working_days_bad_queries(self, company, query, status, code):
        response = api_client(company.pm).get(f"{API}/calendar/working-days?{query}")
        assert (response.status_code, response.json()["code"]) == (status, code)

    def test_2027_is_not_covered_until_published(self, company):
        # given
        pmo = api_client(company.pmo)
        # when
        year = pmo.get(API + "/calendar/2027")
        add = pmo.get(API + "/calendar/working-days?start=2026-12-31&days=1")
        # then
        for response in (year, add):
            assert response.status_code == 400
            assert response.json()["code"] == "calendar_not_covered"
            assert response.json()["detail"] == {"year": 2027}

        # when the PMO enters New Year's Day and publishes 2027
        assert post(pmo, "/calendar/exceptions", {"date": "2027-01-01", "is_working": False})
        published = post(pmo, "/calendar/years", {"year": 2027, "note": "国办发明电"})
        # then
        assert published.status_code == 201
        assert published.json() == {"year": 2027, "note": "国办发明电"}
        add = pmo.get(API + "/calendar/working-days?start=2026-12-31&days=1")
        assert add.status_code == 200 and add.json()["end"] == "2027-01-04"
        year = pmo.get(API + "/calendar/2027")
        assert year.json()["statutory"] is False and year.json()["published"] is True
        assert days_of(year)["2027-01-01"]["why"] == "company"
        assert days_of(year)["2027-01-02"]["why"] == "statutory"

        again = post(pmo, "/calendar/years", {"year": 2027})
        assert (again.status_code, again.json()["code"]) == (400, "calendar_year_published")
        assert pmo.delete(API + "/calendar/years/2027").status_code == 204
        assert pmo.delete(API + "/calendar/years/2027").status_code == 404
        assert pmo.get(API + "/calendar/2027").status_code == 400

    def test_years_outside_the_calendar(self, company):
        response = api_client(company.pm).get(API + "/calendar/1999")
        assert (response.status_code, response.json()["code"]) == (400, "invalid_year")
        bad = post(api_client(company.pmo), "/calendar/years", {"year": 27})
        assert (bad.status_code, bad.json()["code"]) == (400, "invalid_year")

    def test_company_exception_set_and_removed(self, company):
        # given
        pmo = api_client(company.pmo)
        # when
        response = post(
            pmo, "/calendar/exceptions", {"date": "2025-10-09", "is_working": False, "note": "司庆"}
        )
        # then
        assert response.status_code == 200
        assert response.json() == {"date": "2025-10-09", "is_working": False, "note": "司庆"}
        day = days_of(pmo.get(API + "/calendar/2025"))["2025-10-09"]
        assert day == {"date": "2025-10-09", "is_working": False, "why": "company", "name": "司庆"}
        add = pmo.get(API + "/calendar/working-days?start=2025-09-30&days=2")
        assert add.json()["end"] == "2025-10-11"  # 10-09 is off now; Saturday 10-11 is worked
        assert AuditEvent.objects.filter(action="calendar.exception_set").count() == 1

        # when it is removed
        assert pmo.delete(API + "/calendar/exceptions/2025-10-09").status_code == 204
        # then
        assert not CalendarException.objects.exists()
        gone = pmo.delete(API + "/calendar/exceptions/2025-10-09")
        assert (gone.status_code, gone.json()["code"]) == (404, "calendar_exception_not_found")
        assert AuditEvent.objects.filter(action="calendar.exception_remove").count() == 1

    def test_bad_exceptions_change_nothing(self, company):
        pmo = api_client(company.pmo)
        for body in (
            {"date": "2025-10-09", "is_working": False, "note": "x" * 201},
            {"date": "1999-12-31", "is_working": False},
            {"date": "2025-13-01", "is_working": False},
            {"date": "2025-10-09"},
        ):
            response = post(pmo, "/calendar/exceptions", body)
            assert response.status_code == 422, body
        assert pmo.delete(API + "/calendar/exceptions/not-a-date").status_code == 422
        assert not CalendarException.objects.exists()

    @pytest.mark.parametrize("who", ["pm", "pmo_staff", "president"])
    def test_non_admins_cannot_change_the_calendar(self, company, who):
        client = api_client(getattr(company, who))
        responses = [
            post(client, "/calendar/exceptions", {"date": "2025-10-09", "is_working": False}),
            client.delete(API + "/calendar/exceptions/2025-10-09"),
            post(client, "/calendar/years", {"year": 2027}),
            client.delete(API + "/calendar/years/2027"),
        ]
        assert [r.status_code for r in responses] == [403, 403, 403, 403]
        assert not CalendarException.objects.exists() and not CalendarYear.objects.exists()
        # reading is for everyone
        assert client.get(API + "/calendar/2025").status_code == 200

    def test_anonymous_gets_401(self, db):
        response = Client().get(API + "/calendar/2025")
        assert response.status_code == 401

    def test_openapi_tags(self, db):
        schema = Client().get(API + "/openapi.json").json()
        assert schema["paths"]["/api/v1/calendar/{year}"]["get"]["tags"] == ["calendar"]
        assert schema["paths"]["/api/v1/users"]["post"]["tags"] == ["organisation"]
