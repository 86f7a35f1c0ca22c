"""Pages: what people see and can do in the browser (without a browser)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from epm.core.models import AuditEvent
from epm.projects.audit_labels import ACTION_LABELS
from epm.projects.models import Project, Status


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
class TestVisibility:
    def test_stranger_gets_404_on_every_project_page(self, company, project):
        client = client_for(company.stranger)
        pages = [
            ("get", reverse("projects:detail", args=[project.pk])),
            ("get", reverse("projects:edit", args=[project.pk])),
            ("post", reverse("projects:transition", args=[project.pk])),
            ("post", reverse("projects:appoint", args=[project.pk])),
            ("post", reverse("projects:member_add", args=[project.pk])),
            ("post", reverse("projects:member_remove", args=[project.pk, 1])),
        ]
        for method, url in pages:
            response = getattr(client, method)(url, {"code": "submit"})
            assert response.status_code == 404, url
            assert project.name not in response.content.decode()
        assert project.name not in client.get(reverse("projects:list")).content.decode()
        assert Project.objects.get(pk=project.pk).status == Status.DRAFT

    @pytest.mark.parametrize("who", ["pm", "am", "head", "pmo", "president", "member_of"])
    def test_people_with_a_relation_see_it(self, company, project, who):
        if who == "member_of":
            from epm.projects.services import project_member_add

            project_member_add(
                actor=company.pm, project=project, user=company.member, role="developer"
            )
            user = company.member
        else:
            user = getattr(company, who)
        client = client_for(user)
        assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 200
        assert project.name in client.get(reverse("projects:list")).content.decode()

    def test_other_department_head_does_not_see_it(self, company, project):
        client = client_for(company.other_head)
        assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 404

    def test_anonymous_is_sent_to_login(self, project):
        response = Client().get(reverse("projects:detail", args=[project.pk]))
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
class TestProjectPages:
    def test_detail_shows_header_members_actions_history(self, company, project):
        response = client_for(company.pm).get(reverse("projects:detail", args=[project.pk]))
        html = response.content.decode()
        assert project.number in html and project.name in html and "王经理" in html
        assert 'data-testid="transition-submit"' in html
        assert 'data-testid="transition-approve_initiation"' not in html
        with translation.override("zh-hans"):
            appointed = str(ACTION_LABELS["project.appoint_pm"])
        assert appointed in html  # the history, in words

    def test_transition_by_post(self, company, project):
        client = client_for(company.pm)
        response = client.post(
            reverse("projects:transition", args=[project.pk]), {"code": "submit"}
        )
        assert response.status_code == 302
        assert Project.objects.get(pk=project.pk).status == Status.INITIATION_REVIEW

    def test_refused_transition_shows_message_and_changes_nothing(self, company, project):
        client = client_for(company.pm)
        response = client.post(
            reverse("projects:transition", args=[project.pk]), {"code": "close"}, follow=True
        )
        assert response.status_code == 200
        assert any(
            "close" in str(m).lower() or "结项" in str(m) for m in response.context["messages"]
        )
        assert Project.objects.get(pk=project.pk).status == Status.DRAFT

    def test_forbidden_transition_is_403(self, company, project):
        client = client_for(company.member)
        from epm.projects.services import project_member_add

        project_member_add(actor=company.pm, project=project, user=company.member, role="developer")
        response = client.post(
            reverse("projects:transition", args=[project.pk]), {"code": "submit"}
        )
        assert response.status_code == 403

    def test_create_with_bad_input_shows_error_and_creates_nothing(self, company, project):
        client = client_for(company.pmo)
        before = Project.objects.count()
        data = {
            "name": "新项目",
            "project_type": project.project_type.pk,
            "customer": "客户",
            "department": company.tech.pk,
            "contract_amount": "-5",
            "planned_start": "2026-05-01",
            "planned_finish": "2026-04-01",
        }
        response = client.post(reverse("projects:create"), data)
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        assert Project.objects.count() == before

    def test_create_and_edit(self, company, project):
        client = client_for(company.pmo)
        data = {
            "name": "某医院HIS升级",
            "project_type": project.project_type.pk,
            "customer": "某医院",
            "department": company.tech.pk,
            "contract_amount": "880000.50",
        }
        response = client.post(reverse("projects:create"), data)
        created = Project.objects.get(name="某医院HIS升级")
        assert response.status_code == 302 and str(created.contract_amount) == "880000.50"
        data["name"] = "某医院HIS系统升级"
        data.pop("project_type")
        response = client.post(reverse("projects:edit", args=[created.pk]), data)
        assert response.status_code == 302
        created.refresh_from_db()
        assert created.name == "某医院HIS系统升级"
        assert AuditEvent.objects.filter(
            action="project.update", target_id=str(created.pk)
        ).exists()

    def test_pm_cannot_open_create_page(self, company):
        assert client_for(company.pm).get(reverse("projects:create")).status_code == 403

    def test_list_filters(self, company, make_project):
        a = make_project(name="交通信号系统")
        b = make_project(
            name="医院信息系统",
            customer="某医院",
            type_code="system_integration",
            department=company.other,
        )
        client = client_for(company.pmo)
        html = client.get(reverse("projects:list"), {"text": "交通"}).content.decode()
        assert a.name in html and b.name not in html
        html = client.get(reverse("projects:list"), {"type": "system_integration"}).content.decode()
        assert b.name in html and a.name not in html
        html = client.get(
            reverse("projects:list"), {"department": company.other.pk}
        ).content.decode()
        assert b.name in html and a.name not in html
        html = client.get(reverse("projects:list"), {"status": "executing"}).content.decode()
        assert a.name not in html
        html = client.get(reverse("projects:list"), {"pm": company.pm.pk}).content.decode()
        assert a.name in html and b.name in html

    def test_list_query_count_does_not_grow(
        self, company, make_project, django_assert_max_num_queries
    ):
        client = client_for(company.pmo)
        make_project(name="p0")
        with django_assert_max_num_queries(20) as few:
            client.get(reverse("projects:list"))
        for i in range(12):
            make_project(name=f"p{i + 1}")
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(reverse("projects:list"))

    def test_lifecycle_editor_for_pmo_admin_only(self, company, project):
        url = reverse("projects:lifecycle_edit", args=[project.project_type.pk])
        assert client_for(company.pm).get(url).status_code == 403
        client = client_for(company.pmo)
        assert client.get(reverse("projects:lifecycles")).status_code == 200
        response = client.post(
            url, {"phases": ["planning"], "closure_after": "final_acceptance", "gates": []}
        )
        assert response.status_code == 200 and response.context["form"].non_field_errors()
        response = client.post(
            url,
            {
                "phases": ["planning", "final_acceptance"],
                "closure_after": "final_acceptance",
                "gates": ["close"],
            },
        )
        assert response.status_code == 302
        project.project_type.lifecycle.refresh_from_db()
        assert project.project_type.lifecycle.gates == ["close"]


@pytest.mark.django_db
def test_big_project_and_sub_projects_see_each_other_r7(company, make_project, make_user):
    from epm.projects.rules import visible_projects
    from epm.projects.services import project_member_add

    big = make_project(name="智慧校园", is_big_project=True)
    child = make_project(name="一卡通子项目", parent=big, department=company.other)
    sibling = make_project(name="安防子项目", parent=big, department=company.other)
    make_project(name="无关项目", department=company.other)  # visible to neither
    child_member = make_user("childdev")
    project_member_add(actor=company.pmo, project=child, user=child_member, role="developer")
    big_member = make_user("bigdev")
    project_member_add(actor=company.pmo, project=big, user=big_member, role="developer")

    assert set(visible_projects(child_member)) == {child, big}
    assert set(visible_projects(big_member)) == {big, child, sibling}


@pytest.mark.django_db
def test_final_acceptance_is_recorded_from_the_page_and_the_api(company, walk, make_project):
    import datetime as dt

    from django.utils import timezone

    from epm.core.services import api_token_create
    from epm.projects.tests.test_projects_services import SI_TO_MAINTENANCE

    project = make_project(type_code="system_integration")
    project = walk(project, *SI_TO_MAINTENANCE[:-2])  # closing
    client = client_for(company.pm)
    html = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert 'data-testid="record-final-acceptance"' in html
    # a bad date on the page is a message, nothing changes
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    client.post(reverse("projects:final_acceptance", args=[project.pk]), {"accepted_on": future})
    assert Project.objects.get(pk=project.pk).final_accepted_on is None
    # through the API it works
    _token, secret = api_token_create(user=company.pm, name="t")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").post(
        f"/api/v1/projects/{project.pk}/final-acceptance",
        {"accepted_on": timezone.localdate().isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["final_accepted_on"] == timezone.localdate().isoformat()
    # and a stranger gets 404 for both
    assert (
        client_for(company.stranger)
        .post(reverse("projects:final_acceptance", args=[project.pk]), {"accepted_on": future})
        .status_code
        == 404
    )
