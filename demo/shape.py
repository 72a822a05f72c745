"""The shape of the demo: Tongren's published figures, its counties, and the mix of everything.

The figures are those of the Tongren news report (seed 000); ``--scale`` multiplies them.
"""

import datetime
import math
import random
from dataclasses import dataclass

from baobao.models import Level
from demo import names
from entities.models import Grade, ZoneKind

# Tongren's published figures (seed 000): entities by grade and cadres of every level.
ENTITY_FIGURES = {Grade.A: 48, Grade.B: 470, Grade.C: 1745, Grade.D: 37006}
CADRE_FIGURE = 8844
# Level mix of the 8,844 cadres; the rest are village cadres (村支两委). About 40 city leaders,
# 30 county leaders per county and 5 township leaders per township hold the A, B and C entities,
# so the 37,006 D entities fall to about 7,600 village cadres (about 5 each, 1-19 by village size).
CADRE_MIX = {Level.CITY: 40, Level.COUNTY: 300, Level.TOWNSHIP: 900}
ESCALATED_TO_CITY = 7  # Tongren moved 7 B entities up to city-level cadres
ZONES = 8
LEFT_CADRES = 24
REGRADES = 24
CLOSED = 40
SUSPENDED = 60
GAP_SHARE = 0.005
VILLAGES_WITHOUT_CADRE_SHARE = 0.005
# Villages left with a single cadre however many businesses they have: the overloaded cadres the
# balance page (防止畸轻畸重) must show.
CROWDED_VILLAGES_SHARE = 0.01
DEMO_CADRE_HOLDINGS = 6

BUSINESS_MIX = {
    Grade.A: {
        "school_canteen": 70,
        "central_kitchen": 10,
        "food_production": 15,
        "meal_delivery": 5,
    },
    Grade.B: {"catering": 45, "food_production": 20, "food_sales": 25, "market": 10},
    Grade.C: {"catering": 58, "food_sales": 35, "food_production": 7},
    Grade.D: {
        "food_sales": 45,
        "catering": 25,
        "small_eatery": 12,
        "small_workshop": 8,
        "stall": 10,
    },
}
ZONE_TYPES = {
    ZoneKind.RESTAURANT_STREET: ("catering", "small_eatery"),
    ZoneKind.WHOLESALE_MARKET: ("food_sales", "stall"),
    ZoneKind.INDUSTRIAL_PARK: ("food_production", "small_workshop"),
}
ZONE_LABELS = {
    ZoneKind.RESTAURANT_STREET: "餐饮街",
    ZoneKind.WHOLESALE_MARKET: "食品集中交易市场",
    ZoneKind.INDUSTRIAL_PARK: "食品工业园",
}
ZONE_KIND_ORDER = (
    ZoneKind.RESTAURANT_STREET,
    ZoneKind.WHOLESALE_MARKET,
    ZoneKind.INDUSTRIAL_PARK,
    ZoneKind.RESTAURANT_STREET,
)

ASSIGN_REASON = "按层级对应原则落实包保"
VILLAGE_ESCALATION = "本村暂无村级包保干部，由乡镇干部提级包保"
CITY_ESCALATION = "风险等级较高，从B级主体中提级由市级领导包保"
COUNTY_ESCALATION = "风险等级较高，由区级领导提级包保"
LEFT_REASONS = ("工作调动", "退休", "换届离任", "职务调整", "因病离岗")
REGRADE_REASONS = {
    (Grade.C, Grade.D): "经营规模缩小，年度风险分级下调",
    (Grade.D, Grade.C): "新增网络订餐业务，风险等级上调",
    (Grade.C, Grade.B): "扩大生产规模，年度风险分级上调",
}
REGRADE_TRANSFER_REASON = "分级调整后按层级对应调整包保干部"
CLOSE_REASONS = ("关停：经营者申请注销许可证", "关停：许可证到期未延续", "关停：店面拆迁")
SUSPEND_REASONS = ("停业：店面装修暂停营业", "停业：停业整改", "停业：季节性歇业")


@dataclass(frozen=True)
class CountySpec:
    code: str  # six digits (GB/T 2260)
    name: str
    townships: int  # at scale 1
    ethnic: str = ""  # for the names of 民族乡
    known: tuple[str, ...] = ()  # real township names, 街道 then 镇 then 乡


@dataclass(frozen=True)
class CitySpec:
    code: str  # four digits
    name: str
    counties: tuple[CountySpec, ...]


TONGREN = CitySpec(
    "5206",
    "铜仁市",
    (
        CountySpec(
            "520602",
            "碧江区",
            12,
            "侗族",
            (
                "环北街道",
                "市中街道",
                "河西街道",
                "灯塔街道",
                "川硐街道",
                "正光街道",
                "漾头镇",
                "坝黄镇",
                "云场坪镇",
                "滑石侗族苗族土家族乡",
                "和平土家族乡",
                "瓦屋侗族乡",
            ),
        ),
        CountySpec("520603", "万山区", 10, "侗族"),
        CountySpec("520621", "江口县", 10, "土家族"),
        CountySpec("520622", "玉屏侗族自治县", 6, "侗族"),
        CountySpec("520623", "石阡县", 18, "仡佬族"),
        CountySpec("520624", "思南县", 28, "土家族"),
        CountySpec("520625", "印江土家族苗族自治县", 17, "土家族"),
        CountySpec("520626", "德江县", 22, "土家族"),
        CountySpec("520627", "沿河土家族自治县", 23, "土家族"),
        CountySpec("520628", "松桃苗族自治县", 28, "苗族"),
    ),
)
# Two-digit city codes under 贵州省 (52) that no real city uses, for synthetic cities.
REAL_GUIZHOU_CITIES = {"01", "02", "03", "04", "05", "06", "23", "26", "27"}
SYNTHETIC_CITY_CODES = [f"{n:02d}" for n in range(7, 100) if f"{n:02d}" not in REAL_GUIZHOU_CITIES]


def scaled(figure: float, scale: float, minimum: int = 0) -> int:
    """``figure * scale`` rounded half up, at least ``minimum``."""
    return max(minimum, math.floor(figure * scale + 0.5))


def entity_counts(scale: float) -> dict[str, int]:
    return {grade: scaled(n, scale, 1) for grade, n in ENTITY_FIGURES.items()}


def apportion(total: int, weights: list[float], minimums: list[int]) -> list[int]:
    """Split ``total`` by ``weights`` (largest remainder) after giving each its minimum."""
    rest = total - sum(minimums)
    if rest <= 0 or not weights:
        return list(minimums)
    if not any(weights):
        weights = [1.0 if m else 0.0 for m in minimums] if any(minimums) else [1.0] * len(weights)
    quotas = [rest * w / sum(weights) for w in weights]
    shares = [math.floor(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - quotas[i], i))
    for i in by_remainder[: rest - sum(shares)]:
        shares[i] += 1
    return [m + s for m, s in zip(minimums, shares, strict=True)]


def synthetic_city(rng: random.Random, number: int, taken: set[str]) -> CitySpec:
    """A made-up city 示范市N with ten counties, for seeds larger than one city."""
    code = "52" + SYNTHETIC_CITY_CODES[number - 1]
    counties = []
    for k, serial in enumerate(("01", "02", "21", "22", "23", "24", "25", "26", "27", "28")):
        root = names.place_root(rng, taken)
        counties.append(
            CountySpec(code + serial, root + ("区" if k < 2 else "县"), rng.randint(8, 26))
        )
    return CitySpec(code, f"示范市{number}", tuple(counties))


D = datetime.date


def day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))
