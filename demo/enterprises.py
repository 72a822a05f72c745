"""The demo business's own side: the login ``enterprise`` (its 食品安全员) on one business the
demo cadre holds in 碧江区, and three months of its records with the gaps a real shop leaves (a
missed day now and then, a week off around the 20th of one month, one month's minutes never
written), so the cadre's visit form and the office's rates show something to read."""

import datetime
import random

from django.utils import timezone

from baobao.models import Role, User
from enterprises.models import DailyCheckItem, Membership, Position, Record, RecordKind
from enterprises.months import record_months_rebuild
from enterprises.policy import due_periods
from entities.models import Entity

USERNAME = "enterprise"


def _daily(rng: random.Random, texts: list[str]) -> tuple[dict, int, int]:
    items = []
    for text in texts:
        ok = rng.random() > 0.06
        fixed = not ok and rng.random() > 0.4
        note = (
            ""
            if ok
            else rng.choice(
                ["地面有积水", "消毒记录未填写", "一名员工健康证过期", "冷藏柜温度偏高"]
            )
        )
        items.append({"text": text, "ok": ok, "note": note, "fixed": fixed})
    problems = sum(not i["ok"] for i in items)
    return (
        {"items": items, "actions": "已当场整改" if problems else ""},
        problems,
        sum(not i["ok"] and not i["fixed"] for i in items),
    )


def seed_enterprise(*, cadre_phone: str, county_path: str, password_hash: str, seed: int, today):
    """Create the ``enterprise`` login and its records; nothing when the login exists."""
    if User.objects.filter(username=USERNAME).exists():
        return 0
    held = Entity.objects.filter(
        assignments__cadre__phone=cadre_phone,
        assignments__end_date__isnull=True,
        division_path__startswith=county_path,
    ).exclude(business_type__in=["stall", "small_eatery", "small_workshop"])
    # A business the office's default policy asks all three records of (grade D: daily only).
    entity = held.exclude(grade="D").order_by("pk").first() or held.order_by("pk").first()
    if entity is None:
        return 0
    user = User.objects.create(
        username=USERNAME, password=password_hash, role=Role.BUSINESS, first_name="王晓燕"
    )
    Membership.objects.create(user=user, entity=entity, position=Position.OFFICER)
    rng = random.Random(f"{seed}-enterprise")
    texts = [i.text for i in DailyCheckItem.objects.filter(is_active=True) if i.applies_to(entity)]
    start = today - datetime.timedelta(days=91)
    end = today - datetime.timedelta(days=1)
    off = start + datetime.timedelta(days=40)  # a week off: a realistic gap
    records = []

    def stamp(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(17, 30)))

    for day in due_periods(RecordKind.DAILY, start, end):
        if off <= day < off + datetime.timedelta(days=7) or rng.random() < 0.08:
            continue
        content, problems, open_ = _daily(rng, texts)
        records.append(
            Record(
                entity=entity,
                kind=RecordKind.DAILY,
                period_start=day,
                content=content,
                problems=problems,
                open_problems=open_,
                submitted_by=user,
                submitted_at=stamp(day),
            )
        )
    for monday in due_periods(RecordKind.WEEKLY, start, end):
        if rng.random() < 0.15:
            continue
        records.append(
            Record(
                entity=entity,
                kind=RecordKind.WEEKLY,
                period_start=monday,
                content={
                    "found": "本周日管控发现问题均已整改",
                    "fixed": "已整改",
                    "focus": "餐具消毒、留样",
                },
                submitted_by=user,
                submitted_at=stamp(monday + datetime.timedelta(days=6)),
            )
        )
    for number, first in enumerate(due_periods(RecordKind.MONTHLY, start, end)):
        if number == 1:
            continue  # one month's minutes never written
        records.append(
            Record(
                entity=entity,
                kind=RecordKind.MONTHLY,
                period_start=first,
                content={
                    "meeting_date": (first + datetime.timedelta(days=33))
                    .replace(day=3)
                    .isoformat(),
                    "attendees": "主要负责人、食品安全员、厨师长",
                    "situation": "本月日管控、周排查按要求开展",
                    "risks": "夏季食材储存温度",
                    "decisions": "增加冷藏设备巡查频次",
                    "focus": "从业人员健康管理",
                },
                submitted_by=user,
                submitted_at=stamp(first + datetime.timedelta(days=33)),
            )
        )
    Record.objects.bulk_create(records, batch_size=500)
    record_months_rebuild(entity_ids=[entity.pk])  # the rates' summary of what was just written
    return len(records)
