"""The demo's public side: what the demo county publishes on its cards, a realistic set of 随手拍
requests at every step (received, assigned, handled, closed, rejected, merged, one overdue) and
one 你点我查 campaign with nominations, votes and a check task. Run once, with the demo city."""

import datetime
import random

from baobao import clock
from baobao.models import User
from cadres.models import Assignment
from public.models import (
    Campaign,
    EventKind,
    Nomination,
    PublicationSetting,
    PublicRequest,
    RequestEvent,
    RequestStatus,
    Vote,
)

REPORTS = [
    ("hygiene", "后厨地面油污，垃圾桶没有盖子，苍蝇很多。"),
    ("expired", "货架上有过期的酸奶，生产日期是上个月的。"),
    ("licence", "店里没有看到营业执照和食品经营许可证。"),
    ("health", "切菜的师傅说自己没有办健康证。"),
    ("hygiene", "餐具消毒柜一直没通电，碗筷直接用水冲一下就用。"),
    ("other", "学校门口流动摊贩卖辣条，孩子们放学都围着买。"),
    ("additive", "卤肉颜色特别红，怀疑加了色素。"),
    ("hygiene", "外卖骑手说后厨老鼠很多。"),
    ("expired", "买的面包发霉了，店家不给退。"),
    ("hygiene", "烧烤摊油烟很大，食材露天摆放。"),
    ("licence", "新开的奶茶店，没有公示食品安全信息。"),
    ("other", "餐馆把剩菜回收再卖。"),
]
STEPS = [
    RequestStatus.RECEIVED,
    RequestStatus.RECEIVED,
    RequestStatus.ASSIGNED,
    RequestStatus.ASSIGNED,
    "overdue",
    RequestStatus.HANDLED,
    RequestStatus.CLOSED,
    RequestStatus.CLOSED,
    RequestStatus.CLOSED,
    RequestStatus.REJECTED,
    RequestStatus.MERGED,
    RequestStatus.CLOSED,
]


def _event(request, kind, at, *, by=None, note=""):
    RequestEvent.objects.create(request=request, kind=kind, created_at=at, by=by, note=note)


def seed_public(*, demo_cadre, demo_county, seed: int) -> dict:
    """Write the demo county's public side; return how many rows of each were written."""
    if PublicRequest.objects.filter(division_path__startswith=demo_county.path).exists():
        return {}
    rng = random.Random(seed)
    now, today = clock.now(), clock.today()
    office = User.objects.filter(username="county").first()
    PublicationSetting.objects.get_or_create(
        division=demo_county,
        defaults={"contact_phone": "0856-5223315", "show_cadre_phone": False},
    )
    holdings = list(
        Assignment.objects.filter(
            end_date__isnull=True, entity__division_path__startswith=demo_county.path
        )
        .select_related("entity", "cadre")
        .order_by("-cadre_id")[:200]
    )
    mine = [h for h in holdings if h.cadre_id == demo_cadre.pk] or holdings
    requests = []
    for n, ((category, text), step) in enumerate(zip(REPORTS, STEPS, strict=True)):
        holding = mine[n % len(mine)] if n % 2 == 0 else rng.choice(holdings)
        received = now - datetime.timedelta(days=20 - n, hours=rng.randint(0, 8))
        request = PublicRequest.objects.create(
            code=f"DEMO{n + 1:04d}",
            division=holding.entity.division,
            entity=holding.entity,
            holder=holding.cadre,
            category=category,
            text=text,
            phone="" if n % 3 else f"1390856{n:04d}",
            created_at=received,
        )
        _event(request, EventKind.RECEIVED, received)
        _advance(request, step, holding, office, received, today, requests)
        requests.append(request)
    campaign = _campaign(demo_county, holdings, office, today, rng)
    return {"public_requests": len(requests), "campaigns": 1 if campaign else 0}


def _advance(request, step, holding, office, received, today, earlier) -> None:
    if step == RequestStatus.RECEIVED:
        return
    if step in (RequestStatus.REJECTED, RequestStatus.MERGED):
        at = received + datetime.timedelta(days=1)
        request.closed_at = at
        if step == RequestStatus.REJECTED:
            request.status, request.reply = (
                step,
                "经核实，所反映问题不属于食品安全监管范围，已转相关部门。",
            )
            _event(request, EventKind.REJECTED, at, by=office, note=request.reply)
        else:
            request.status, request.duplicate_of = step, earlier[0]
            _event(request, EventKind.MERGED, at, by=office, note=earlier[0].code)
        request.save()
        return
    assigned = received + datetime.timedelta(hours=20)
    request.assigned_cadre = holding.cadre
    request.assigned_at = assigned
    overdue = step == "overdue"
    request.deadline = (
        today - datetime.timedelta(days=2) if overdue else today + datetime.timedelta(days=5)
    )
    request.status = RequestStatus.ASSIGNED
    _event(request, EventKind.ASSIGNED, assigned, by=office, note=f"交由{holding.cadre.name}办理")
    if step in (RequestStatus.HANDLED, RequestStatus.CLOSED):
        handled = assigned + datetime.timedelta(days=2)
        request.handling = "已到店现场检查，责令商户立即整改，三日后复查。"
        request.status = RequestStatus.HANDLED
        _event(request, EventKind.HANDLED, handled, note=request.handling)
        if step == RequestStatus.CLOSED:
            closed = handled + datetime.timedelta(days=1)
            request.reply = "您反映的问题已核实，包保干部已到店督导，商户已整改到位。感谢您的监督！"
            request.status, request.closed_at = RequestStatus.CLOSED, closed
            _event(request, EventKind.REPLIED, closed, by=office, note=request.reply)
    request.save()


def _campaign(demo_county, holdings, office, today, rng):
    campaign = Campaign.objects.create(
        division=demo_county,
        theme="校园周边餐饮 · 12月",
        starts_on=today - datetime.timedelta(days=5),
        ends_on=today + datetime.timedelta(days=20),
        created_by=office,
    )
    for n, holding in enumerate(rng.sample(holdings, min(6, len(holdings)))):
        nomination = Nomination.objects.create(
            campaign=campaign, entity=holding.entity, reason="学校周边，学生多", votes=0
        )
        votes = rng.randint(3, 40) if n else 55
        Vote.objects.bulk_create(
            Vote(nomination=nomination, voter=f"demo{n}-{v}", day=today) for v in range(votes)
        )
        nomination.votes = votes
        nomination.save(update_fields=["votes"])
    return campaign
