"""Exactly once, under real concurrency: two database sessions deciding at the same moment.

Each race runs two threads (Django gives each thread its own connection) released together by a
barrier. The request row lock is held a little longer than usual (`_lock_request` sleeps after
locking), so without that lock both threads would read the same "pending" state and both would
succeed; with it, the second waits and is told what happened instead.

PostgreSQL only: SQLite serialises whole transactions, which proves nothing about row locks.
Run with EPM_TEST_DATABASE_URL=postgresql://…
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from epm.approvals import services
from epm.approvals.models import (
    Action,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalTask,
    RequestStatus,
    StepStatus,
    TaskStatus,
)
from epm.core.errors import ApplicationError
from epm.core.models import AuditEvent, Notification, User
from epm.projects.models import Project, Status

from .engine_helpers import save_chain, step, steps_of, submit, task_for, users

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="real row locks need PostgreSQL"
    ),
]

ITERATIONS = 5
HOLD_LOCK = 0.05  # seconds the winner keeps the request row locked before going on


@pytest.fixture
def slow_lock(monkeypatch):
    real = services._lock_request

    def lock_and_linger(request_id: int):
        request = real(request_id)
        time.sleep(HOLD_LOCK)
        return request

    monkeypatch.setattr(services, "_lock_request", lock_and_linger)


@pytest.fixture
def world(reference_data, company, make_project, slow_lock):
    """The company, and a way to make a fresh draft project for each race."""
    count = {"n": 0}

    def new_project() -> Project:
        count["n"] += 1
        return make_project(name=f"并发项目{count['n']}", appoint=False)

    company.new_project = new_project
    return company


def race(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run the calls at the same moment, each in its own thread and database connection.
    Returns, per call, ("ok", result), (error code, ApplicationError) or ("crash", exception)."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, Any]] = [("crash", None)] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            User.objects.exists()  # open this thread's connection before the start line
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except ApplicationError as exc:
            results[index] = (exc.code, exc)
        except BaseException as exc:  # reported by the assertion below
            results[index] = ("crash", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racer hung"
    assert all(code != "crash" for code, _ in results), results
    return results


def outcome(results: list[tuple[str, Any]]) -> tuple[int, list[ApplicationError]]:
    """How many succeeded, and the errors of the others."""
    return sum(code == "ok" for code, _ in results), [r for c, r in results if c != "ok"]


def approve(user, task_id: int) -> Callable[[], ApprovalRequest]:
    return lambda: services.task_approve(actor=user, task_id=task_id, comment="同意")


def count(request: ApprovalRequest, action: str) -> int:
    return ApprovalEvent.objects.filter(request=request, action=action).count()


def cancel_audits(project: Project) -> int:
    return AuditEvent.objects.filter(
        action="project.cancel", target_type="projects.project", target_id=str(project.pk)
    ).count()


def test_two_approvers_of_an_any_step_closing_the_request(transactional_db, world):
    # an any-one step (或签) of the head and the president is the whole chain: the winner's
    # approval cancels the project, exactly once
    chain = save_chain(
        world.pmo, "race-last", [step("或签", [users(world.head), users(world.president)])]
    )
    for _ in range(ITERATIONS):
        project = world.new_project()
        request = submit(chain, project, world.pmo)
        head_task = task_for(request, world.head)
        president_task = task_for(request, world.president)

        results = race(
            approve(world.head, head_task.pk), approve(world.president, president_task.pk)
        )

        successes, errors = outcome(results)
        assert successes == 1, results
        (error,) = errors
        assert error.code in ("already_decided", "request_closed") and error.status == 409
        request.refresh_from_db()
        assert request.status == RequestStatus.APPROVED
        assert count(request, Action.APPROVE) == 1
        assert ApprovalTask.objects.filter(request=request, status=TaskStatus.APPROVED).count() == 1
        assert Project.objects.get(pk=project.pk).status == Status.CANCELLED
        assert cancel_audits(project) == 1


def test_two_approvers_of_an_any_step_with_a_step_after_it(transactional_db, world):
    # the step after the race starts once, and the loser is told who decided
    chain = save_chain(
        world.pmo,
        "race-first",
        [
            step("或签", [users(world.head), users(world.president)]),
            step("财务", [users(world.finance)]),
        ],
    )
    for _ in range(ITERATIONS):
        request = submit(chain, world.new_project(), world.pmo)
        head_task = task_for(request, world.head)
        president_task = task_for(request, world.president)
        Notification.objects.filter(recipient=world.finance).delete()

        results = race(
            approve(world.head, head_task.pk), approve(world.president, president_task.pk)
        )

        successes, errors = outcome(results)
        assert successes == 1, results
        (error,) = errors
        assert (error.code, error.status) == ("already_decided", 409)
        winner = ApprovalTask.objects.get(request=request, status=TaskStatus.APPROVED)
        assert str(winner.assignee) in error.message
        assert count(request, Action.APPROVE) == 1
        first, second = steps_of(request)
        assert first.status == StepStatus.APPROVED
        assert second.status == StepStatus.ACTIVE
        assert ApprovalTask.objects.filter(step=second, status=TaskStatus.PENDING).count() == 1
        # the next approver was asked once
        assert (
            Notification.objects.filter(recipient=world.finance, kind="approval.task").count() == 1
        )


def test_a_double_click(transactional_db, world):
    chain = save_chain(
        world.pmo,
        "race-double",
        [step("部门确认", [users(world.head)]), step("总裁", [users(world.president)])],
    )
    for _ in range(ITERATIONS):
        request = submit(chain, world.new_project(), world.pmo)
        task = task_for(request, world.head)

        results = race(approve(world.head, task.pk), approve(world.head, task.pk))

        successes, errors = outcome(results)
        assert successes == 1, results
        (error,) = errors
        assert (error.code, error.status) == ("already_decided", 409)
        assert count(request, Action.APPROVE) == 1
        assert (
            ApprovalTask.objects.filter(
                request=request, assignee=world.president, status=TaskStatus.PENDING
            ).count()
            == 1
        )


def test_a_double_click_on_the_last_decision(transactional_db, world):
    chain = save_chain(world.pmo, "race-double-last", [step("部门确认", [users(world.head)])])
    for _ in range(ITERATIONS):
        project = world.new_project()
        request = submit(chain, project, world.pmo)
        task = task_for(request, world.head)

        results = race(approve(world.head, task.pk), approve(world.head, task.pk))

        successes, errors = outcome(results)
        assert successes == 1, results
        assert errors[0].code in ("already_decided", "request_closed")
        assert count(request, Action.APPROVE) == 1
        assert cancel_audits(project) == 1


def test_a_withdrawal_racing_an_approval(transactional_db, world):
    chain = save_chain(
        world.pmo,
        "race-withdraw",
        [step("部门确认", [users(world.head)]), step("总裁", [users(world.president)])],
    )
    winners = []
    for _ in range(ITERATIONS):
        project = world.new_project()
        request = submit(chain, project, world.pmo)
        task = task_for(request, world.head)

        results = race(
            approve(world.head, task.pk),
            lambda request=request: services.request_withdraw(
                actor=world.pmo, request_id=request.pk
            ),
        )

        successes, errors = outcome(results)
        assert successes == 1, results
        (error,) = errors
        request.refresh_from_db()
        open_tasks = ApprovalTask.objects.filter(
            request=request, status__in=[TaskStatus.WAITING, TaskStatus.PENDING]
        )
        if results[0][0] == "ok":  # the approval came first: too late to withdraw
            winners.append("approve")
            assert (error.code, error.status) == ("already_decided", 409)
            assert request.status == RequestStatus.PENDING
            assert (count(request, Action.APPROVE), count(request, Action.WITHDRAW)) == (1, 0)
            assert [t.assignee for t in open_tasks] == [world.president]
        else:  # the withdrawal came first: nothing left to approve
            winners.append("withdraw")
            assert (error.code, error.status) == ("request_closed", 409)
            assert request.status == RequestStatus.WITHDRAWN
            assert (count(request, Action.APPROVE), count(request, Action.WITHDRAW)) == (0, 1)
            assert not open_tasks.exists()
        assert Project.objects.get(pk=project.pk).status == Status.DRAFT
    assert len(winners) == ITERATIONS
