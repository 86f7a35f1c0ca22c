"""Notifications: an in-app inbox row per recipient, an email copy through the task queue.

`notify` is safe to call from a sweep that runs twice: a (recipient, dedupe_key) pair is
delivered once, enforced by a unique constraint rather than a check-then-insert.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django_tasks import task

from .models import Notification, User

# A notification text: a string, a lazy translation, or a callable rendering it (see `notify`).
Text = str | Promise | Callable[[], str]


def notify(
    *,
    recipients: Iterable[User | None],
    kind: str,
    title: Text,
    dedupe_key: str,
    body: Text = "",
    url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Create one notification per distinct active recipient; returns those created now.

    `title` and `body` are rendered in each recipient's language: pass a lazy translation, or a
    callable for text with placeholders (`lambda: gettext("%(p)s is late") % {...}`), because
    formatting a lazy string renders it at once, in the sender's language.
    """
    created: list[Notification] = []
    ids = {user.pk for user in recipients if user is not None}
    # Read recipients afresh: someone deactivated a moment ago gets nothing.
    for user in User.objects.filter(pk__in=ids, is_active=True).order_by("pk"):
        with translation.override(user.language or settings.LANGUAGE_CODE):
            rendered_title, rendered_body = _render(title)[:200], _render(body)
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    recipient=user,
                    kind=kind,
                    title=rendered_title,
                    body=rendered_body,
                    url=url,
                    dedupe_key=dedupe_key,
                )
        except IntegrityError:
            continue  # already delivered by an earlier run
        created.append(note)
        if email and user.email:
            transaction.on_commit(partial(send_notification_email.enqueue, notification_id=note.pk))
    return created


def _render(text: Text) -> str:
    return text() if callable(text) else str(text)


@task()
def send_notification_email(*, notification_id: int) -> None:
    """Email one notification, once.

    The row is claimed with a conditional update (no transaction is held while the mail server
    answers, which on SQLite would block every other write); a failed send releases the claim
    so a retry can send it.
    """
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return
    note = Notification.objects.select_related("recipient").get(pk=notification_id)
    if not note.recipient.email:
        return
    body = note.body
    if note.url:
        body = f"{body}\n\n{urljoin(settings.EPM_BASE_URL, note.url)}".strip()
    try:
        send_mail(
            subject=f"[OpenEPM] {note.title}",
            message=body,
            from_email=None,
            recipient_list=[note.recipient.email],
        )
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox(user: User):
    return Notification.objects.filter(recipient=user)


def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark some (or, with None, all) of the user's notifications read; returns how many."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())
