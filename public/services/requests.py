"""Writes for 随手拍 requests: submission (the reporter), triage (the office: assign, merge,
reject), handling (the cadre, through a real visit and issues), the approved reply.

Every step writes a ``RequestEvent`` in the same transaction: the request's history is never
missing a step that happened.
"""

import datetime
import secrets
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from baobao import clock
from baobao.models import Division, NotificationKind, User
from baobao.notifications import NotificationRow, notification_key, notifications_send
from baobao.scoping import require_register_writer
from cadres.models import Cadre
from entities.models import Entity
from inspections.photos import process_photo
from inspections.services import visit_record
from public.models import (
    EventKind,
    PublicRequest,
    RequestEvent,
    RequestPhoto,
    RequestSource,
    RequestStatus,
)
from public.selectors import holder_of, office_recipients

MAX_PHOTOS = 3
# No 0/O, 1/I/L: a code read aloud over the phone or copied by hand.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _event(request: PublicRequest, kind: str, *, by=None, note: str = "", now=None):
    return RequestEvent.objects.create(
        request=request, kind=kind, by=by, note=note, created_at=now or clock.now()
    )


def _users_of_cadre(cadre: Cadre | None):
    if cadre is None:
        return User.objects.none()
    return User.objects.filter(cadre=cadre, is_active=True).select_related("cadre", "aide")


def _tell(users, request: PublicRequest, *, kind: str, title: str, period: str) -> None:
    link = reverse("public:request-detail", args=[request.pk])
    notifications_send(
        NotificationRow(
            recipient=user,
            kind=kind,
            title=title,
            body=request.text[:200],
            link=link,
            key=notification_key(kind, user.pk, f"request{request.pk}", period),
        )
        for user in users
    )


@transaction.atomic
def request_submit(
    *,
    category: str,
    text: str,
    entity: Entity | None = None,
    division: Division | None = None,
    photos=(),
    place: str = "",
    latitude=None,
    longitude=None,
    phone: str = "",
    client_ip: str | None = None,
    today: datetime.date,
) -> PublicRequest:
    """Store a report and route it: the county office's queue and the holding cadre's inbox.
    Photos are re-encoded (EXIF removed) before anything is written."""
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(_("At most %(n)d photos.") % {"n": MAX_PHOTOS}, code="photos")
    if entity is None and division is None:
        raise ValidationError(_("Choose the business or the area."), code="where")
    processed = [process_photo(upload) for upload in photos]
    holder = holder_of(entity, today) if entity is not None else None
    request = None
    for _attempt in range(5):
        try:
            with transaction.atomic():
                request = PublicRequest.objects.create(
                    code=_new_code(),
                    division=entity.division if entity is not None else division,
                    entity=entity,
                    holder=holder,
                    category=category,
                    text=text.strip(),
                    place=place.strip(),
                    latitude=latitude,
                    longitude=longitude,
                    phone=phone.strip(),
                    client_ip=client_ip,
                )
            break
        except IntegrityError:
            continue
    if request is None:
        raise ValidationError(_("Please try again."), code="code_clash")
    for photo in processed:
        RequestPhoto.objects.create(
            request=request, image=photo.file, width=photo.width, height=photo.height
        )
    _event(request, EventKind.RECEIVED)
    title = _("New public request %(code)s") % {"code": request.code}
    _tell(
        list(office_recipients(request.division)) + list(_users_of_cadre(holder)),
        request,
        kind=NotificationKind.PUBLIC_REQUEST,
        title=title,
        period="received",
    )
    return request


def _require_office(user, request: PublicRequest) -> None:
    require_register_writer(user)
    if not PublicRequest.objects.for_user(user).filter(pk=request.pk).exists():
        raise PermissionDenied(_("This request is outside your area."))


def _require_status(request: PublicRequest, *statuses) -> None:
    if request.status not in statuses:
        raise ValidationError(
            _("The request is already %(status)s.") % {"status": request.get_status_display()},
            code="status",
        )


@transaction.atomic
def request_assign(
    *,
    request: PublicRequest,
    user,
    cadre: Cadre,
    deadline: datetime.date,
    today: datetime.date,
    note: str = "",
) -> PublicRequest:
    """Accept the request and give it to a cadre (the holder or another) with a deadline that is
    not before ``today`` (the caller's clock)."""
    request = PublicRequest.objects.select_for_update().get(pk=request.pk)
    _require_office(user, request)
    _require_status(request, RequestStatus.RECEIVED, RequestStatus.ASSIGNED)
    if not Cadre.objects.for_user(user).filter(pk=cadre.pk).exists():
        raise PermissionDenied(_("This cadre is outside your area."))
    if deadline < today:
        raise ValidationError(_("The deadline is in the past."), code="deadline")
    request.status = RequestStatus.ASSIGNED
    request.assigned_cadre = cadre
    request.deadline = deadline
    request.assigned_at = clock.now()
    request.save()
    _event(
        request,
        EventKind.ASSIGNED,
        by=user,
        note=note.strip()
        or _("Handled by %(cadre)s by %(date)s")
        % {"cadre": cadre.name, "date": deadline.isoformat()},
    )
    _tell(
        _users_of_cadre(cadre),
        request,
        kind=NotificationKind.PUBLIC_REQUEST,
        title=_("Public request %(code)s is yours, by %(date)s")
        % {"code": request.code, "date": deadline.isoformat()},
        period=f"assigned{cadre.pk}:{deadline.isoformat()}",
    )
    return request


@transaction.atomic
def request_merge(*, request: PublicRequest, into: PublicRequest, user) -> PublicRequest:
    """Close a duplicate into the request that carries on; its reporter follows that one."""
    request = PublicRequest.objects.select_for_update().get(pk=request.pk)
    _require_office(user, request)
    _require_office(user, into)
    _require_status(request, RequestStatus.RECEIVED, RequestStatus.ASSIGNED)
    if into.pk == request.pk or into.status == RequestStatus.MERGED:
        raise ValidationError(_("Merge into another open request."), code="merge_target")
    request.status = RequestStatus.MERGED
    request.duplicate_of = into
    request.closed_at = clock.now()
    request.save()
    _event(request, EventKind.MERGED, by=user, note=into.code)
    return request


@transaction.atomic
def request_reject(*, request: PublicRequest, user, reason: str) -> PublicRequest:
    request = PublicRequest.objects.select_for_update().get(pk=request.pk)
    _require_office(user, request)
    _require_status(request, RequestStatus.RECEIVED, RequestStatus.ASSIGNED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason."), code="reason")
    request.status = RequestStatus.REJECTED
    request.reply = reason
    request.closed_at = clock.now()
    request.save()
    _event(request, EventKind.REJECTED, by=user, note=reason)
    return request


@transaction.atomic
def request_handle(
    *,
    request: PublicRequest,
    user,
    handling: str,
    visited_at: datetime.datetime,
    on_site: bool = True,
    findings: str = "",
    issue: dict | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> PublicRequest:
    """The assigned cadre's handling: a real supervision visit of the business (through
    ``inspections.services.visit_record``, with an issue if one was found) and a draft reply
    for the office to approve."""
    request = PublicRequest.objects.select_for_update().get(pk=request.pk)
    if not (user.acting_cadre_id and user.acting_cadre_id == request.assigned_cadre_id):
        raise PermissionDenied(_("Only the assigned cadre handles this request."))
    _require_status(request, RequestStatus.ASSIGNED)
    handling = (handling or "").strip()
    if not handling:
        raise ValidationError(_("Say what was done."), code="handling")
    if request.entity_id:
        visit, _created = visit_record(
            user=user,
            entity=request.entity,
            visited_at=visited_at,
            on_site=on_site,
            idempotency_key=idempotency_key or uuid.uuid4(),
            findings=findings or handling,
            issues=[issue] if issue else (),
        )
        request.visit = visit
        _event(request, EventKind.VISITED, by=user, note=visit.visited_at.date().isoformat())
    request.handling = handling
    request.status = RequestStatus.HANDLED
    request.save()
    _event(request, EventKind.HANDLED, by=user, note=handling)
    _tell(
        office_recipients(request.division),
        request,
        kind=NotificationKind.PUBLIC_REQUEST,
        title=_("Public request %(code)s handled: approve the reply") % {"code": request.code},
        period="handled",
    )
    return request


@transaction.atomic
def request_reply(*, request: PublicRequest, user, reply: str) -> PublicRequest:
    """The office approves the reply the reporter sees, and closes the request."""
    request = PublicRequest.objects.select_for_update().get(pk=request.pk)
    _require_office(user, request)
    _require_status(request, RequestStatus.HANDLED)
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError(_("Write the reply."), code="reply")
    request.reply = reply
    request.status = RequestStatus.CLOSED
    request.closed_at = clock.now()
    request.save()
    _event(request, EventKind.REPLIED, by=user, note=reply)
    return request


def request_task_create(
    *,
    entity: Entity,
    cadre: Cadre,
    deadline: datetime.date,
    today: datetime.date,
    text: str,
    campaign,
    user,
) -> PublicRequest:
    """A 你点我查 check task: a request already accepted and assigned (called inside the
    campaign's atomic service)."""
    request = PublicRequest.objects.create(
        code=_new_code(),
        source=RequestSource.CAMPAIGN,
        division=entity.division,
        entity=entity,
        holder=cadre,
        category="other",
        text=text,
        campaign=campaign,
    )
    _event(request, EventKind.RECEIVED, by=user, note=str(campaign))
    return request_assign(request=request, user=user, cadre=cadre, deadline=deadline, today=today)
