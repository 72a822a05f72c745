"""Writes for supervision visits (督导), their remarks, and issues (问题) through to closure (销号).

Who may log a visit: the cadre holding the business, that cadre's 协保员/联络员 (the visit counts
for the cadre and records who logged it), or a register-writing office user in scope, logging on
behalf of the cadre who held the business on the visit's date (a paper record typed in later).

A visit may be dated in any past quarter still open: a quarter closes VISIT_GRACE_DAYS after its
last day, so its figures settle and reports sent upward stay true.
"""

import datetime
import uuid
from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from baobao import clock
from baobao.scoping import require_register_writer
from cadres.models import Assignment
from entities.models import Entity
from inspections.checklists import checklist_for
from inspections.holders import require_entity_in_scope, visit_cadre
from inspections.models import (
    ISSUE_TRANSITIONS,
    ActorKind,
    ChecklistItem,
    CheckResult,
    Issue,
    IssueCategory,
    IssueEvent,
    IssueSeverity,
    IssueStatus,
    ReminderPolicy,
    Visit,
    VisitCheck,
    VisitRemark,
)
from inspections.photos import photo_check, process_photo
from inspections.quarters import Quarter
from inspections.tallies import issue_counted, issue_facts, visits_recount
from inspections.visit_photos import visit_photos_store

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = datetime.timedelta(minutes=2)
# Days after a quarter's last day during which late visits may still be logged for it.
VISIT_GRACE_DAYS = 15


def _check_visit_time(visited_at: datetime.datetime) -> None:
    now = clock.now()
    if visited_at > now + CLOCK_SKEW:
        raise ValidationError(_("A visit cannot be dated in the future."), code="future")
    quarter = Quarter.of(visited_at)
    closes_on = quarter.last_day + datetime.timedelta(days=VISIT_GRACE_DAYS)
    if timezone.localdate(now) > closes_on:
        raise ValidationError(
            _("Quarter %(quarter)s closed on %(day)s; visits can no longer be logged for it.")
            % {"quarter": quarter, "day": closes_on},
            code="quarter_closed",
        )


def _check_rows(checks: Iterable[Mapping]) -> list[VisitCheck]:
    """Unsaved VisitCheck rows, the item's text and area copied when an item is given."""
    rows = []
    results = set(CheckResult.values)
    for check in checks:
        item = check.get("item")
        if item is not None and not isinstance(item, ChecklistItem):
            item = ChecklistItem.objects.filter(pk=item).first()
            if item is None:
                raise ValidationError(_("Unknown checklist item."), code="bad_item")
        text = item.text if item else (check.get("text") or "").strip()
        area = item.area if item else check.get("area", "")
        if not text:
            raise ValidationError(_("A check needs its text."), code="check_text_required")
        if check.get("result") not in results:
            raise ValidationError(
                _("Mark “%(check)s” as pass, problem or not applicable.") % {"check": text},
                code="bad_result",
            )
        rows.append(
            VisitCheck(
                item=item,
                area=area,
                text=text[:200],
                result=check["result"],
                note=(check.get("note") or "").strip()[:255],
            )
        )
    return rows


def _clean_issue(data: Mapping, *, today: datetime.date, deadline_days: Mapping) -> dict:
    """The fields of a new issue, checked; the photo already processed. A deadline left empty
    is the office's rectification period for the severity (``ReminderPolicy.deadline_days``)."""
    if data.get("category") not in IssueCategory.values:
        raise ValidationError(_("Choose the issue's category."), code="bad_category")
    if data.get("severity") not in IssueSeverity.values:
        raise ValidationError(_("Choose the issue's severity."), code="bad_severity")
    if data.get("actor_kind") not in ActorKind.values:
        raise ValidationError(_("Say who must act on the issue."), code="bad_actor")
    description = (data.get("description") or "").strip()
    if not description:
        raise ValidationError(_("Describe the issue."), code="description_required")
    deadline = data.get("deadline") or today + datetime.timedelta(
        days=deadline_days[data["severity"]]
    )
    if deadline < today:
        raise ValidationError(
            _("The rectification deadline cannot be in the past."), code="deadline_past"
        )
    photo = data.get("photo")
    return {
        "category": data["category"],
        "severity": data["severity"],
        "description": description,
        "deadline": deadline,
        "actor_kind": data["actor_kind"],
        "actor_name": (data.get("actor_name") or "").strip()[:100],
        "photo": process_photo(photo).file if photo else None,
    }


def _issue_create(*, user, entity: Entity, fields: dict, visit=None, visit_check=None) -> Issue:
    photo = fields.pop("photo")
    issue = Issue(entity=entity, visit=visit, visit_check=visit_check, raised_by=user, **fields)
    if photo:
        issue.photo = photo
    issue.save()
    IssueEvent.objects.create(issue=issue, from_status="", to_status=IssueStatus.OPEN, by=user)
    issue_counted(issue=issue, before=None)
    return issue


@transaction.atomic
def visit_record(
    *,
    user,
    entity: Entity,
    visited_at: datetime.datetime,
    on_site: bool,
    idempotency_key: uuid.UUID,
    findings: str = "",
    companions: str = "",
    checks: Iterable[Mapping] = (),
    photos: Iterable = (),
    latitude=None,
    longitude=None,
    accuracy_m: int | None = None,
    issues: Iterable[Mapping] = (),
) -> tuple[Visit, bool]:
    """Record a visit; the same idempotency key again returns the first visit unchanged
    (created False). Everything is checked, photos included (by size and header), before
    anything is written; the photos are re-encoded by a worker after the commit.

    An issue dict may carry ``check``: the index in ``checks`` of the "problem" it follows up.
    """
    existing = _stored_visit(idempotency_key)
    if existing is not None:
        return _resubmitted(existing, user), False
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    _check_visit_time(visited_at)
    cadre = visit_cadre(user, entity, timezone.localdate(visited_at))
    check_rows = _check_rows(checks)
    today = clock.today()
    issues = list(issues)
    deadline_days = ReminderPolicy.load().deadline_days() if issues else {}
    issue_rows = []
    for data in issues:
        index = data.get("check")
        if index is not None and not (
            0 <= index < len(check_rows) and check_rows[index].result == CheckResult.PROBLEM
        ):
            raise ValidationError(
                _("An issue can only follow up a check marked as a problem."),
                code="check_not_problem",
            )
        issue_rows.append((index, _clean_issue(data, today=today, deadline_days=deadline_days)))
    # Checked now (size, an image by its header); decoded and re-encoded by a worker later.
    checked = [photo_check(upload) for upload in photos]

    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                entity=entity,
                cadre=cadre,
                logged_by=user,
                visited_at=visited_at,
                quarter=Quarter.of(visited_at).code,
                on_site=on_site,
                findings=findings.strip(),
                companions=companions.strip()[:200],
                template=checklist_for(entity),
                latitude=latitude,
                longitude=longitude,
                accuracy_m=accuracy_m,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        # The same form sent twice at once: the other request stored it first.
        return _resubmitted(Visit.objects.get(idempotency_key=idempotency_key), user), False
    visits_recount(entity_ids=[entity.pk], today=today)
    for row in check_rows:
        row.visit = visit
    check_rows = VisitCheck.objects.bulk_create(check_rows)
    visit_photos_store(visit=visit, photos=checked)
    for index, fields in issue_rows:
        _issue_create(
            user=user,
            entity=entity,
            fields=fields,
            visit=visit,
            visit_check=check_rows[index] if index is not None else None,
        )
    return visit, True


def _stored_visit(idempotency_key: uuid.UUID) -> Visit | None:
    return Visit.objects.filter(idempotency_key=idempotency_key).first()


def _resubmitted(visit: Visit, user) -> Visit:
    # A key is one user's form: another user's key is not a way to read someone's visit.
    if visit.logged_by_id != user.pk:
        raise ValidationError(_("This form was already used by someone else."), code="key_taken")
    return visit


@transaction.atomic
def visit_remark_add(*, visit: Visit, user, text: str) -> VisitRemark:
    """Append a correction or addition to a submitted visit (visits themselves never change)."""
    if not Visit.objects.for_user(user).filter(pk=visit.pk).exists():
        raise Http404
    if not user.acting_cadre_id:
        require_register_writer(user)
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the remark."), code="remark_required")
    return VisitRemark.objects.create(visit=visit, text=text, by=user)


def _require_issue_actor(user, entity: Entity) -> None:
    """Cadre side: the holder (or aide) now; office side: a register writer in scope."""
    require_entity_in_scope(user, entity)
    if not user.acting_cadre_id:
        require_register_writer(user)


@transaction.atomic
def issue_raise(
    *,
    user,
    entity: Entity,
    category: str,
    severity: str,
    description: str,
    actor_kind: str,
    actor_name: str = "",
    deadline: datetime.date | None = None,
    photo=None,
    visit: Visit | None = None,
) -> Issue:
    """Raise an issue on a business, outside a visit or added to one; starts open."""
    _require_issue_actor(user, entity)
    if visit is not None and visit.entity_id != entity.pk:
        raise ValidationError(_("The visit is of another business."), code="visit_mismatch")
    fields = _clean_issue(
        {
            "category": category,
            "severity": severity,
            "description": description,
            "actor_kind": actor_kind,
            "actor_name": actor_name,
            "deadline": deadline,
            "photo": photo,
        },
        today=clock.today(),
        deadline_days=ReminderPolicy.load().deadline_days(),
    )
    return _issue_create(user=user, entity=entity, fields=fields, visit=visit)


@transaction.atomic
def issue_transition(
    *,
    issue: Issue,
    user,
    to_status: str,
    note: str = "",
    photo=None,
    idempotency_key: uuid.UUID | None = None,
) -> IssueEvent:
    """Move an issue along its status flow and record who, when and the evidence.

    "fixed" needs a note of what was done (a photo optional); "closed" (销号) is for the holding
    cadre (or their aides) or an office in scope; a reopen goes back to rectifying. The same
    ``idempotency_key`` again (the phone's queue resending a report) returns the first event.
    """
    if not Issue.objects.for_user(user).filter(pk=issue.pk).exists():
        raise Http404
    issue = Issue.objects.select_for_update(of=("self",)).select_related("entity").get(pk=issue.pk)
    if idempotency_key is not None:
        # Checked under the issue's lock: two sends of one report cannot both pass.
        sent = IssueEvent.objects.filter(idempotency_key=idempotency_key).first()
        if sent is not None:
            if sent.issue_id != issue.pk or sent.by_id != user.pk:
                raise ValidationError(
                    _("This form was already used by someone else."), code="key_taken"
                )
            return sent
    if user.acting_cadre_id:
        holds_now = Assignment.objects.filter(
            entity_id=issue.entity_id, cadre_id=user.acting_cadre_id, end_date__isnull=True
        ).exists()
        if to_status == IssueStatus.CLOSED and not holds_now:
            raise PermissionDenied(
                _("Only the cadre holding the business or the office can close it.")
            )
    else:
        require_register_writer(user)
    from_status = IssueStatus(issue.status)
    if to_status not in ISSUE_TRANSITIONS[from_status]:
        raise ValidationError(
            _("An issue cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": from_status.label,
                "to": dict(IssueStatus.choices).get(to_status, to_status),
            },
            code="illegal_transition",
        )
    note = (note or "").strip()
    if to_status == IssueStatus.FIXED and not note:
        raise ValidationError(_("Say what was done to fix the issue."), code="evidence_required")
    processed = process_photo(photo) if photo else None
    before = issue_facts(issue)
    issue.status = to_status
    issue.closed_at = clock.now() if to_status == IssueStatus.CLOSED else None
    issue.save(update_fields=["status", "closed_at"])
    issue_counted(issue=issue, before=before)
    event = IssueEvent(
        issue=issue,
        from_status=from_status,
        to_status=to_status,
        note=note,
        by=user,
        idempotency_key=idempotency_key,
    )
    if processed:
        event.photo = processed.file
    event.save()
    return event
