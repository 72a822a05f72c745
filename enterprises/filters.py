"""The business list's filter "self-management missing for N days" (自查记录缺失天数), added to
the register's list by ``entities.filters.entity_filter_register``."""

import datetime

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from enterprises.models import Record, RecordKind
from enterprises.policy import PolicyTable


class SelfCheckMissingFilter(django_filters.NumberFilter):
    """Businesses with no daily check in the last N days. Those the policy exempts are left out
    exactly as the policy resolves them (``PolicyTable.exempt_q``: the nearest area's most
    specific rule for each type and grade), so a stall exempt in general but kept to daily
    checks at grade B, or in one county, is listed when it lapses."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("No daily check for (days)"))
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        days = max(1, min(int(value), 3650))
        today = self.parent.request.today
        since = today - datetime.timedelta(days=days)
        recent = Record.objects.filter(
            entity=OuterRef("pk"), kind=RecordKind.DAILY, period_start__gt=since
        )
        exempt = PolicyTable().exempt_q()
        if exempt:
            qs = qs.exclude(exempt)
        return qs.filter(~Exists(recent))


def self_check_missing_filter(user) -> SelfCheckMissingFilter:
    """The filter for one list (``entities.filters.entity_filter_register``'s ``make``)."""
    return SelfCheckMissingFilter()
