"""Steps the browser tests share: signing in as a demo person, and deciding an approval request
the way each approver does it (inbox → request page → step form, if any → approve)."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from epm.approvals.models import ApprovalRequest, ApprovalTask, RequestStatus, TaskStatus
from epm.core.demo import DEMO_PASSWORD

SCORE = "4"  # what every reviewer gives each criterion of a score form (1–5)


def sign_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.get_by_label("登录名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_text("我的项目")).to_be_visible()


def fill_step_form(approve_form: Locator) -> bool:
    """Answer the step form of an approval, if the step asks for one: score SCORE on every
    score (by clicking its button label, as a person does), tick every check, write every text.
    Returns whether there was a form."""
    step_form = approve_form.get_by_test_id("step-form")
    if step_form.count() == 0:
        return False
    scores = step_form.locator(f"input[type=radio][value='{SCORE}']")
    for i in range(scores.count()):
        radio = scores.nth(i)
        step_form.locator(f"label[for='{radio.get_attribute('id')}']").click()
        expect(radio).to_be_checked()
    checks = step_form.locator("input[type=checkbox]")
    for i in range(checks.count()):
        checks.nth(i).check()
    texts = step_form.locator("textarea")
    for i in range(texts.count()):
        texts.nth(i).fill("符合要求。")
    return True


def decide_all(page: Page, base: str, request: ApprovalRequest) -> list[str]:
    """Every approver the engine asks signs in, opens the request from their inbox, fills in
    the step's form when it has one and approves, until the request is finished; returns who
    decided, in order."""
    deciders: list[str] = []
    for _ in range(20):
        request.refresh_from_db()
        if request.status != RequestStatus.PENDING:
            break
        task = (
            ApprovalTask.objects.filter(request=request, status=TaskStatus.PENDING)
            .select_related("assignee")
            .order_by("pk")
            .first()
        )
        assert task is not None, "a pending request always has someone to decide"
        username = task.assignee.username
        sign_in(page, base, username)
        page.get_by_test_id("approvals-link").click()
        inbox = page.get_by_test_id("inbox-table")
        inbox.get_by_role("link", name=request.title).click()
        expect(page.get_by_test_id("summary")).to_contain_text(request.project.name)
        approve_form = page.get_by_test_id(f"decision-{task.pk}").get_by_test_id("form-approve")
        had_form = fill_step_form(approve_form)
        approve_form.locator("textarea[name=comment]").fill(f"{username}：同意。")
        approve_form.get_by_test_id("approve").click()
        expect(page.get_by_role("alert").first).to_be_visible()
        task.refresh_from_db()
        assert task.status == TaskStatus.APPROVED and task.decided_by == task.assignee, (
            f"{username} could not approve: {page.get_by_role('alert').first.inner_text()}"
        )
        if had_form:
            assert task.answers, f"{username}'s step form answers were not stored"
        deciders.append(username)
    return deciders
