"""Exactly once, under real concurrency: two database sessions deciding at the same moment.

Each race runs two threads (Django gives each thread its own connection) released together by a
barrier. The request row lock is held a little longer than usual (`_lock_request` sleeps after
locking), so without that lock both threads would read the same "pending" state and both would
succeed; with it, the second waits and is told what happened instead.

The later races cross the seams: a final approval against a project transition of the same
project (both lock the project row first, so they serialise instead of deadlocking), the SLA sweep
against the approver, and two approvers over real HTTP through the live server.

PostgreSQL only: SQLite serialises whole transactions, which proves nothing about row locks.
Run with EPM_TEST_DATABASE_URL=postgresql://…
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone, translation

from epm.approvals import services
from epm.approvals.models import (
    Action,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalTask,
    RequestStatus,
    RequestStep,
    StepStatus,
    TaskStatus,
)
from epm.core.errors import ApplicationError
from epm.core.models import AuditEvent, Notification, User
from epm.core.services import api_token_create
from epm.projects.gates import TRANSITION_KIND
from epm.projects.lifecycle import transition_by_code
from epm.projects.models import Project, Status
from epm.projects.services import project_transition

from .engine_helpers import save_chain, step, steps_of, submit, task_for, users

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="real row locks need PostgreSQL"
    ),
]

ITERATIONS = 5
HOLD_LOCK = 0.05  # seconds the winner keeps the request row locked before going on


def _lingering(lock: Callable[[int], ApprovalRequest]) -> Callable[[int], ApprovalRequest]:
    def lock_and_linger(request_id: int) -> ApprovalRequest:
        request = lock(request_id)
        time.sleep(HOLD_LOCK)
        return request

    return lock_and_linger


@pytest.fixture
def slow_lock(monkeypatch):
    monkeypatch.setattr(services, "_lock_request", _lingering(services._lock_request))


@contextlib.contextmanager
def slow_locks() -> Iterator[None]:
    """`slow_lock` for one race only: setting a project up walks it through many approvals."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "_lock_request", _lingering(services._lock_request))
        yield


@pytest.fixture
def world(reference_data, company, make_project, slow_lock):
    """The company, and a way to make a fresh draft project for each race."""
    count = {"n": 0}

    def new_project() -> Project:
        count["n"] += 1
        return make_project(name=f"并发项目{count['n']}", appoint=False)

    company.new_project = new_project
    return company


Ahead = tuple[int, float] | None


def race(*calls: Callable[[], Any], ahead: Ahead = None) -> list[tuple[str, Any]]:
    """Run the calls at the same moment, each in its own thread and database connection.
    Returns, per call, ("ok", result), (error code, ApplicationError) or ("crash", exception).

    `ahead=(i, seconds)` starts call i that much before the others, so that a race whose
    natural winner is always the same is also seen the other way round."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, Any]] = [("crash", None)] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            User.objects.exists()  # open this thread's connection before the start line
            barrier.wait(timeout=10)
            if ahead is not None and index != ahead[0]:
                time.sleep(ahead[1])
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


def starts(lead: float = HOLD_LOCK / 2) -> list[Ahead]:
    """One start per iteration: together, the first call ahead, the second ahead, together, …"""
    return [[None, (0, lead), (1, lead)][i % 3] for i in range(ITERATIONS)]


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


# --- A final approval against a project transition of the same project -------------------------


@pytest.fixture
def lifecycle(reference_data, company, make_project, walk):
    """The company, and a way to make an appointed project and walk it (through every approval
    on the way) into execution and on along `codes`."""
    count = {"n": 0}

    def project_in(*codes: str) -> Project:
        count["n"] += 1
        project = make_project(name=f"并发生命周期{count['n']}")
        return walk(
            project, "submit", "approve_initiation", "start_planning", "start_execution", *codes
        )

    company.project_in = project_in
    return company


def ask(project: Project, code: str, actor: User) -> ApprovalRequest:
    """Ask for the gated step `code`; the request it starts."""
    project_transition(actor=actor, project=project, code=code, reason="并发测试")
    return ApprovalRequest.objects.get(
        project=project, status=RequestStatus.PENDING, payload__code=code
    )


def up_to_the_last_decision(request: ApprovalRequest) -> ApprovalTask:
    """Approve every step of the request but its last; the one task left to decide."""
    while True:
        pending = list(
            ApprovalTask.objects.filter(request=request, status=TaskStatus.PENDING)
            .select_related("assignee")
            .order_by("id")
        )
        if not RequestStep.objects.filter(request=request, status=StepStatus.WAITING).exists():
            (last,) = pending
            return last
        services.task_approve(actor=pending[0].assignee, task_id=pending[0].pk)


def move(user: User, project: Project, code: str) -> Callable[[], Project]:
    return lambda: project_transition(actor=user, project=project, code=code)


def moves(project: Project, code: str) -> int:
    return AuditEvent.objects.filter(
        action=f"project.{code}", target_type="projects.project", target_id=str(project.pk)
    ).count()


def says(error: ApplicationError, *words: str) -> None:
    """A 409 that tells the user, in words, why (in the language the racing thread spoke)."""
    assert error.status == 409, error
    for word in words:
        assert word in error.message, (word, error.message)


def status_label(obj: Project | ApprovalRequest) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(obj.get_status_display())


def assert_consistent(project: Project) -> None:
    """One resulting state, reached by a chain of moves; no request left waiting for a step the
    project can no longer take; no open task in a closed request."""
    project.refresh_from_db()
    changes = [
        event.changes["status"]
        for event in AuditEvent.objects.filter(
            target_type="projects.project", target_id=str(project.pk)
        ).order_by("id")
        if "status" in event.changes
    ]
    for (_, reached), (left, _) in itertools.pairwise(changes):
        assert reached == left, changes
    assert changes[-1][1] == project.status, changes
    template = project.project_type.lifecycle
    for request in ApprovalRequest.objects.filter(
        project=project,
        subject_kind=TRANSITION_KIND,
        status__in=[RequestStatus.PENDING, RequestStatus.RETURNED],
    ):
        transition = transition_by_code(template, request.payload["code"])
        assert transition is not None and project.status in transition.sources, (
            f"{request.title} is still {request.status} for a {project.status} project"
        )
    assert not (
        ApprovalTask.objects.filter(
            request__project=project, status__in=[TaskStatus.WAITING, TaskStatus.PENDING]
        )
        .exclude(request__status=RequestStatus.PENDING)
        .exists()
    )


def test_a_suspension_approved_while_the_pm_starts_closure(transactional_db, lifecycle):
    # In final acceptance the PM asked to suspend; as the department head approves the last step,
    # the PM starts closure (not gated). Whoever locks the project first wins; the other is told.
    # Locking the request before the project (the order the approval used to take) deadlocks:
    # the approval holds the request and waits for the project, the closure holds the project and
    # waits for the request to cancel it.
    for ahead in starts():
        project = lifecycle.project_in(
            "start_trial_run", "pass_initial_acceptance", "pass_final_acceptance"
        )
        assert project.status == Status.FINAL_ACCEPTANCE
        suspension = ask(project, "suspend", lifecycle.pm)
        last = up_to_the_last_decision(suspension)
        assert last.assignee == lifecycle.head

        with slow_locks():
            results = race(
                approve(lifecycle.head, last.pk),
                move(lifecycle.pm, project, "start_closure"),
                ahead=ahead,
            )

        (approval, approval_error), (closure, closure_error) = results
        suspension.refresh_from_db()
        project.refresh_from_db()
        if approval == "ok":  # suspended first: closure is no longer possible
            assert closure == "invalid_transition", results
            says(closure_error, status_label(project))
            assert (project.status, project.suspended_from) == (
                Status.SUSPENDED,
                Status.FINAL_ACCEPTANCE,
            )
            assert suspension.status == RequestStatus.APPROVED
            assert (moves(project, "suspend"), moves(project, "start_closure")) == (1, 0)
        else:  # closing first: the suspension it made pointless was cancelled
            assert (approval, closure) == ("request_closed", "ok"), results
            says(approval_error, status_label(suspension))
            assert project.status == Status.CLOSING
            assert suspension.status == RequestStatus.CANCELLED
            assert count(suspension, Action.CANCEL) == 1
            assert (moves(project, "suspend"), moves(project, "start_closure")) == (0, 1)
        assert ApprovalTask.objects.get(pk=last.pk).status == (
            TaskStatus.APPROVED if approval == "ok" else TaskStatus.CANCELLED
        )
        assert_consistent(project)


def test_a_suspension_and_a_cancellation_approved_at_once(transactional_db, lifecycle):
    # An executing project with a suspension (asked by the PM) and a cancellation (asked by the
    # PMO) both at their last step: the head and the president click at the same moment.
    # Cancelling first makes the suspension pointless (it is cancelled and its approver told);
    # suspending first leaves the cancellation possible, and it then cancels the project.
    for ahead in starts():
        project = lifecycle.project_in()
        assert project.status == Status.EXECUTING
        suspension = ask(project, "suspend", lifecycle.pm)
        cancellation = ask(project, "cancel", lifecycle.pmo)
        suspend_last = up_to_the_last_decision(suspension)
        cancel_last = up_to_the_last_decision(cancellation)
        assert (suspend_last.assignee, cancel_last.assignee) == (
            lifecycle.head,
            lifecycle.president,
        )

        with slow_locks():
            results = race(
                approve(lifecycle.head, suspend_last.pk),
                approve(lifecycle.president, cancel_last.pk),
                ahead=ahead,
            )

        (suspended, suspend_error), (cancelled, _) = results
        suspension.refresh_from_db()
        cancellation.refresh_from_db()
        project.refresh_from_db()
        assert cancelled == "ok", results
        assert cancellation.status == RequestStatus.APPROVED
        assert project.status == Status.CANCELLED
        assert moves(project, "cancel") == 1
        if suspended == "ok":  # suspended, then cancelled
            assert suspension.status == RequestStatus.APPROVED
            assert moves(project, "suspend") == 1
        else:
            assert suspended == "request_closed", results
            says(suspend_error, status_label(suspension))
            assert suspension.status == RequestStatus.CANCELLED
            assert moves(project, "suspend") == 0
            assert count(suspension, Action.APPROVE) == 1  # only the earlier step's
        assert_consistent(project)


def test_a_suspension_approved_while_the_pm_starts_the_trial_run(transactional_db, lifecycle):
    # A trial run may still be suspended, so a trial run taken first leaves the suspension to
    # apply (and remember the trial run); a suspension taken first refuses the trial run.
    for ahead in starts():
        project = lifecycle.project_in()
        suspension = ask(project, "suspend", lifecycle.pm)
        last = up_to_the_last_decision(suspension)

        with slow_locks():
            results = race(
                approve(lifecycle.head, last.pk),
                move(lifecycle.pm, project, "start_trial_run"),
                ahead=ahead,
            )

        (approval, _), (trial, trial_error) = results
        project.refresh_from_db()
        suspension.refresh_from_db()
        assert approval == "ok", results
        assert suspension.status == RequestStatus.APPROVED
        assert project.status == Status.SUSPENDED
        if trial == "ok":
            assert project.suspended_from == Status.TRIAL_RUN
        else:
            assert trial == "invalid_transition", results
            says(trial_error, status_label(project))
            assert project.suspended_from == Status.EXECUTING
        assert moves(project, "start_trial_run") == (trial == "ok")
        assert_consistent(project)


# --- The SLA sweep against the approver ----------------------------------------------------------


def test_the_sla_sweep_racing_a_decision(transactional_db, world):
    # The member's task is long overdue, and with no extra days before escalation one sweep both
    # reminds them and escalates to their head. The member decides at that moment: the sweep
    # either acted while the task was still pending (its events come before the approval) or
    # found it decided and did nothing. Either way, sweeping again does nothing more.
    chain = save_chain(
        world.pmo,
        "race-sla",
        [step("部门确认", [users(world.member)]), step("总裁", [users(world.president)])],
        escalate_after_days=0,
    )
    # together; the approver ahead; the sweep far enough ahead to remind and escalate first; …
    schedule: list[Ahead] = [None, (1, HOLD_LOCK / 2), (0, HOLD_LOCK * 4), (0, HOLD_LOCK / 2), None]
    for ahead in schedule[:ITERATIONS]:
        request = submit(chain, world.new_project(), world.pmo)
        task = task_for(request, world.member)
        now = timezone.now()
        due = now - dt.timedelta(days=30)
        ApprovalTask.objects.filter(pk=task.pk).update(
            due_at=due, activated_at=due - dt.timedelta(days=1)
        )
        Notification.objects.all().delete()

        results = race(
            lambda now=now: services.approvals_sla(now),
            approve(world.member, task.pk),
            ahead=ahead,
        )

        (swept, done), (decided, _) = results
        assert (swept, decided) == ("ok", "ok"), results
        task.refresh_from_db()
        assert task.status == TaskStatus.APPROVED
        (approval,) = ApprovalEvent.objects.filter(task=task, action=Action.APPROVE)
        reminders = list(ApprovalEvent.objects.filter(task=task, action=Action.REMIND))
        escalations = list(ApprovalEvent.objects.filter(task=task, action=Action.ESCALATE))
        assert done == len(reminders) + len(escalations)
        assert len(reminders) <= 1 and len(escalations) <= len(reminders)
        # whatever the sweep recorded, it recorded while the task was still pending
        assert all(event.pk < approval.pk for event in reminders + escalations)
        assert (task.reminded_at is not None) == bool(reminders)
        assert (task.escalated_at is not None) == bool(escalations)
        assert task.escalated_to == (world.head if escalations else None)
        overdue = Notification.objects.filter(kind="approval.overdue", recipient=world.member)
        escalated = Notification.objects.filter(kind="approval.escalated", recipient=world.head)
        assert (overdue.count(), escalated.count()) == (len(reminders), len(escalations))
        # the next step started normally, not yet overdue
        (next_task,) = ApprovalTask.objects.filter(request=request, status=TaskStatus.PENDING)
        assert next_task.assignee == world.president and next_task.due_at > now

        events = ApprovalEvent.objects.filter(request=request).count()
        assert services.approvals_sla(now) == 0
        assert services.approvals_sla(now + dt.timedelta(minutes=1)) == 0
        assert ApprovalEvent.objects.filter(request=request).count() == events
        assert (overdue.count(), escalated.count()) == (len(reminders), len(escalations))


# --- Real HTTP: two approvers through the live server --------------------------------------------


def post(url: str, secret: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST JSON with an API token, straight to the server (never through a proxy)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {secret}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_two_approvers_over_http(transactional_db, world, live_server):
    # The live server (a ThreadedWSGIServer) serves each request in its own thread with its own
    # database connection: the two approvals race exactly as two browsers would.
    chain = save_chain(
        world.pmo,
        "race-http",
        [
            step("或签", [users(world.head), users(world.president)]),
            step("财务", [users(world.finance)]),
        ],
    )
    secrets = {
        user.pk: api_token_create(user=user, name="并发测试")[1]
        for user in (world.head, world.president)
    }
    for ahead in starts():
        request = submit(chain, world.new_project(), world.pmo)
        tasks = {user.pk: task_for(request, user).pk for user in (world.head, world.president)}

        results = race(
            *(
                partial(
                    post,
                    f"{live_server.url}/api/v1/approvals/tasks/{tasks[user.pk]}/approve",
                    secrets[user.pk],
                    {"comment": "同意"},
                )
                for user in (world.head, world.president)
            ),
            ahead=ahead,
        )

        responses = [response for _, response in results]
        assert sorted(status for status, _ in responses) == [200, 409], responses
        (ok,) = [body for status, body in responses if status == 200]
        (refused,) = [body for status, body in responses if status == 409]
        assert ok["id"] == request.pk
        winner = ApprovalTask.objects.get(request=request, status=TaskStatus.APPROVED)
        loser = ApprovalTask.objects.get(
            request=request,
            step__index=0,
            assignee__in=[world.head, world.president],
            status=TaskStatus.CANCELLED,
        )
        assert refused["code"] == "already_decided", refused
        assert str(winner.decided_by) in refused["message"], refused
        assert str(loser.assignee) not in refused["message"], refused
        assert count(request, Action.APPROVE) == 1
        assert ApprovalEvent.objects.get(request=request, action=Action.APPROVE).actor == (
            winner.decided_by
        )
        first, second = steps_of(request)
        assert (first.status, second.status) == (StepStatus.APPROVED, StepStatus.ACTIVE)
