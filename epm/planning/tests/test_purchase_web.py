"""The purchase plan's page and API: success, 403 for readers, 404 for strangers, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from epm.interop.excel import XLSX
from epm.planning.models import PurchaseLine
from epm.planning.services.purchase import purchase_line_add
from epm.projects.services import project_member_add
from epm.testing import api_client, assert_error, send

LINE = {
    "item": "服务器",
    "specification": "",
    "quantity": "2",
    "unit": "台",
    "unit_price": "0.10",
    "supplier": "",
    "delivery_on": "2026-05-01",
    "note": "",
}
HEADERS = ["Item", "Qty", "Unit", "Unit price", "Delivery date"]


def xlsx(*rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def add(project, actor, **fields):
    return purchase_line_add(actor=actor, project=project, **{**LINE, **fields})


@pytest.fixture
def reader(company, project):
    """A team member: sees the project, may not change its plan."""
    project_member_add(actor=company.pm, project=project, user=company.member, role="tester")
    return company.member


def url(name, project, *args):
    return reverse(f"planning:{name}", args=[project.pk, *args])


@pytest.mark.django_db
class TestPage:
    def test_the_pm_adds_edits_and_removes_lines(self, client, company, project):
        client.force_login(company.pm)

        page = client.get(url("purchase", project))
        assert page.status_code == 200
        for testid in ("purchase-add-form", "purchase-import-form", "purchase-template"):
            assert f'data-testid="{testid}"'.encode() in page.content

        assert client.post(url("purchase_add", project), LINE).status_code == 302
        assert client.post(url("purchase_add", project), LINE).status_code == 302
        first, second = PurchaseLine.objects.filter(project=project)
        edited = client.post(url("purchase_change", project, first.pk), {**LINE, "quantity": "3"})
        removed = client.post(url("purchase_change", project, second.pk), {"delete": "1"})

        assert edited.status_code == removed.status_code == 302
        assert list(PurchaseLine.objects.filter(project=project)) == [first]
        first.refresh_from_db()
        assert first.quantity == Decimal("3")
        page = client.get(url("purchase", project)).content.decode()
        assert "¥0.30" in page and 'data-testid="purchase-total"' in page

    def test_a_refused_line_shows_why_and_changes_nothing(self, client, company, project):
        client.force_login(company.pm)

        page = client.post(url("purchase_add", project), {**LINE, "unit_price": "-5"})
        line = add(project, company.pm)
        edited = client.post(
            url("purchase_change", project, line.pk), {**LINE, "delivery_on": "2020-01-01"}
        )

        assert page.status_code == 200 and b'data-testid="purchase-add-error"' in page.content
        assert edited.status_code == 302
        line.refresh_from_db()
        assert PurchaseLine.objects.filter(project=project).count() == 1
        assert line.delivery_on == dt.date(2026, 5, 1)
        shown = client.get(url("purchase", project)).content.decode()
        assert "2026-03-01" in shown  # the message names the contract date

    def test_import_success_and_row_errors(self, client, company, project):
        client.force_login(company.pm)
        good = SimpleUploadedFile("p.xlsx", xlsx(HEADERS, ["a", 1, "m", 0.2, "2026-05-01"]))
        bad = SimpleUploadedFile(
            "p.xlsx", xlsx(HEADERS, ["a", 1, "m", 1, "2026-05-01"], ["b", 0, "m", 1, "x"])
        )

        imported = client.post(url("purchase_import", project), {"file": good, "mode": "append"})
        refused = client.post(url("purchase_import", project), {"file": bad, "mode": "replace"})

        assert imported.status_code == 302
        assert refused.status_code == 200
        rows = refused.content.decode()
        assert 'data-testid="purchase-import-rows"' in rows
        assert rows.count("<li>") >= 2 and "Qty" in rows and "Delivery date" in rows
        assert list(
            PurchaseLine.objects.filter(project=project).values_list("item", flat=True)
        ) == ["a"]

    def test_a_file_that_is_no_workbook_is_a_message_not_a_500(self, client, company, project):
        client.force_login(company.pm)
        upload = SimpleUploadedFile("p.xlsx", b"not a workbook")
        page = client.post(url("purchase_import", project), {"file": upload, "mode": "replace"})
        assert page.status_code == 200 and b'data-testid="purchase-import-error"' in page.content

    def test_export_and_template_downloads(self, client, company, project, reader):
        add(project, company.pm)
        client.force_login(reader)

        export = client.get(url("purchase_export", project))
        template = client.get(url("purchase_template", project))

        assert export["Content-Type"] == template["Content-Type"] == XLSX
        assert "attachment" in export["Content-Disposition"]
        assert load_workbook(BytesIO(export.content)).active["B4"].value == "服务器"
        assert load_workbook(BytesIO(template.content)).active.max_row == 1

    def test_readers_read_and_may_not_write(self, client, company, project, reader):
        line = add(project, company.pm)
        client.force_login(reader)

        page = client.get(url("purchase", project))
        assert page.status_code == 200 and b'data-testid="purchase-frozen"' in page.content
        assert b'data-testid="purchase-add-form"' not in page.content
        upload = SimpleUploadedFile("p.xlsx", xlsx(HEADERS, ["a", 1, "m", 1, "2026-05-01"]))
        for response in (
            client.post(url("purchase_add", project), LINE),
            client.post(url("purchase_change", project, line.pk), {"delete": "1"}),
            client.post(url("purchase_import", project), {"file": upload, "mode": "append"}),
        ):
            assert response.status_code == 403
        assert PurchaseLine.objects.filter(project=project).count() == 1

    def test_strangers_get_404(self, client, company, project):
        line = add(project, company.pm)
        client.force_login(company.stranger)
        for name in ("purchase", "purchase_export", "purchase_template"):
            assert client.get(url(name, project)).status_code == 404
        assert client.post(url("purchase_add", project), LINE).status_code == 404
        assert client.post(url("purchase_change", project, line.pk), {}).status_code == 404

    def test_a_line_of_another_project_is_404(self, client, company, project, make_project):
        other = make_project(name="另一个项目")
        line = add(other, company.pm)
        client.force_login(company.pm)
        response = client.post(url("purchase_change", project, line.pk), {"delete": "1"})
        assert response.status_code == 404 and PurchaseLine.objects.filter(pk=line.pk).exists()

    def test_frozen_in_approval_with_the_reason(self, client, company, project, walk):
        add(project, company.pm)
        project = walk(project, "submit", approve=False)
        client.force_login(company.pm)
        page = client.get(url("purchase", project))
        assert b'data-testid="purchase-frozen"' in page.content
        assert b'data-testid="purchase-add-form"' not in page.content
        assert b'data-testid="purchase-edit"' not in page.content


@pytest.mark.django_db
class TestApi:
    def path(self, project, rest=""):
        return f"/api/v1/planning/projects/{project.pk}/purchase-lines{rest}"

    def test_create_list_patch_delete(self, company, project, django_assert_max_num_queries):
        pm = api_client(company.pm)

        created = send(pm, "post", self.path(project), {**LINE, "unit_price": 0.1})
        assert created.status_code == 201
        body = created.json()
        assert Decimal(str(body["unit_price"])) == Decimal("0.10")
        assert Decimal(str(body["amount"])) == Decimal("0.20")
        send(pm, "post", self.path(project), {**LINE, "quantity": 1, "unit_price": "0.20"})
        line_id = body["id"]
        patched = send(pm, "patch", self.path(project, f"/{line_id}"), {"quantity": "1"})
        assert patched.status_code == 200 and Decimal(str(patched.json()["amount"])) == Decimal(
            "0.10"
        )

        with django_assert_max_num_queries(12):
            listed = send(pm, "get", self.path(project)).json()
        assert Decimal(str(listed["total"])) == Decimal("0.30") and len(listed["lines"]) == 2
        assert listed["editable"] is True and listed["frozen_reason"] is None

        assert pm.delete(self.path(project, f"/{line_id}")).status_code == 204
        assert len(send(pm, "get", self.path(project)).json()["lines"]) == 1

    def test_import_and_export(self, company, project):
        pm = api_client(company.pm)
        data = xlsx(HEADERS, ["a", 3, "m", 0.1, "2026-05-01"], ["b", 1, "m", 0.2, "2026-05-01"])

        imported = pm.post(
            self.path(project, "/import"),
            {"file": SimpleUploadedFile("p.xlsx", data), "mode": "replace"},
        )
        exported = pm.get(self.path(project, "/export"))

        assert imported.status_code == 200, imported.content
        body = imported.json()
        assert (body["imported"], body["lines"]) == (2, 2)
        assert Decimal(str(body["total_after"])) == Decimal("0.50")
        assert exported.status_code == 200 and exported["Content-Type"] == XLSX
        sheet = load_workbook(BytesIO(exported.content)).active
        assert [sheet.cell(row=r, column=2).value for r in (4, 5)] == ["a", "b"]

    def test_import_errors_are_422_with_rows(self, company, project):
        pm = api_client(company.pm)
        data = xlsx(HEADERS, ["a", -1, "m", 0.1, "2026-05-01"], [None, 1, "m", "x", "2026-05-01"])

        response = pm.post(
            self.path(project, "/import"), {"file": SimpleUploadedFile("p.xlsx", data)}
        )

        body = assert_error(response, 422, "invalid_rows")
        assert [(d["row"], d["column"], d["code"]) for d in body["detail"]] == [
            (2, "Qty", "not_positive"),
            (3, "Item", "required"),
            (3, "Unit price", "not_a_number"),
        ]
        assert set(body["detail"][0]) >= {"row", "column", "message"}
        garbage = pm.post(
            self.path(project, "/import"), {"file": SimpleUploadedFile("p.xlsx", b"x")}
        )
        assert_error(garbage, 422, "not_xlsx")
        assert_error(pm.post(self.path(project, "/import"), {}), 422)
        assert not PurchaseLine.objects.filter(project=project).exists()

    def test_validation_errors(self, company, project):
        pm = api_client(company.pm)
        assert_error(
            send(pm, "post", self.path(project), {**LINE, "quantity": 0}), 400, "not_positive"
        )
        assert_error(
            send(pm, "post", self.path(project), {**LINE, "unit_price": 0.30000000000000004}),
            400,
            "too_many_decimals",
        )
        assert_error(
            send(pm, "post", self.path(project), {**LINE, "delivery_on": "2020-01-01"}),
            400,
            "before_contract",
        )
        assert_error(send(pm, "post", self.path(project), {**LINE, "delivery_on": "x"}), 422)
        assert_error(send(pm, "patch", self.path(project, "/999999"), {"item": "x"}), 404)
        assert not PurchaseLine.objects.filter(project=project).exists()

    def test_403_for_readers_404_for_strangers_409_in_approval(
        self, company, project, reader, walk
    ):
        line = add(project, company.pm)
        member, stranger = api_client(reader), api_client(company.stranger)
        upload = {"file": SimpleUploadedFile("p.xlsx", xlsx(HEADERS))}

        assert send(member, "get", self.path(project)).json()["editable"] is False
        assert_error(send(member, "post", self.path(project), LINE), 403)
        assert_error(send(member, "patch", self.path(project, f"/{line.pk}"), {"item": "x"}), 403)
        assert_error(member.delete(self.path(project, f"/{line.pk}")), 403)
        assert_error(member.post(self.path(project, "/import"), upload), 403)
        for method, rest in (("get", ""), ("post", ""), ("get", "/export")):
            assert_error(send(stranger, method, self.path(project, rest), LINE), 404)
        assert_error(stranger.delete(self.path(project, f"/{line.pk}")), 404)

        walk(project, "submit", approve=False)
        pm = api_client(company.pm)
        assert_error(send(pm, "post", self.path(project), LINE), 409, "in_approval")
        assert PurchaseLine.objects.filter(project=project).count() == 1
