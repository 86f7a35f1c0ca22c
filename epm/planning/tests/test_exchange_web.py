"""The schedule's import/export page and API: downloads, imports, refusals, who may do what."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from epm.interop import mspdi
from epm.interop.excel import XLSX
from epm.planning.models import Dependency, TaskKind, WbsTask
from epm.planning.services import exchange, wbs
from epm.planning.services.scheduler import schedule_of
from epm.projects.services import project_member_add
from epm.testing import api_client, assert_error

FIFTY_MB = 50 * 1024 * 1024
CYCLE = (
    '<Project xmlns="http://schemas.microsoft.com/project"><Tasks>'
    "<Task><UID>1</UID><Name>甲</Name><OutlineLevel>1</OutlineLevel>"
    "<PredecessorLink><PredecessorUID>2</PredecessorUID></PredecessorLink></Task>"
    "<Task><UID>2</UID><Name>乙</Name><OutlineLevel>1</OutlineLevel>"
    "<PredecessorLink><PredecessorUID>1</PredecessorUID></PredecessorLink></Task>"
    "</Tasks></Project>"
).encode()


@pytest.fixture
def planning(make_project, walk, company):
    project = walk(make_project(), "submit", "start_planning")
    schedule = schedule_of(project)
    schedule.start_on = dt.date(2026, 4, 1)
    schedule.save()
    pm = company.pm
    phase = wbs.task_add(actor=pm, project=project, name="阶段一")
    a = wbs.task_add(actor=pm, project=project, name="设计", parent=phase, duration_days=3)
    b = wbs.task_add(
        actor=pm,
        project=project,
        name="评审",
        parent=phase,
        kind=TaskKind.MILESTONE,
        work_products="设计说明书",
    )
    wbs.link_add(actor=pm, project=project, predecessor=a, successor=b, kind="FS", lag_days=1)
    wbs.assignment_set(actor=pm, task=a, user=company.member, planned_hours="12")
    return project


@pytest.fixture
def reader(company, planning):
    """A team member: sees the project, may not change its schedule."""
    project_member_add(actor=company.pm, project=planning, user=company.member, role="tester")
    return company.member


def url(name, project):
    return reverse(f"planning:{name}", args=[project.pk])


def shape(project):
    return sorted(
        WbsTask.objects.filter(project=project).values_list("outline", "name", "kind")
    ), Dependency.objects.filter(project=project).count()


def no_parsing(monkeypatch):
    monkeypatch.setattr(mspdi, "parse", lambda data: pytest.fail("an oversized file was parsed"))


@pytest.mark.django_db
class TestPage:
    def test_page_shows_downloads_and_the_import_with_its_warning(self, client, company, planning):
        client.force_login(company.pm)
        page = client.get(url("schedule_exchange", planning))
        assert page.status_code == 200
        html = page.content.decode()
        for testid in (
            "schedule-nav-exchange",
            "export-xlsx",
            "export-xml",
            "export-template",
            "exchange-replace-warning",
            "exchange-import-form",
        ):
            assert f'data-testid="{testid}"' in html, testid

    def test_downloads(self, client, company, planning):
        client.force_login(company.pm)
        sheet = client.get(url("schedule_export_xlsx", planning))
        assert sheet["Content-Type"] == XLSX
        rows = list(load_workbook(BytesIO(sheet.content)).active.iter_rows(values_only=True))
        assert ("1.1", "设计") in {tuple(r[:2]) for r in rows}
        xml = client.get(url("schedule_export_xml", planning))
        assert xml["Content-Type"] == "application/xml"
        assert 'filename="wbs-' in xml["Content-Disposition"]
        assert [t.name for t in mspdi.parse(xml.content).tasks] == ["阶段一", "设计", "评审"]
        template = client.get(url("schedule_template", planning))
        assert template["Content-Type"] == XLSX
        assert 'filename="wbs-template.xlsx"' in template["Content-Disposition"]

    def test_import_shows_the_result_and_warnings(self, client, company, planning, other_xml):
        client.force_login(company.pm)
        upload = SimpleUploadedFile("plan.xml", other_xml)
        page = client.post(url("schedule_import", planning), {"file": upload, "confirm": "on"})
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-testid="exchange-result"' in html
        assert 'data-testid="exchange-warning"' in html  # the named resource
        assert shape(planning)[0] == [("1", "甲方确认", TaskKind.TASK)]

    def test_import_needs_the_confirmation(self, client, company, planning, other_xml):
        client.force_login(company.pm)
        before = shape(planning)
        page = client.post(
            url("schedule_import", planning), {"file": SimpleUploadedFile("p.xml", other_xml)}
        )
        assert (
            page.status_code == 200 and 'data-testid="exchange-result"' not in page.content.decode()
        )
        assert shape(planning) == before

    def test_refusals_are_shown_and_change_nothing(self, client, company, planning, monkeypatch):
        client.force_login(company.pm)
        before = shape(planning)
        for name, content, words in (
            ("cycle.xml", CYCLE, ("甲", "乙")),
            ("bad.xml", b"<Project><Tasks>", ("XML",)),
            ("bad.xlsx", b"PK\x03\x04broken", ("Excel", ".xlsx")),
        ):
            page = client.post(
                url("schedule_import", planning),
                {"file": SimpleUploadedFile(name, content), "confirm": "on"},
            )
            html = page.content.decode()
            assert 'data-testid="exchange-import-error"' in html, name
            assert any(word in html for word in words), name
        assert shape(planning) == before

    def test_a_50_mb_upload_is_refused_without_parsing(
        self, client, company, planning, monkeypatch
    ):
        client.force_login(company.pm)
        no_parsing(monkeypatch)
        before = shape(planning)
        upload = SimpleUploadedFile("huge.xml", b"<" + b" " * (FIFTY_MB - 1))
        page = client.post(url("schedule_import", planning), {"file": upload, "confirm": "on"})
        assert page.status_code == 200
        assert "10 MB" in page.content.decode()
        assert shape(planning) == before

    def test_readers_see_exports_but_no_import_and_strangers_nothing(
        self, client, company, planning, reader, other_xml
    ):
        client.force_login(reader)
        page = client.get(url("schedule_exchange", planning)).content.decode()
        assert 'data-testid="exchange-import-closed"' in page
        assert 'data-testid="exchange-import-form"' not in page
        assert client.get(url("schedule_export_xml", planning)).status_code == 200
        upload = SimpleUploadedFile("p.xml", other_xml)
        denied = client.post(url("schedule_import", planning), {"file": upload, "confirm": "on"})
        assert denied.status_code == 403
        client.force_login(company.stranger)
        for name in ("schedule_exchange", "schedule_export_xlsx", "schedule_export_xml"):
            assert client.get(url(name, planning)).status_code == 404, name


@pytest.fixture
def other_xml() -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Project xmlns="http://schemas.microsoft.com/project"><SaveVersion>14</SaveVersion>'
        "<StartDate>2026-04-06T08:00:00</StartDate><Tasks>"
        "<Task><UID>0</UID><ID>0</ID><Name>p</Name><OutlineLevel>0</OutlineLevel></Task>"
        "<Task><UID>1</UID><ID>1</ID><Name>甲方确认</Name><OutlineLevel>1</OutlineLevel>"
        "<Duration>PT16H0M0S</Duration></Task></Tasks>"
        "<Resources><Resource><UID>1</UID><ID>1</ID><Name>客户代表</Name><Type>1</Type>"
        "</Resource></Resources><Assignments><Assignment><UID>1</UID><TaskUID>1</TaskUID>"
        "<ResourceUID>1</ResourceUID><Work>PT4H0M0S</Work></Assignment></Assignments>"
        "</Project>"
    ).encode()


@pytest.mark.django_db
class TestApi:
    def path(self, project, rest):
        return f"/api/v1/planning/projects/{project.pk}/schedule/{rest}"

    def test_export_and_template(self, company, planning):
        pm = api_client(company.pm)
        xml = pm.get(self.path(planning, "export"), {"format": "xml"})
        assert xml.status_code == 200 and xml["Content-Type"] == "application/xml"
        assert len(mspdi.parse(xml.content).tasks) == 3
        sheet = pm.get(self.path(planning, "export"))
        assert sheet.status_code == 200 and sheet["Content-Type"] == XLSX
        assert pm.get(self.path(planning, "template"))["Content-Type"] == XLSX
        assert_error(pm.get(self.path(planning, "export"), {"format": "pdf"}), 422)

    def test_import_round_trip(self, company, planning, make_project, walk):
        pm = api_client(company.pm)
        sheet = pm.get(self.path(planning, "export")).content
        target = walk(
            make_project(name="接收项目", contract_number="HT-2026-009"), "submit", "start_planning"
        )
        done = pm.post(self.path(target, "import"), {"file": SimpleUploadedFile("wbs.xlsx", sheet)})
        assert done.status_code == 200, done.content
        body = done.json()
        assert (body["tasks"], body["links"], body["assignments"]) == (3, 1, 1)
        assert body["source"] == "xlsx" and body["warnings"] == []
        xml = pm.get(self.path(planning, "export"), {"format": "xml"}).content
        again = pm.post(self.path(target, "import"), {"file": SimpleUploadedFile("w.xml", xml)})
        assert again.status_code == 200 and again.json()["source"] == "mspdi"
        assert shape(target) == shape(planning)

    def test_oversize_is_413_without_parsing(self, company, planning, monkeypatch):
        no_parsing(monkeypatch)
        before = shape(planning)
        upload = SimpleUploadedFile("huge.xml", b"<" + b" " * (FIFTY_MB - 1))
        body = assert_error(
            api_client(company.pm).post(self.path(planning, "import"), {"file": upload}),
            413,
            "file_too_large",
        )
        assert "10 MB" in body["message"]
        assert shape(planning) == before

    def test_bad_files_are_400_with_detail_and_cycles_409(self, company, planning):
        pm = api_client(company.pm)
        before = shape(planning)
        hostile = (
            b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<Project xmlns="http://schemas.microsoft.com/project"><Name>&x;</Name></Project>'
        )
        assert_error(
            pm.post(self.path(planning, "import"), {"file": SimpleUploadedFile("x.xml", hostile)}),
            400,
            "forbidden_xml",
        )
        unknown = (
            b'<Project xmlns="http://schemas.microsoft.com/project"><Tasks><Task><UID>3</UID>'
            b"<Name>T</Name><PredecessorLink><PredecessorUID>8</PredecessorUID>"
            b"</PredecessorLink></Task></Tasks></Project>"
        )
        body = assert_error(
            pm.post(self.path(planning, "import"), {"file": SimpleUploadedFile("u.xml", unknown)}),
            400,
            "unknown_predecessor",
        )
        assert body["detail"]["predecessor"] == 8
        rows = pm.post(
            self.path(planning, "import"),
            {"file": SimpleUploadedFile("r.xlsx", exchange.wbs_template())},
        )
        assert_error(rows, 400, "no_rows")
        cycle = assert_error(
            pm.post(self.path(planning, "import"), {"file": SimpleUploadedFile("c.xml", CYCLE)}),
            409,
            "cycle",
        )
        assert "甲" in cycle["message"] and len(cycle["detail"]["tasks"]) == 2
        assert_error(pm.post(self.path(planning, "import"), {}), 422)
        assert shape(planning) == before

    def test_readers_403_strangers_404(self, company, planning, reader, other_xml):
        upload = {"file": SimpleUploadedFile("p.xml", other_xml)}
        assert_error(api_client(reader).post(self.path(planning, "import"), upload), 403)
        stranger = api_client(company.stranger)
        assert_error(stranger.get(self.path(planning, "export")), 404)
        upload = {"file": SimpleUploadedFile("p.xml", other_xml)}
        assert_error(stranger.post(self.path(planning, "import"), upload), 404)
