"""People, departments, roles, tokens, audit and notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from epm.core import services
from epm.core.errors import ApplicationError, NotFound, PermissionDenied
from epm.core.models import AuditEvent, Notification, OrgRole
from epm.core.notifications import notify, unread_count
from epm.core.selectors import department_head, head_of_user


@pytest.mark.django_db
class TestUsers:
    def test_passwords_are_hashed_with_argon2_in_production_settings(self, settings):
        from epm import settings as real

        assert real.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")

    def test_create_user_with_roles_is_audited(self, company):
        user = services.user_create(
            actor=company.admin,
            username="lisi",
            password="Very-strong-pw-2026",
            display_name="李四",
            employee_no="E9001",
            roles=[OrgRole.FINANCE, OrgRole.QUALITY],
        )
        assert user.org_roles() == {"finance", "quality"}
        assert user.check_password("Very-strong-pw-2026")
        event = AuditEvent.objects.get(action="user.create", target_id=str(user.pk))
        assert event.actor == company.admin

    @pytest.mark.parametrize(
        ("kwargs", "code"),
        [
            ({"username": "PM"}, "username_taken"),
            ({"username": " "}, "username_required"),
            ({"username": "x1", "roles": ["king"]}, "invalid_role"),
            ({"username": "x2", "time_zone": "Mars/Base"}, "invalid_time_zone"),
            ({"username": "x3", "password": "123"}, "weak_password"),
            ({"username": "x4", "language": "fr"}, "invalid_language"),
        ],
    )
    def test_bad_user_input_is_refused(self, company, kwargs, code):
        kwargs.setdefault("password", "Very-strong-pw-2026")
        with pytest.raises(ApplicationError) as exc:
            services.user_create(actor=company.admin, **kwargs)
        assert exc.value.code == code

    def test_duplicate_employee_number(self, company):
        services.user_create(actor=company.admin, username="a1", password=None, employee_no="E1")
        with pytest.raises(ApplicationError) as exc:
            services.user_create(
                actor=company.admin, username="a2", password=None, employee_no="E1"
            )
        assert exc.value.code == "employee_no_taken"

    def test_only_org_admins_manage_people(self, company):
        with pytest.raises(PermissionDenied):
            services.user_create(actor=company.pm, username="nope", password=None)
        with pytest.raises(PermissionDenied):
            services.user_set_roles(actor=company.pm, user=company.pm, roles=[OrgRole.PRESIDENT])

    def test_set_roles_records_before_and_after(self, company):
        services.user_set_roles(actor=company.admin, user=company.pm, roles=[OrgRole.QUALITY])
        event = AuditEvent.objects.get(action="user.roles")
        assert event.changes == {"roles": [[], ["quality"]]}

    def test_admin_cannot_demote_self(self, company):
        with pytest.raises(ApplicationError):
            services.user_set_roles(actor=company.admin, user=company.admin, roles=[])


@pytest.mark.django_db
class TestDepartments:
    def test_head_n_levels_up(self, company):
        sub = services.department_create(
            actor=company.admin, code="team1", name="研发一组", parent=company.tech
        )
        assert department_head(company.tech) == company.head
        assert head_of_user(company.pm) == company.head
        with pytest.raises(ApplicationError) as exc:
            department_head(sub)
        assert exc.value.code == "no_department_head"
        assert department_head(sub, levels_up=1) == company.head
        assert department_head(sub, levels_up=2) == company.president  # heads the company
        services.department_update(actor=company.admin, department=company.root, head=None)
        with pytest.raises(ApplicationError) as exc:
            department_head(sub, levels_up=2)
        assert exc.value.code == "no_department_head"
        with pytest.raises(ApplicationError) as exc:
            department_head(sub, levels_up=3)
        assert exc.value.code == "no_such_department_level"

    def test_cycle_is_refused(self, company):
        sub = services.department_create(
            actor=company.admin, code="team1", name="研发一组", parent=company.tech
        )
        with pytest.raises(ApplicationError) as exc:
            services.department_update(actor=company.admin, department=company.tech, parent=sub)
        assert exc.value.code == "department_cycle"
        company.tech.refresh_from_db()
        assert company.tech.parent == company.root

    def test_duplicate_code(self, company):
        with pytest.raises(ApplicationError):
            services.department_create(actor=company.admin, code="tech", name="重复")


@pytest.mark.django_db
class TestTokens:
    def test_token_is_shown_once_and_stored_hashed(self, company):
        token, secret = services.api_token_create(user=company.pm, name="脚本")
        assert secret.startswith("epm_")
        assert secret not in token.digest and secret != token.digest
        assert services.api_token_authenticate(secret) == company.pm
        assert services.api_token_authenticate(secret + "x") is None

    def test_revoked_and_expired_tokens_fail(self, company):
        token, secret = services.api_token_create(user=company.pm, name="a")
        services.api_token_revoke(user=company.pm, token_id=token.pk)
        assert services.api_token_authenticate(secret) is None
        token2, secret2 = services.api_token_create(
            user=company.pm, name="b", expires_at=timezone.now() + dt.timedelta(seconds=1)
        )
        token2.expires_at = timezone.now() - dt.timedelta(seconds=1)
        token2.save()
        assert services.api_token_authenticate(secret2) is None

    def test_inactive_user_token_fails(self, company):
        _token, secret = services.api_token_create(user=company.member, name="a")
        services.user_update(actor=company.admin, user=company.member, is_active=False)
        assert services.api_token_authenticate(secret) is None

    def test_cannot_revoke_someone_elses_token(self, company):
        token, _secret = services.api_token_create(user=company.pm, name="a")
        with pytest.raises(NotFound):
            services.api_token_revoke(user=company.stranger, token_id=token.pk)


@pytest.mark.django_db
class TestAudit:
    def test_audit_rows_cannot_be_changed_or_deleted(self, company):
        event = AuditEvent.objects.first()
        event.action = "tampered"
        with pytest.raises(TypeError):
            event.save()
        with pytest.raises(TypeError):
            event.delete()
        with pytest.raises(TypeError):
            AuditEvent.objects.all().update(action="x")
        with pytest.raises(TypeError):
            AuditEvent.objects.all().delete()


@pytest.mark.django_db
class TestNotifications:
    def test_same_dedupe_key_is_delivered_once(self, company, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            first = notify(
                recipients=[company.pm, company.pm, None], kind="t", title="提醒", dedupe_key="k1"
            )
            second = notify(recipients=[company.pm], kind="t", title="提醒", dedupe_key="k1")
        assert len(first) == 1 and second == []
        assert Notification.objects.filter(recipient=company.pm).count() == 1
        assert len(mail.outbox) == 1
        assert unread_count(company.pm) == 1

    def test_email_task_sends_once(self, company, django_capture_on_commit_callbacks):
        from epm.core.notifications import send_notification_email

        with django_capture_on_commit_callbacks(execute=True):
            (note,) = notify(
                recipients=[company.pm], kind="t", title="提醒", dedupe_key="k2", url="/projects/1/"
            )
        send_notification_email.call(notification_id=note.pk)  # a retried task
        assert len(mail.outbox) == 1
        assert "/projects/1/" in mail.outbox[0].body

    def test_title_is_rendered_in_recipient_language(self, company):
        from django.utils.translation import gettext_lazy

        services.user_set_preferences(user=company.pm, language="en")
        notify(
            recipients=[company.pm, company.member],
            kind="t",
            title=gettext_lazy("Projects"),
            dedupe_key="k3",
        )
        titles = dict(Notification.objects.values_list("recipient__username", "title"))
        assert titles["pm"] == "Projects"
        assert titles["member"] == "项目"

    def test_inactive_users_get_nothing(self, company):
        services.user_update(actor=company.admin, user=company.member, is_active=False)
        assert notify(recipients=[company.member], kind="t", title="x", dedupe_key="k4") == []


@pytest.mark.django_db
class TestNoTakeover:
    def test_pmo_admin_cannot_touch_a_system_administrator(self, company):
        with pytest.raises(PermissionDenied):
            services.user_set_password(
                actor=company.pmo, user=company.admin, password="New-strong-pw-2026"
            )
        with pytest.raises(PermissionDenied):
            services.user_update(actor=company.pmo, user=company.admin, is_active=False)
        assert company.admin.check_password("pw-for-tests-1")

    def test_only_system_admins_grant_system_admin(self, company):
        with pytest.raises(PermissionDenied):
            services.user_set_roles(
                actor=company.pmo, user=company.pm, roles=[OrgRole.SYSTEM_ADMIN]
            )
        with pytest.raises(PermissionDenied):
            services.user_create(
                actor=company.pmo, username="root2", password=None, roles=[OrgRole.SYSTEM_ADMIN]
            )
        services.user_set_roles(actor=company.admin, user=company.pm, roles=[OrgRole.SYSTEM_ADMIN])
        assert company.pm.org_roles() == {"system_admin"}

    def test_only_superusers_touch_superusers(self, company, django_user_model):
        root = django_user_model.objects.create_superuser(
            "root", "root@example.com", "Root-pw-2026-x"
        )
        with pytest.raises(PermissionDenied):
            services.user_set_password(
                actor=company.admin, user=root, password="New-strong-pw-2026"
            )


@pytest.mark.django_db
class TestThrottleEverywhere:
    def test_backend_refuses_the_right_password_while_locked(self, company, settings, rf):
        from django.contrib.auth import authenticate

        settings.EPM_LOGIN_MAX_FAILURES = 2
        request = rf.post("/anywhere/")
        for _ in range(2):
            assert authenticate(request, username="pm", password="wrong") is None
        assert authenticate(request, username="pm", password="pw-for-tests-1") is None

    def test_behind_a_proxy_clients_are_told_apart(self, company, settings, rf):
        from epm.core import throttle

        settings.EPM_BEHIND_PROXY = True
        one = rf.get("/", HTTP_X_FORWARDED_FOR="10.1.1.1, 203.0.113.7", REMOTE_ADDR="192.0.2.1")
        two = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.8", REMOTE_ADDR="192.0.2.1")
        assert throttle.client_address(one) == "203.0.113.7"
        assert throttle.client_address(two) == "203.0.113.8"
        settings.EPM_BEHIND_PROXY = False
        assert throttle.client_address(one) == "192.0.2.1"


@pytest.mark.django_db
def test_a_failed_email_is_sent_again_by_the_retry(company, monkeypatch):
    from epm.core import notifications

    (note,) = notify(recipients=[company.pm], kind="t", title="提醒", dedupe_key="k9", email=False)

    def broken(**kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(notifications, "send_mail", broken)
    with pytest.raises(OSError):
        notifications.send_notification_email.call(notification_id=note.pk)
    note.refresh_from_db()
    assert note.emailed_at is None
    monkeypatch.undo()
    notifications.send_notification_email.call(notification_id=note.pk)
    note.refresh_from_db()
    assert note.emailed_at is not None and len(mail.outbox) == 1
