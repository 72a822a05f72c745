"""Supervision visits (督导), checklists (督导清单), issues (问题) and their handling to closure (销号)."""

from inspections.models.checklists import (
    ChecklistArea,
    ChecklistItem,
    ChecklistTemplate,
)
from inspections.models.issues import (
    DEFAULT_DEADLINE_DAYS,
    ISSUE_TRANSITIONS,
    ActorKind,
    Issue,
    IssueCategory,
    IssueEvent,
    IssueEventPhoto,
    IssueQuerySet,
    IssueSeverity,
    IssueStatus,
    issue_photo_upload_to,
)
from inspections.models.policy import (
    Holiday,
    HolidayKind,
    ReminderPolicy,
    Weekday,
)
from inspections.models.tallies import (
    InspectionMark,
    IssueMonthTally,
    IssueOpenTally,
    VisitTally,
)
from inspections.models.visits import (
    CheckResult,
    Visit,
    VisitCheck,
    VisitPhoto,
    VisitQuerySet,
    VisitRemark,
    visit_photo_upload_to,
)

__all__ = [
    "DEFAULT_DEADLINE_DAYS",
    "ISSUE_TRANSITIONS",
    "ActorKind",
    "CheckResult",
    "ChecklistArea",
    "ChecklistItem",
    "ChecklistTemplate",
    "Holiday",
    "HolidayKind",
    "InspectionMark",
    "Issue",
    "IssueCategory",
    "IssueEvent",
    "IssueEventPhoto",
    "IssueMonthTally",
    "IssueOpenTally",
    "IssueQuerySet",
    "IssueSeverity",
    "IssueStatus",
    "ReminderPolicy",
    "Visit",
    "VisitCheck",
    "VisitPhoto",
    "VisitQuerySet",
    "VisitRemark",
    "VisitTally",
    "Weekday",
    "issue_photo_upload_to",
    "visit_photo_upload_to",
]
