"""Organisation administration pages: people, departments and the working calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from epm.core import services
from epm.core.models import AuditEvent, Department, OrgRole, User
from epm.core.models.calendars import CalendarException, CalendarYear

STRONG = "Lantern-river-2026"


def client_for(user, *, language: str | None = None) -> Client:
    if language:
        services.user_set_preferences(user=user, language=language)
    client = Client()
    client.force_login(user)
    return client


def form_errors(response) -> list[str]:
    return list(response.context["form"].non_field_errors())


ADMIN_PAGES = [
    ("core:user_create", lambda c: []),
    ("core:user_edit", lambda c: [c.pm.pk]),
    ("core:user_password", lambda c: [c.pm.pk]),
    ("core:department_create", lambda c: []),
    ("core:department_edit", lambda c: [c.tech.pk]),
]


@pytest.mark.django_db
class TestPermissions:
    @pytest.mark.parametrize(("name", "args"), ADMIN_PAGES)
    @pytest.mark.parametrize("who", ["pm", "stranger", "pmo_staff", "head"])
    def test_non_admins_get_403_and_nothing_changes(self, company, name, args, who):
        # given
        client = client_for(getattr(company, who))
        url = reverse(name, args=args(company))
        events = AuditEvent.objects.count()
        # when
        get, post = client.get(url), client.post(url, {"name": "x", "password": STRONG})
        # then
        assert get.status_code == 403 and post.status_code == 403
        assert AuditEvent.objects.count() == events

    @pytest.mark.parametrize(("name", "args"), ADMIN_PAGES)
    @pytest.mark.parametrize("who", ["admin", "pmo"])
    def test_org_admins_get_the_forms(self, company, name, args, who):
        response = client_for(getattr(company, who)).get(reverse(name, args=args(company)))
        assert response.status_code == 200

    def test_buttons_only_for_org_admins(self, company):
        pages = [
            (reverse("core:users"), 'data-testid="user-create"'),
            (reverse("core:user", args=[company.pm.pk]), 'data-testid="user-edit"'),
            (reverse("core:user", args=[company.pm.pk]), 'data-testid="user-password"'),
            (reverse("core:departments"), 'data-testid="department-create"'),
            (reverse("core:department", args=[company.tech.pk]), 'data-testid="department-edit"'),
        ]
        admin, pm = client_for(company.pmo), client_for(company.pm)
        for url, button in pages:
            assert button in admin.get(url).content.decode(), url
            assert button not in pm.get(url).content.decode(), url

    def test_anonymous_is_sent_to_sign_in(self, db):
        response = Client().get(reverse("core:user_create"))
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
class TestPeople:
    def test_create_person(self, company):
        # given
        client = client_for(company.admin)
        data = {
            "username": "lisi",
            "display_name": "李四",
            "employee_no": "E2001",
            "email": "lisi@example.com",
            "phone": "13800000000",
            "department": company.tech.pk,
            "roles": [OrgRole.FINANCE, OrgRole.QUALITY],
            "language": "en",
            "password": STRONG,
        }
        # when
        response = client.post(reverse("core:user_create"), data)
        # then
        person = User.objects.get(username="lisi")
        assert response.status_code == 302
        assert response["Location"] == reverse("core:user", args=[person.pk])
        assert person.department == company.tech and person.language == "en"
        assert person.org_roles() == {"finance", "quality"}
        assert person.check_password(STRONG)
        event = AuditEvent.objects.get(action="user.create", target_id=str(person.pk))
        assert event.actor == company.admin
        assert STRONG not in str(event.changes)

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"username": "PM"}, "The login name PM is taken."),
            ({"password": "12345678"}, "This password is entirely numeric."),
            ({"roles": ["king"]}, "Unknown org role: king"),
        ],
    )
    def test_bad_input_shows_the_service_message_and_changes_nothing(
        self, company, changes, message
    ):
        # given
        client = client_for(company.admin, language="en")
        data = {"username": "wangwu", "language": "zh-hans", "password": STRONG, **changes}
        users, events = User.objects.count(), AuditEvent.objects.count()
        # when
        response = client.post(reverse("core:user_create"), data)
        # then
        assert response.status_code == 400
        assert any(message in e for e in form_errors(response)), form_errors(response)
        assert message in response.content.decode()
        assert User.objects.count() == users and AuditEvent.objects.count() == events

    def test_edit_person_details_and_roles(self, company):
        # given
        client = client_for(company.pmo)
        data = {
            "display_name": "王大经理",
            "email": "wang@example.com",
            "phone": "010-1234",
            "employee_no": "E0007",
            "department": company.other.pk,
            "is_active": "on",
            "roles": [OrgRole.PMO_STAFF],
        }
        # when
        response = client.post(reverse("core:user_edit", args=[company.pm.pk]), data)
        # then
        assert response.status_code == 302
        pm = User.objects.get(pk=company.pm.pk)
        assert (pm.display_name, pm.department, pm.employee_no) == (
            "王大经理",
            company.other,
            "E0007",
        )
        assert pm.org_roles() == {"pmo_staff"}
        update = AuditEvent.objects.get(action="user.update", target_id=str(pm.pk))
        assert update.actor == company.pmo
        assert update.changes["display_name"] == ["王经理", "王大经理"]
        roles = AuditEvent.objects.get(action="user.roles", target_id=str(pm.pk))
        assert roles.changes == {"roles": [[], ["pmo_staff"]]}

    def test_edit_form_starts_from_the_person(self, company):
        response = client_for(company.admin).get(reverse("core:user_edit", args=[company.pm.pk]))
        form = response.context["form"]
        assert form["display_name"].value() == "王经理"
        assert form["department"].value() == company.tech.pk

    def test_deactivate_and_list_inactive(self, company):
        client = client_for(company.admin)
        data = {"display_name": "member", "email": "member@example.com", "roles": []}
        client.post(reverse("core:user_edit", args=[company.member.pk]), data)  # no is_active
        assert not User.objects.get(pk=company.member.pk).is_active
        assert "member@" not in client.get(reverse("core:users")).content.decode()
        listing = client.get(reverse("core:users") + "?inactive=1").content.decode()
        assert "member@example.com" in listing
        # only org admins may list former colleagues
        pm_listing = client_for(company.pm).get(reverse("core:users") + "?inactive=1")
        assert "member@example.com" not in pm_listing.content.decode()

    def test_taken_employee_number_changes_nothing(self, company):
        # given
        services.user_update(actor=company.admin, user=company.head, employee_no="E1")
        client = client_for(company.admin, language="en")
        data = {"display_name": "新名字", "employee_no": "E1", "is_active": "on", "roles": []}
        events = AuditEvent.objects.count()
        # when
        response = client.post(reverse("core:user_edit", args=[company.pm.pk]), data)
        # then
        assert response.status_code == 400
        assert form_errors(response) == ["The employee number E1 is taken."]
        assert User.objects.get(pk=company.pm.pk).display_name == "王经理"
        assert AuditEvent.objects.count() == events

    def test_details_and_roles_are_saved_together_or_not_at_all(self, company):
        # given: the admin renames themselves but also drops their own system admin role
        client = client_for(company.admin)
        data = {"display_name": "管理员", "is_active": "on", "roles": [OrgRole.FINANCE]}
        events = AuditEvent.objects.count()
        # when
        response = client.post(reverse("core:user_edit", args=[company.admin.pk]), data)
        # then: the role change is refused, and so is the rename that came with it
        assert response.status_code == 400 and form_errors(response)
        admin = User.objects.get(pk=company.admin.pk)
        assert admin.display_name == "admin" and admin.org_roles() == {"system_admin"}
        assert AuditEvent.objects.count() == events

    def test_reset_password(self, company):
        # given
        client = client_for(company.pmo)
        # when
        response = client.post(
            reverse("core:user_password", args=[company.pm.pk]), {"password": STRONG}
        )
        # then
        assert response.status_code == 302
        assert User.objects.get(pk=company.pm.pk).check_password(STRONG)
        event = AuditEvent.objects.get(action="user.password")
        assert event.actor == company.pmo and event.target_id == str(company.pm.pk)
        assert STRONG not in f"{event.changes} {event.note} {event.target_repr}"

    def test_weak_password_is_refused(self, company):
        client = client_for(company.pmo, language="en")
        response = client.post(
            reverse("core:user_password", args=[company.pm.pk]), {"password": "pm"}
        )
        assert response.status_code == 400
        assert "This password is too short" in " ".join(form_errors(response))
        assert User.objects.get(pk=company.pm.pk).check_password("pw-for-tests-1")
        assert not AuditEvent.objects.filter(action="user.password").exists()

    def test_resetting_your_own_password_keeps_you_signed_in(self, company):
        client = client_for(company.admin)
        client.post(reverse("core:user_password", args=[company.admin.pk]), {"password": STRONG})
        assert client.get(reverse("core:users")).status_code == 200

    def test_unknown_person_is_404(self, company):
        client = client_for(company.admin)
        assert client.get(reverse("core:user_edit", args=[999999])).status_code == 404
        assert client.get(reverse("core:user_password", args=[999999])).status_code == 404


@pytest.mark.django_db
class TestDepartments:
    def test_create_department(self, company):
        # given
        client = client_for(company.admin)
        data = {
            "code": "qa",
            "name": "质量部",
            "parent": company.root.pk,
            "head": company.member.pk,
            "sort_order": 5,
        }
        # when
        response = client.post(reverse("core:department_create"), data)
        # then
        qa = Department.objects.get(code="qa")
        assert response.status_code == 302
        assert response["Location"] == reverse("core:department", args=[qa.pk])
        assert (qa.parent, qa.head, qa.sort_order) == (company.root, company.member, 5)
        event = AuditEvent.objects.get(action="department.create", target_id=str(qa.pk))
        assert event.actor == company.admin

    def test_taken_code_changes_nothing(self, company):
        client = client_for(company.admin, language="en")
        data = {"code": "tech", "name": "重复", "sort_order": 0}
        count = Department.objects.count()
        response = client.post(reverse("core:department_create"), data)
        assert response.status_code == 400
        assert form_errors(response) == ["The department code tech is taken."]
        assert Department.objects.count() == count

    def test_edit_department(self, company):
        # given
        client = client_for(company.pmo)
        data = {"name": "软件研发部", "parent": company.root.pk, "head": "", "sort_order": 2}
        # when
        response = client.post(reverse("core:department_edit", args=[company.tech.pk]), data)
        # then
        assert response.status_code == 302
        tech = Department.objects.get(pk=company.tech.pk)
        assert (tech.name, tech.head, tech.sort_order) == ("软件研发部", None, 2)
        event = AuditEvent.objects.get(action="department.update", actor=company.pmo)
        assert event.changes["name"] == ["软件开发部", "软件研发部"]

    def test_cycle_changes_nothing(self, company):
        # given: the root would move under one of its own sub-departments
        client = client_for(company.admin, language="en")
        data = {"name": "公司", "parent": company.tech.pk, "sort_order": 0}
        events = AuditEvent.objects.count()
        # when
        response = client.post(reverse("core:department_edit", args=[company.root.pk]), data)
        # then
        assert response.status_code == 400
        assert form_errors(response) == [
            "A department cannot be placed under itself or its own sub-department."
        ]
        assert Department.objects.get(pk=company.root.pk).parent is None
        assert AuditEvent.objects.count() == events

    def test_a_department_is_not_offered_as_its_own_parent(self, company):
        response = client_for(company.admin).get(
            reverse("core:department_edit", args=[company.tech.pk])
        )
        assert company.tech not in response.context["form"].fields["parent"].queryset


@pytest.mark.django_db
class TestCalendarPage:
    def test_everyone_sees_the_year_with_holidays_and_adjusted_days(self, company):
        # when
        html = client_for(company.stranger).get(reverse("core:calendar_year", args=[2025]))
        page = html.content.decode()
        # then
        assert html.status_code == 200
        for day in range(1, 9):
            assert f'data-date="2025-10-0{day}" data-why="holiday" data-working="0"' in page
        for day in ("2025-09-28", "2025-10-11"):
            assert f'data-date="{day}" data-why="adjusted" data-working="1"' in page
        assert 'data-date="2025-10-12" data-why="statutory" data-working="0"' in page
        assert 'data-testid="calendar-exception-form"' not in page  # no editing for them

    def test_this_year_and_nav_link(self, company):
        response = client_for(company.pm).get(reverse("core:calendar"))
        assert response.status_code == 200
        assert f'href="{reverse("core:calendar")}"' in response.content.decode()

    def test_years_outside_the_calendar_are_404(self, company):
        client = client_for(company.pm)
        assert client.get(reverse("core:calendar_year", args=[1999])).status_code == 404

    def test_non_admins_cannot_change_the_calendar(self, company):
        client = client_for(company.pmo_staff)
        posts = [
            ("core:calendar_exception_set", {"date": "2025-10-09", "is_working": "0"}),
            ("core:calendar_exception_remove", {"date": "2025-10-09"}),
            ("core:calendar_year_publish", {"year": "2027"}),
            ("core:calendar_year_unpublish", {"year": "2027"}),
        ]
        for name, data in posts:
            assert client.post(reverse(name), data).status_code == 403, name
        assert not CalendarException.objects.exists() and not CalendarYear.objects.exists()

    def test_company_exception_added_shown_and_removed(self, company):
        # given
        client = client_for(company.pmo)
        data = {"date": "2025-10-09", "is_working": "0", "note": "司庆", "year": "2025"}
        # when
        response = client.post(reverse("core:calendar_exception_set"), data)
        # then
        assert response.status_code == 302
        assert response["Location"] == reverse("core:calendar_year", args=[2025])
        page = client.get(response["Location"]).content.decode()
        assert 'data-date="2025-10-09" data-why="company" data-working="0"' in page
        assert "司庆" in page
        event = AuditEvent.objects.get(action="calendar.exception_set")
        assert event.actor == company.pmo
        # when it is removed, the statutory calendar decides again
        client.post(reverse("core:calendar_exception_remove"), {"date": "2025-10-09"})
        page = client.get(reverse("core:calendar_year", args=[2025])).content.decode()
        assert 'data-date="2025-10-09" data-why="statutory" data-working="1"' in page
        assert AuditEvent.objects.filter(action="calendar.exception_remove").count() == 1

    def test_removing_twice_says_so(self, company):
        client = client_for(company.pmo)
        response = client.post(
            reverse("core:calendar_exception_remove"), {"date": "2025-10-09"}, follow=True
        )
        assert response.status_code == 200
        assert "alert-danger" in response.content.decode()

    @pytest.mark.parametrize(
        "data",
        [
            {"date": "", "is_working": "0"},
            {"date": "1999-12-31", "is_working": "0"},
            {"date": "2025-10-09", "is_working": "0", "note": "x" * 201},
        ],
    )
    def test_bad_exception_changes_nothing(self, company, data):
        response = client_for(company.pmo).post(
            reverse("core:calendar_exception_set"), {**data, "year": "2025"}
        )
        assert response.status_code == 400
        assert response.context["exception_form"].errors
        assert not CalendarException.objects.exists()
        assert not AuditEvent.objects.filter(action__startswith="calendar.").exists()

    def test_a_year_nobody_published_says_so_then_publish_it(self, company):
        # given
        client = client_for(company.admin, language="en")
        # when
        page = client.get(reverse("core:calendar_year", args=[2027])).content.decode()
        # then
        assert 'data-testid="calendar-not-covered"' in page
        assert "The working calendar for 2027 is not available yet." in page
        assert 'data-testid="calendar-publish-submit"' in page
        # when the PMO enters New Year's Day and publishes the year
        client.post(
            reverse("core:calendar_exception_set"),
            {"date": "2027-01-01", "is_working": "0", "note": "New Year", "year": "2027"},
        )
        response = client.post(
            reverse("core:calendar_year_publish"), {"year": "2027", "note": "国办发明电"}
        )
        # then
        assert response.status_code == 302
        page = client.get(reverse("core:calendar_year", args=[2027])).content.decode()
        assert 'data-testid="calendar-not-covered"' not in page
        assert 'data-date="2027-01-01" data-why="company" data-working="0"' in page
        assert 'data-date="2027-01-04" data-why="statutory" data-working="1"' in page
        assert AuditEvent.objects.filter(action="calendar.year_publish").count() == 1

        # publishing again is refused on the page; withdrawing brings the notice back
        again = client.post(reverse("core:calendar_year_publish"), {"year": "2027"})
        assert again.status_code == 400
        assert form_errors_of(again, "year_form") == ["2027 is already published for 公司标准日历."]
        client.post(reverse("core:calendar_year_unpublish"), {"year": "2027"})
        page = client.get(reverse("core:calendar_year", args=[2027])).content.decode()
        assert 'data-testid="calendar-not-covered"' in page
        assert CalendarException.objects.filter(date=dt.date(2027, 1, 1)).exists()

    def test_a_year_the_statute_covers_cannot_be_published_from_the_page(self, company):
        page = client_for(company.admin).get(reverse("core:calendar_year", args=[2025]))
        assert 'data-testid="calendar-publish"' not in page.content.decode()


def form_errors_of(response, name: str) -> list[str]:
    return list(response.context[name].non_field_errors())
