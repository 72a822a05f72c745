"""The in-memory rows of one demo city, which the builders (``city``, ``holdings``, ``history``,
``visits``) fill and read: kept apart from them so that none of them imports another's caller."""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field

from baobao.models import Division
from cadres.models import Adjustment, AdjustmentKind, Assignment, Cadre, CadreAide, ZoneAssignment
from demo import names
from demo.copy import new
from demo.shape import ASSIGN_REASON, CitySpec
from entities.models import Entity, GradeChange, Zone


@dataclass
class SeedContext:
    """What all cities of one seed share: the random stream and the unique-code generators."""

    rng: random.Random
    phones: names.Phones
    codes: names.Codes
    existing_divisions: dict[str, Division]
    place_roots: set[str] = field(default_factory=set)


@dataclass
class Span:
    """One holding of an entity: its Assignment row and the Adjustment row that opened it."""

    cadre: Cadre
    start: datetime.date
    kind: str = AdjustmentKind.ASSIGN
    reason: str = ASSIGN_REASON
    escalated: bool = False
    via_zone: ZoneAssignment | None = None
    from_cadre: Cadre | None = None
    end: datetime.date | None = None

    def assignment(self, entity: Entity) -> Assignment:
        return new(
            Assignment,
            entity=entity,
            cadre=self.cadre,
            start_date=self.start,
            end_date=self.end,
            via_zone=self.via_zone,
            escalated=self.escalated,
            escalation_reason=self.reason if self.escalated else "",
        )

    def adjustment(self, entity: Entity) -> Adjustment:
        return new(
            Adjustment,
            kind=self.kind,
            entity=entity,
            from_cadre=self.from_cadre,
            to_cadre=self.cadre,
            zone=self.via_zone.zone if self.via_zone else None,
            reason=self.reason,
            effective_date=self.start,
        )


class CityRows:
    """One city's rows in memory.

    Entities are addressed by their index in ``entities``; ``spans[i]`` lists entity i's holdings
    in time order, the last one open unless the entity is unheld or closed.
    """

    def __init__(self, ctx: SeedContext, spec: CitySpec, scale: float, province: Division):
        self.ctx = ctx
        self.rng = ctx.rng
        self.spec = spec
        self.scale = scale
        self.province = province
        self.city: Division = province  # set by build_divisions()
        self.new_divisions: dict[int, list[Division]] = defaultdict(list)
        self.counties: list[Division] = []
        self.townships: list[Division] = []
        self.villages: list[Division] = []
        self.village_weight: list[float] = []
        self.children: dict[str, list[Division]] = defaultdict(list)
        self.kind_of: dict[str, str] = {}  # township path → 街道/镇/乡, village path → 社区/村
        self.entities: list[Entity] = []
        self.first_grade: list[tuple[str, datetime.date]] = []  # each entity's first grading
        self.regrades: list[GradeChange] = []
        self.cadres: list[Cadre] = []
        self.cadres_at: dict[str, list[Cadre]] = defaultdict(list)
        self.aides: list[CadreAide] = []
        self.without_cadre: set[int] = set()  # village indexes
        self.zones: list[Zone] = []
        self.zone_assignments: list[ZoneAssignment] = []
        self.spans: list[list[Span]] = []
        self.events: list[Adjustment] = []  # ledger rows that open no holding
        self.touched: set[int] = set()  # entity indexes a history event already changed
        self.demo_cadre: Cadre | None = None
        self.left: list[Cadre] = []

    @property
    def demo_county(self) -> Division:
        return self.counties[0]

    @property
    def demo_township(self) -> Division:
        return self.children[self.demo_county.path][0]
