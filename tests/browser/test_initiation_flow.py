"""Issue 4, done when: the demo company takes a new contract from intake to execution in the
browser — intake → PM appointment → initiation application with purchase plan and budget →
review board → president → implementation plan countersign — each person signing in as
themself."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from epm.approvals.models import ApprovalRequest, ApprovalTask, TaskStatus
from epm.core.demo import PEOPLE, load_demo
from epm.core.models import Department, OrgRole, User
from epm.planning.plan_sections import SECTION_CODES
from epm.projects.models import Project, ProjectType, Status

from .helpers import decide_all, sign_in

CONTRACT = "HT-2026-RJ-0418"
NAME = "某市不动产登记信息系统升级"


def _month(day: dt.date, ahead: int = 0) -> str:
    """YYYY-MM of the month `ahead` months after `day`'s."""
    index = day.year * 12 + day.month - 1 + ahead
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@pytest.mark.django_db(transaction=True)
def test_new_contract_from_intake_to_execution(live_server, page, reference_data):
    # given the demo company: its PMO administrator, and the software department (软件开发部)
    # with its head, a project manager and an account manager in commerce
    load_demo()
    base = live_server.url
    pmo_admin = next(p.username for p in PEOPLE if OrgRole.PMO_ADMIN in p.roles)
    department = Department.objects.get(code="sw")
    head = department.head
    pm = User.objects.get(username="liqiang")  # 项目经理, 软件开发部
    account_manager = User.objects.get(username="zhangwei")
    today = timezone.localdate()
    signed = today - dt.timedelta(days=3)
    start, finish = today, today + dt.timedelta(days=180)

    # --- 1. Contract intake (R1): the PMO administrator registers the contract ------------------
    sign_in(page, base, pmo_admin)
    page.get_by_role("link", name="项目", exact=True).click()
    page.get_by_test_id("project-new").click()
    page.locator("#id_name").fill(NAME)
    page.locator("#id_project_type").select_option(str(ProjectType.objects.get(code="software").pk))
    page.locator("#id_customer").fill("某市自然资源和规划局")
    page.locator("#id_department").select_option(str(department.pk))
    page.locator("#id_contract_number").fill(CONTRACT)
    page.locator("#id_contract_amount").fill("1860000.00")
    page.locator("#id_contract_signed_on").fill(signed.isoformat())
    page.locator("#id_contract_initial_acceptance_on").fill(
        (finish - dt.timedelta(days=30)).isoformat()
    )
    page.locator("#id_contract_final_acceptance_on").fill(
        (finish + dt.timedelta(days=90)).isoformat()
    )
    page.locator("#id_account_manager").select_option(str(account_manager.pk))
    page.locator("#id_planned_start").fill(start.isoformat())
    page.locator("#id_planned_finish").fill(finish.isoformat())
    page.locator("#id_description").fill("不动产登记系统升级改造，含数据迁移与三年运维。")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("status-badge").first).to_have_text("草稿")
    project = Project.objects.get(contract_number=CONTRACT)
    assert project.number in ("", None) and project.pm is None
    expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/$"))

    # and records what the contract delivers, on the contract page
    page.get_by_test_id("tab-contract").click()
    expect(page.get_by_test_id("contract-facts")).to_contain_text(CONTRACT)
    deliverable = page.get_by_test_id("deliverable-form")
    deliverable.locator("[name=name]").fill("不动产登记信息系统（升级版）")
    deliverable.locator("[name=quantity]").fill("1")
    deliverable.locator("[name=unit]").fill("套")
    deliverable.locator("[name=description]").fill("含源代码、部署文档与用户手册。")
    page.get_by_test_id("deliverable-add").click()
    expect(page.get_by_test_id("deliverables")).to_contain_text("不动产登记信息系统（升级版）")
    assert project.deliverables.count() == 1

    # --- 2. PM appointment (R2): the PMO asks the department to nominate -----------------------
    page.get_by_test_id("tab-overview").click()
    page.get_by_test_id("nomination-start").click()
    expect(page.get_by_test_id("nomination-state")).to_have_attribute("data-status", "open")

    # the department head nominates a PM of the department, which starts the appointment
    sign_in(page, base, head.username)
    page.get_by_role("link", name="项目", exact=True).click()
    page.get_by_test_id("project-table").get_by_role("link", name=NAME).click()
    page.locator("select[name=pm]").select_option(str(pm.pk))
    page.locator("input[name=short_name]").fill("不动产登记升级")
    page.get_by_test_id("appoint").click()
    expect(page).to_have_url(re.compile(r"/approvals/\d+/$"))
    appointment = ApprovalRequest.objects.get(project=project, chain__code="pm_appointment")

    # the head's own step is skipped (they asked); the account manager and the PMO decide
    deciders = decide_all(page, base, appointment)
    assert deciders == [account_manager.username, pmo_admin]
    project.refresh_from_db()
    assert project.pm == pm and project.number

    # --- 3. The PM writes the initiation materials (R3) ----------------------------------------
    sign_in(page, base, pm.username)
    page.goto(f"{base}/projects/{project.pk}/")
    expect(page.get_by_role("heading", name=re.compile(re.escape(NAME)))).to_be_visible()
    expect(page.get_by_test_id("members")).to_contain_text(str(pm))
    page.get_by_test_id("tab-contract").click()
    expect(page.get_by_test_id("project-number")).to_contain_text(project.number)
    page.get_by_test_id("tab-initiation").click()
    application = page.get_by_test_id("initiation-form")
    application.locator("[name=background]").fill(
        "原不动产登记系统建于2016年，已不能满足一窗受理要求。"
    )
    application.locator("[name=goals]").fill("按合同工期完成升级并通过初验、终验。")
    application.locator("[name=scope]").fill("登记业务子系统、数据迁移、接口改造、培训与运维。")
    application.locator("[name=expected_benefits]").fill("合同收入186万元，带动后续运维服务。")
    application.locator("[name=risks]").fill("历史数据质量不一，迁移工作量可能超出预期。")
    page.get_by_test_id("initiation-save").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(application.locator("[name=goals]")).to_have_value(
        "按合同工期完成升级并通过初验、终验。"
    )

    milestone = page.get_by_test_id("milestone-form")
    milestone.locator("[name=name]").fill("系统上线试运行")
    milestone.locator("[name=planned_on]").fill((finish - dt.timedelta(days=45)).isoformat())
    milestone.locator("[name=work_products]").fill("上线确认单\n试运行报告")
    page.get_by_test_id("milestone-add").click()
    expect(page.get_by_test_id("milestones")).to_contain_text("系统上线试运行")
    expect(page.get_by_test_id("milestones")).to_contain_text("试运行报告")

    # two purchase lines: 2 × 85,000.00 + 4 × 12,500.50 = 220,002.00
    page.get_by_test_id("tab-purchase").click()
    delivery = (today + dt.timedelta(days=30)).isoformat()
    for item, spec, quantity, unit, price, supplier in (
        ("数据库服务器", "2×32核/512GB/8×1.92TB SSD", "2", "台", "85000.00", "浪潮"),
        ("万兆交换机", "48口万兆电口", "4", "台", "12500.50", "华为"),
    ):
        add = page.get_by_test_id("purchase-add-form")
        add.locator("[name=item]").fill(item)
        add.locator("[name=specification]").fill(spec)
        add.locator("[name=quantity]").fill(quantity)
        add.locator("[name=unit]").fill(unit)
        add.locator("[name=unit_price]").fill(price)
        add.locator("[name=supplier]").fill(supplier)
        add.locator("[name=delivery_on]").fill(delivery)
        page.get_by_test_id("purchase-add").click()
        expect(page.get_by_test_id("purchase-lines")).to_contain_text(item)
    expect(page.get_by_test_id("purchase-line")).to_have_count(2)
    expect(page.get_by_test_id("purchase-amount").nth(1)).to_have_text("¥50,002.00")
    expect(page.get_by_test_id("purchase-total")).to_have_text("¥220,002.00")

    # the cost budget: labour in the first two months, travel in the first
    # = 60,000.00 + 60,000.50 + 8,000.00 = 128,000.50; the page adds up as it is typed
    page.get_by_test_id("tab-budget").click()
    first, second = _month(signed), _month(signed, 1)
    page.get_by_test_id(f"cell-labour-{first}").fill("60000")
    page.get_by_test_id(f"cell-labour-{second}").fill("60000.50")
    page.get_by_test_id(f"cell-travel-{first}").fill("8000")
    expect(page.get_by_test_id("row-total-labour")).to_have_text("120,000.50")
    expect(page.get_by_test_id("grand-total")).to_have_text("128,000.50")
    page.get_by_test_id("budget-total-input").fill("128000.50")
    page.get_by_test_id("budget-save").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(page.get_by_test_id("budget-problems")).to_have_count(0)
    expect(page.get_by_test_id("grand-total")).to_have_text("128,000.50")
    expect(page.get_by_test_id("column-total-0")).to_have_text("68,000.00")

    # the initiation page has everything: purchases plus costs make the preliminary budget
    page.get_by_test_id("tab-initiation").click()
    expect(page.get_by_test_id("initiation-ready")).to_be_visible()
    money = page.get_by_test_id("initiation-money")
    expect(money.get_by_test_id("purchase-total")).to_have_text("¥220,002.00")
    expect(money.get_by_test_id("budget-total")).to_have_text("¥128,000.50")
    expect(money.get_by_test_id("preliminary-budget")).to_have_text("¥348,002.50")

    # and the PM submits it for initiation review from the project page
    page.get_by_test_id("tab-overview").click()
    page.get_by_test_id("transition-submit").click()
    expect(page.get_by_test_id("status-badge").first).to_have_text("立项评审")

    # --- 4. PMO, commerce (purchase checks), review board (scores), president -----------------
    initiation = ApprovalRequest.objects.get(project=project, chain__code="initiation")
    deciders = decide_all(page, base, initiation)
    assert deciders[:2] == ["hejing", "songjia"] and deciders[-1] == "zhouzhiming"
    assert sorted(deciders[2:-1]) == sorted(
        ["gaofeng", "huangzhiqiang", "wujuan", account_manager.username]
    )
    project.refresh_from_db()
    assert project.status == Status.APPROVED
    board = ApprovalTask.objects.filter(
        request=initiation, status=TaskStatus.APPROVED, step__form="review_scores"
    )
    assert board.count() == 4 and all(set(t.answers.values()) == {4} for t in board)

    # the PM sees the review board's scorecard and commerce's check on the initiation page
    sign_in(page, base, pm.username)
    page.goto(f"{base}/projects/{project.pk}/initiation/")
    scorecard = page.get_by_test_id("scorecard")
    expect(scorecard).to_be_visible()
    expect(scorecard.locator("tbody tr")).to_have_count(4)
    for row in range(4):
        expect(scorecard.locator("tbody tr").nth(row).locator("td").last).to_have_text("20")
    expect(scorecard.locator("tfoot")).to_contain_text("20")
    expect(scorecard).to_contain_text("宋佳")

    # --- 5. Planning: the implementation plan and its countersign (R4) ------------------------
    page.get_by_test_id("tab-overview").click()
    page.get_by_test_id("transition-start_planning").click()
    expect(page.get_by_test_id("status-badge").first).to_have_text("规划")
    page.get_by_test_id("transition-start_execution").click()
    expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/plan/$"))
    expect(page.get_by_test_id("plan-milestones")).to_contain_text("系统上线试运行")
    expect(page.locator("[data-testid^=plan-input-]")).to_have_count(len(SECTION_CODES))
    for code in SECTION_CODES:
        page.get_by_test_id(f"plan-input-{code}").fill(f"{code}：按合同与立项评审意见组织实施。")
    page.get_by_test_id("plan-save").click()
    expect(page.get_by_test_id("plan-version")).to_have_text(re.compile("1"))
    page.get_by_test_id("plan-submit").click()
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "in_review")
    project.refresh_from_db()
    assert project.status == Status.PLANNING

    plan = ApprovalRequest.objects.get(project=project, chain__code="implementation_plan")
    deciders = decide_all(page, base, plan)
    assert set(deciders) == {"hejing", "guojun", "caoying", head.username, "songjia", "zhouzhiming"}

    sign_in(page, base, pm.username)
    page.goto(f"{base}/projects/{project.pk}/")
    expect(page.get_by_test_id("status-badge").first).to_have_text("实施")
    project.refresh_from_db()
    assert project.status == Status.EXECUTING

    # --- 6. The printed initiation application is a real A4 document --------------------------
    page.goto(f"{base}/projects/{project.pk}/initiation/print/")
    expect(page.get_by_text(NAME).first).to_be_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) > 1, "one A4 page is too short"
