"""Who hears about what: action item owners, the minutes' recipients (R15), the overdue sweep
and the "my action items" selector behind the home page card."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from epm.core.models import Notification
from epm.core.sweep import registered, run_sweep
from epm.projects.rules import visible_projects
from epm.registers import services
from epm.registers.selectors import my_action_items
from epm.registers.sweeps import remind_overdue_action_items

from .conftest import HELD

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def inbox(user, kind: str | None = None) -> list[Notification]:
    qs = Notification.objects.filter(recipient=user).order_by("id")
    return list(qs.filter(kind=kind) if kind else qs)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a service as if its transaction committed: its notifications are sent."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def meeting(company, make_meeting, commit):
    """A draft kickoff whose action item (owned by company.member) was announced."""
    return commit(
        make_meeting,
        items=[{"title": "提交需求调研计划", "owner_id": company.member.pk, "due_on": HELD}],
    )


class TestOwnerNotifications:
    def test_new_item_goes_to_its_owner_once(self, company, meeting, commit):
        [note] = inbox(company.member, "registers.action_item")
        item = meeting.action_items.get()
        assert "提交需求调研计划" in note.title
        assert note.url == f"/projects/{meeting.project_id}/meetings/{meeting.pk}/"
        assert note.dedupe_key == services.action_item_key(item.pk, company.member.pk)
        # the PM adding an item for themself gets no note about it
        commit(
            services.action_item_add,
            actor=company.pm,
            meeting=meeting,
            title="自己的",
            owner_id=company.pm.pk,
            due_on=HELD,
        )
        assert inbox(company.pm, "registers.action_item") == []

    def test_reassigned_item_goes_to_the_new_owner(self, company, meeting, commit):
        item = meeting.action_items.get()
        commit(services.action_item_update, actor=company.pmo, item=item, owner_id=company.pm.pk)
        assert len(inbox(company.pm, "registers.action_item")) == 1
        commit(services.action_item_update, actor=company.pmo, item=item, title="改名")
        commit(
            services.action_item_update, actor=company.pmo, item=item, owner_id=company.member.pk
        )
        assert len(inbox(company.member, "registers.action_item")) == 1  # same item, same owner

    def test_a_refused_meeting_tells_nobody(self, company, make_meeting, commit):
        from epm.core.errors import ApplicationError

        with pytest.raises(ApplicationError):
            commit(
                make_meeting,
                items=[
                    {"title": "a", "owner_id": company.member.pk, "due_on": HELD},
                    {"title": "", "owner_id": company.member.pk, "due_on": HELD},
                ],
            )
        assert inbox(company.member) == []


class TestMinutesDistribution:
    def test_published_minutes_go_to_attendees_am_head_and_pmo(self, company, make_meeting, commit):
        meeting = commit(make_meeting, attendee_ids=[company.member.pk, company.pm.pk])
        commit(services.meeting_publish, actor=company.pm, meeting=meeting)
        told = set(
            Notification.objects.filter(kind="registers.minutes_published").values_list(
                "recipient__username", flat=True
            )
        )
        # R15: account manager, the PM's department head, the PMO; plus the attendees; the
        # publisher is not told what they just did.
        assert told == {"member", "am", "head", "pmo", "pmostaff"}

    def test_a_correction_is_sent_again(self, company, meeting, commit):
        commit(services.meeting_publish, actor=company.pm, meeting=meeting)
        commit(
            services.meeting_update,
            actor=company.pmo,
            meeting=meeting,
            minutes="更正",
            reason="笔误",
        )
        [note] = inbox(company.pm, "registers.minutes_corrected")
        assert meeting.title in note.title


class TestMyActionItems:
    def test_open_items_i_own_soonest_first_with_overdue(self, company, meeting, commit):
        later = commit(
            services.action_item_add,
            actor=company.pm,
            meeting=meeting,
            title="稍后",
            owner_id=company.member.pk,
            due_on=HELD + dt.timedelta(days=30),
        )
        done = commit(
            services.action_item_add,
            actor=company.pm,
            meeting=meeting,
            title="已做",
            owner_id=company.member.pk,
            due_on=HELD,
        )
        commit(services.action_item_complete, actor=company.member, item=done)
        items = my_action_items(company.member, today=HELD + dt.timedelta(days=1))
        assert [i.title for i in items] == ["提交需求调研计划", "稍后"]
        assert [i.overdue for i in items] == [True, False]
        assert items[1].pk == later.pk
        assert my_action_items(company.pm) == []

    def test_items_of_finished_or_invisible_projects_are_left_out(self, company, meeting, walk):
        assert len(my_action_items(company.member)) == 1
        walk(meeting.project, "cancel")
        assert my_action_items(company.member) == []
        assert visible_projects(company.member).filter(pk=meeting.project_id).exists()


class TestOverdueSweep:
    def test_registered(self):
        assert "registers.action_items_overdue" in registered()

    def test_fires_once_when_overdue_across_repeated_sweeps(self, company, meeting):
        item = meeting.action_items.get()
        due = item.due_on
        # not yet: the due day itself (company time)
        assert remind_overdue_action_items(at(due, 23)) == 0
        # the day after, in Shanghai, even though it is still the due day in UTC
        first = at(due + dt.timedelta(days=1), 1)
        assert first.astimezone(dt.UTC).date() == due
        assert remind_overdue_action_items(first) == 1
        assert remind_overdue_action_items(first) == 0
        assert run_sweep(at(due + dt.timedelta(days=2)))["registers.action_items_overdue"] == 0
        [note] = inbox(company.member, "registers.action_item_overdue")
        assert "提交需求调研计划" in note.title and due.isoformat() in note.title

    def test_done_items_are_not_reminded_and_a_postponed_item_is_again(
        self, company, meeting, commit
    ):
        item = meeting.action_items.get()
        later = at(HELD + dt.timedelta(days=40))
        commit(services.action_item_complete, actor=company.member, item=item)
        assert remind_overdue_action_items(later) == 0
        commit(services.action_item_reopen, actor=company.pm, item=item)
        assert remind_overdue_action_items(later) == 1
        commit(
            services.action_item_update, actor=company.pm, item=item, due_on=HELD + dt.timedelta(20)
        )
        assert remind_overdue_action_items(later) == 1
        assert remind_overdue_action_items(later) == 0
        assert len(inbox(company.member, "registers.action_item_overdue")) == 2
