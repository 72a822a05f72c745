"""Notifications: writing them exactly once, delivering them by e-mail and SMS with retries, and
the inbox's reads and writes.

Every message is an in-app row first (``Notification``); e-mail and SMS are ``Delivery`` rows
beside it, sent by a task (queue ``deliveries``, enqueued through the outbox) that retries with
capped exponential backoff until the channel succeeds or the retry horizon
(``NOTIFY_RETRY_HORIZON_HOURS``) is over; then the row is ``failed`` with the reason, listed on
the office's delivery log with a retry button. A failing channel never touches the in-app row.

At-least-once without duplicates: a worker claims a batch (a lease), then for each row commits
``sending`` BEFORE the SMTP/SMS call and the outcome after it. A worker killed mid-call leaves
one row ``sending``; when its lease (``NOTIFY_SENDING_LEASE_SECONDS``) is over it is due again,
so a kill sends at most that one message twice, and loses none.

Who gets e-mail and SMS: active users only (an inactive login belongs to someone who cannot act
on it, and texting them costs money), e-mail when the user has an address, SMS to the user's
phone, else the phone of the cadre or aide record behind the login. The in-app row is written
for inactive logins too: it is the record that the warning was due, and it is waiting in the
inbox when the office activates the login.
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404

from baobao import clock
from baobao.batches import batched
from baobao.models import (
    DELIVERY_DUE_STATUSES,
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    User,
)
from baobao.outbox import outbox_enqueue
from baobao.sms import get_sms_backend

logger = logging.getLogger(__name__)

SEND_CHUNK = 500
DELIVERY_BATCH = 100
# After this many failures in a row, a channel is not tried again in the same run.
CHANNEL_BREAKER = 3
# The task that sends what is due, by name (a service never imports a tasks module).
DELIVERY_TASK = "baobao.tasks.deliveries_send"
INBOX_PAGE = 30


@dataclass(frozen=True)
class NotificationRow:
    """A message to write: ``recipient`` is a User loaded with ``cadre`` and ``aide``."""

    recipient: User
    kind: str
    title: str
    body: str
    link: str
    key: str


def notification_key(kind: str, recipient_id: int, subject: str, period: str) -> str:
    """The deterministic identity of a message: the same warning about the same thing for the
    same period always has the same key."""
    return f"{kind}:{recipient_id}:{subject}:{period}"


def recipients_queryset():
    """Users with what ``NotificationRow`` reads to address them, in the same query."""
    return User.objects.select_related("cadre", "aide")


def _addresses(user: User) -> dict[str, str]:
    if not user.is_active:
        return {}
    phone = user.phone or (user.cadre.phone if user.cadre_id else "")
    phone = phone or (user.aide.phone if user.aide_id else "")
    found = {Channel.EMAIL: user.email, Channel.SMS: phone}
    return {channel: address for channel, address in found.items() if address}


def notifications_send(
    rows: Iterable[NotificationRow],
    *,
    now: datetime.datetime | None = None,
    channels: Iterable[str] | None = None,
) -> int:
    """Write the messages whose key is new, with their deliveries; return how many were new.

    Inserts with ON CONFLICT DO NOTHING, then reads back the keys stamped with this call's
    timestamp (less any that already had that stamp): those are the new ones, and only they get
    deliveries. A concurrent run inserting the same key finds the conflict and writes nothing.
    ``now`` backdates the messages (the demo); ``channels`` overrides ``NOTIFY_CHANNELS``.
    """
    channels = set(settings.NOTIFY_CHANNELS if channels is None else channels)
    new = 0
    for chunk in batched(rows, SEND_CHUNK):
        new += _send_chunk(chunk, now or clock.now(), channels)
    return new


@transaction.atomic
def _send_chunk(rows: list[NotificationRow], stamp: datetime.datetime, channels: set) -> int:
    by_key = {row.key: row for row in rows}
    # The stamp alone would not do when the clock has not moved since the previous call.
    existed = set(
        Notification.objects.filter(key__in=list(by_key), created_at=stamp).values_list(
            "key", flat=True
        )
    )
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=row.recipient,
                kind=row.kind,
                title=row.title[:200],
                body=row.body,
                link=row.link,
                key=row.key,
                created_at=stamp,
            )
            for row in rows
        ],
        ignore_conflicts=True,
    )
    created = {
        key: pk
        for key, pk in Notification.objects.filter(
            key__in=list(by_key), created_at=stamp
        ).values_list("key", "id")
        if key not in existed
    }
    deliveries = [
        Delivery(
            notification_id=notification_id,
            channel=channel,
            address=address,
            next_attempt_at=stamp,
            created_at=stamp,
        )
        for key, notification_id in created.items()
        for channel, address in _addresses(by_key[key].recipient).items()
        if channel in channels
    ]
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    if deliveries:
        outbox_enqueue(task=DELIVERY_TASK)
    return len(created)


# --- delivery ---------------------------------------------------------------------------------


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failure: base, 2 × base, 4 × base, … capped at
    NOTIFY_RETRY_MAX_SECONDS."""
    seconds = settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** min(attempts - 1, 30)
    return datetime.timedelta(seconds=min(seconds, settings.NOTIFY_RETRY_MAX_SECONDS))


def retry_horizon() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.NOTIFY_RETRY_HORIZON_HOURS)


def _lease_end(now: datetime.datetime) -> datetime.datetime:
    """When a claim taken at ``now`` runs out. Counted from the wall clock if that is later: a
    long batch must not hand a row that is in flight right now to another worker."""
    return max(now, clock.read()) + datetime.timedelta(
        seconds=settings.NOTIFY_SENDING_LEASE_SECONDS
    )


@transaction.atomic
def _claim(now: datetime.datetime, batch_size: int) -> list[Delivery]:
    """Take a batch of due deliveries for this worker: rows locked by another worker are
    skipped; the claimed ones get this claim's stamp and are pushed a lease into the future. A
    row left "sending" by a worker that died mid-call is due again when its lease is over."""
    ids = list(
        Delivery.objects.filter(status__in=DELIVERY_DUE_STATUSES, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .select_for_update(skip_locked=True)
        .values_list("id", flat=True)[:batch_size]
    )
    Delivery.objects.filter(id__in=ids).update(claimed_at=now, next_attempt_at=_lease_end(now))
    return list(Delivery.objects.filter(id__in=ids).select_related("notification").order_by("id"))


def _mark_sending(delivery: Delivery, now: datetime.datetime) -> bool:
    """Commit "sending" before the call leaves the process, if the row is still this claim's
    (another worker may have taken it over after the lease). False: leave it alone."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, claimed_at=delivery.claimed_at).update(
            status=DeliveryStatus.SENDING, next_attempt_at=_lease_end(now)
        )
    )


def _transmit(delivery: Delivery) -> None:
    notification = delivery.notification
    link = f"{settings.SITE_URL}{notification.link}" if notification.link else ""
    if delivery.channel == Channel.EMAIL:
        send_mail(
            subject=notification.title,
            message=f"{notification.body}\n\n{link}".strip(),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[delivery.address],
        )
    else:
        get_sms_backend().send(phone=delivery.address, text=f"{notification.title} {link}".strip())


def delivery_attempt(*, delivery: Delivery, now: datetime.datetime) -> Delivery:
    """Send one claimed delivery once and record the outcome: sent; or failed and retried after
    the backoff; or, past the retry horizon, failed for good with the reason. "sending" is
    committed before the call, so a worker killed mid-call leaves a row that is retried."""
    if not _mark_sending(delivery, now):
        delivery.status = DeliveryStatus.SENDING  # someone else's now; counted as in flight
        return delivery
    delivery.attempts += 1
    try:
        _transmit(delivery)
    except Exception as exc:  # any channel error is recorded, never lost in a worker log
        logger.warning("Delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, exc)
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        retry_at = now + retry_delay(delivery.attempts)
        if retry_at > (delivery.retry_until or delivery.created_at + retry_horizon()):
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = retry_at
    else:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = now
        delivery.next_attempt_at = None
    delivery.save(update_fields=["attempts", "status", "last_error", "next_attempt_at", "sent_at"])
    return delivery


def _defer(delivery: Delivery, now: datetime.datetime, reason: str) -> Delivery:
    """Hand a claimed delivery back untried, due after its next backoff (no attempt counted)."""
    delivery.next_attempt_at = now + retry_delay(max(delivery.attempts, 1))
    Delivery.objects.filter(pk=delivery.pk, claimed_at=delivery.claimed_at).update(
        next_attempt_at=delivery.next_attempt_at, last_error=reason
    )
    delivery.status = DeliveryStatus.RETRYING
    return delivery


def deliveries_send(*, now: datetime.datetime | None = None, batch_size=DELIVERY_BATCH) -> dict:
    """Send every due delivery, in claimed batches; return counts by outcome.

    A channel that fails CHANNEL_BREAKER times in a row in this run (SMTP down or hanging) is
    not tried again in this run: its other deliveries are handed back untried for their next
    backoff, so a hung server costs a few timeouts per run, not one per message."""
    counts = dict.fromkeys(DeliveryStatus.values, 0)
    failures_in_a_row: dict[str, list[str]] = {}
    while True:
        current = now or clock.now()
        batch = _claim(current, batch_size)
        for delivery in batch:
            failures = failures_in_a_row.setdefault(delivery.channel, [])
            if len(failures) >= CHANNEL_BREAKER:
                reason = f"Not tried: the channel failed {len(failures)} times in a row"
                done = _defer(delivery, current, f"{reason} ({failures[-1]})"[:2000])
            else:
                done = delivery_attempt(delivery=delivery, now=current)
                if done.status in (DeliveryStatus.RETRYING, DeliveryStatus.FAILED):
                    failures.append(done.last_error)
                else:
                    failures.clear()
            counts[done.status] += 1
        if len(batch) < batch_size:
            return counts


def deliveries_retry(*, deliveries, now: datetime.datetime) -> int:
    """The office's "retry": deliveries that failed for good (or are waiting to retry) are due
    now, with a fresh retry horizon. Sent ones, and those being sent, are left alone."""
    qs = deliveries.filter(status__in=[DeliveryStatus.RETRYING, DeliveryStatus.FAILED])
    count = qs.update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        retry_until=now + retry_horizon(),
    )
    if count:
        outbox_enqueue(task=DELIVERY_TASK)
    return count


# --- inbox ------------------------------------------------------------------------------------


def inbox_page(*, user, before: int | None = None, size: int = INBOX_PAGE):
    """One page of the user's messages, newest first, and the id to pass as ``before`` for the
    next page (None on the last). Keyset paging: no OFFSET, whatever the page."""
    qs = Notification.objects.for_user(user)
    if before is not None:
        cursor = qs.filter(pk=before).values_list("created_at", flat=True).first()
        if cursor is None:
            return [], None
        qs = qs.filter(Q(created_at__lt=cursor) | Q(created_at=cursor, id__lt=before))
    rows = list(qs.order_by("-created_at", "-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].pk if more else None)


def access_notification(user, pk) -> Notification:
    """The user's own notification, or 404."""
    return get_object_or_404(Notification.objects.for_user(user), pk=pk)


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one message read; reading it again keeps the first reading time."""
    if notification.read_at is None:
        notification.read_at = clock.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread message of the user read, in one statement."""
    return Notification.objects.for_user(user).unread().update(read_at=clock.now())
