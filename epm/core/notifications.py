"""Notifications: an in-app inbox row per recipient, an email copy through the task queue.

`notify` is safe to call from a sweep that runs twice: a (recipient, dedupe_key) pair is
delivered once, enforced by a unique constraint rather than a check-then-insert.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django_tasks import task

from .models import Notification, User


def notify(
    *,
    recipients: Iterable[User | None],
    kind: str,
    title,
    dedupe_key: str,
    body="",
    url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Create one notification per distinct active recipient; returns those created now.

    `title` and `body` may be lazy translations: each is rendered in the recipient's language.
    """
    created: list[Notification] = []
    ids = {user.pk for user in recipients if user is not None}
    # Read recipients afresh: someone deactivated a moment ago gets nothing.
    for user in User.objects.filter(pk__in=ids, is_active=True).order_by("pk"):
        with translation.override(user.language or settings.LANGUAGE_CODE):
            rendered_title, rendered_body = str(title)[:200], str(body)
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
            transaction.on_commit(
                lambda pk=note.pk: send_notification_email.enqueue(notification_id=pk)
            )
    return created


@task()
def send_notification_email(*, notification_id: int) -> None:
    """Email one notification, once: a retried task finds `emailed_at` set and does nothing."""
    with transaction.atomic():
        note = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if note is None or not note.recipient.email:
            return
        body = note.body
        if note.url:
            body = f"{body}\n\n{urljoin(settings.EPM_BASE_URL, note.url)}".strip()
        send_mail(
            subject=f"[OpenEPM] {note.title}",
            message=body,
            from_email=None,
            recipient_list=[note.recipient.email],
        )
        note.emailed_at = timezone.now()
        note.save(update_fields=["emailed_at"])


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
