"""A business reports the fix of an issue raised on it (整改情况): the issue moves to "fixed,
awaiting verification" with the business's text and photos in its history; the holding cadre,
their 协保员 or the office then closes it (销号) or sends it back through ``issue_transition``."""

import uuid
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inspections.models import (
    ISSUE_TRANSITIONS,
    ActorKind,
    Issue,
    IssueEvent,
    IssueEventPhoto,
    IssueStatus,
)
from inspections.photos import process_photo
from inspections.tallies import issue_counted, issue_facts

MAX_FIX_PHOTOS = 6


@transaction.atomic
def issue_fix_report_unscoped(
    *,
    issue: Issue,
    user,
    note: str,
    photos: Sequence = (),
    idempotency_key: uuid.UUID | None = None,
) -> IssueEvent:
    """The business's fix report. Unscoped: the caller (the business side) has already checked
    that ``user`` works for the issue's business. Only issues the business must act on."""
    issue = Issue.objects.select_for_update(of=("self",)).get(pk=issue.pk)
    if idempotency_key is not None:
        sent = IssueEvent.objects.filter(idempotency_key=idempotency_key).first()
        if sent is not None:
            if sent.issue_id != issue.pk or sent.by_id != user.pk:
                raise ValidationError(_("This form was already used by someone else."))
            return sent
    if issue.actor_kind != ActorKind.BUSINESS:
        raise ValidationError(_("This issue is not the business's to fix."), code="not_business")
    if IssueStatus.FIXED not in ISSUE_TRANSITIONS[IssueStatus(issue.status)]:
        raise ValidationError(_("This issue is not waiting for a fix."), code="illegal_transition")
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Say what was done to fix the issue."), code="evidence_required")
    if len(photos) > MAX_FIX_PHOTOS:
        raise ValidationError(
            _("At most %(n)d photos.") % {"n": MAX_FIX_PHOTOS}, code="too_many_photos"
        )
    processed = [process_photo(p) for p in photos]
    from_status, before = issue.status, issue_facts(issue)
    issue.status = IssueStatus.FIXED
    issue.save(update_fields=["status"])
    issue_counted(issue=issue, before=before)
    event = IssueEvent(
        issue=issue,
        from_status=from_status,
        to_status=IssueStatus.FIXED,
        note=note,
        by=user,
        idempotency_key=idempotency_key,
    )
    if processed:
        event.photo = processed[0].file
    event.save()
    for photo in processed[1:]:
        IssueEventPhoto.objects.create(event=event, image=photo.file)
    return event
