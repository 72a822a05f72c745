"""One Tongren-shaped city built in memory, then written table by table (``write_objects``).

The rows keep every invariant the services keep (level rule, one open holding per entity, an
adjustment for every holding, a first grading for every entity) without calling them per row.
"""

from collections import defaultdict

from baobao.models import Division, Level
from cadres.models import (
    Adjustment,
    AideKind,
    Assignment,
    Cadre,
    CadreAide,
    CadreStatus,
    ZoneAssignment,
)
from demo import history, holdings, names
from demo.copy import new, write_objects
from demo.rows import CityRows
from demo.shape import (
    BUSINESS_MIX,
    CADRE_FIGURE,
    CADRE_MIX,
    CROWDED_VILLAGES_SHARE,
    TONGREN,
    VILLAGES_WITHOUT_CADRE_SHARE,
    CountySpec,
    D,
    apportion,
    day,
    entity_counts,
    scaled,
)
from entities.models import Entity, EntityStatus, Grade, GradeChange, Zone


class CityBuilder(CityRows):
    """Builds one city's rows in memory (``build``), then inserts them (``write``)."""

    def build(self) -> "CityBuilder":
        self.build_divisions()
        self.build_entities()
        self.build_cadres()
        holdings.build(self)
        history.build(self)
        return self

    # divisions ---------------------------------------------------------------------------

    def _division(self, code: str, name: str, level: int, parent: Division | None) -> Division:
        division = self.ctx.existing_divisions.get(code)
        if division is None:
            path = Division.path_for(code, level)
            division = Division(code=code, name=name, level=level, parent=parent, path=path)
            self.new_divisions[level].append(division)
        elif parent is not None:
            division.parent = parent  # so that .parent never queries while building
        if parent is not None:
            self.children[parent.path].append(division)
        return division

    def build_divisions(self) -> None:
        rng, scale = self.rng, self.scale
        self.city = self._division(
            self.spec.code + "00000000", self.spec.name, Level.CITY, self.province
        )
        for spec in self.spec.counties:
            county = self._division(spec.code + "000000", spec.name, Level.COUNTY, self.city)
            self.counties.append(county)
            full = self._township_names(spec)
            wanted = max(2, scaled(spec.townships, scale))
            # Evenly spaced over the full list so that small seeds still have 街道, 镇 and 乡.
            picks = sorted({round(i * (len(full) - 1) / (wanted - 1)) for i in range(wanted)})
            serial = {"街道": 0, "镇": 100, "乡": 200}  # the statistical codes' own ranges
            for name, kind in (full[i] for i in picks):
                serial[kind] += 1
                code = f"{spec.code}{serial[kind]:03d}000"
                township = self._division(code, name, Level.TOWNSHIP, county)
                self.kind_of[township.path] = kind
                self.townships.append(township)
                self._build_villages(township, kind, max(2, scaled(rng.randint(12, 20), scale)))

    def _township_names(self, spec: CountySpec) -> list[tuple[str, str]]:
        if spec.known:
            return [(n, next(k for k in ("街道", "镇", "乡") if n.endswith(k))) for n in spec.known]
        n, taken = spec.townships, set()
        streets, xiang = 2, round(n * 0.25)
        result = []
        for i in range(n):
            root = names.place_root(self.rng, taken)
            if i < streets:
                result.append((root + "街道", "街道"))
            elif i >= n - xiang:
                ethnic = spec.ethnic if spec.ethnic and self.rng.random() < 0.4 else ""
                result.append((root + ethnic + "乡", "乡"))
            else:
                result.append((root + "镇", "镇"))
        return result

    def _build_villages(self, township: Division, kind: str, count: int) -> None:
        rng = self.rng
        communities = {"街道": count, "镇": max(1, count // 6), "乡": 1 if count >= 6 else 0}[kind]
        taken: set[str] = set()
        for i in range(count):
            root = names.place_root(rng, taken)
            if i < communities:
                code, name = f"{township.code[:9]}{i + 1:03d}", root + "社区"
                weight = (4.0 if kind == "街道" else 2.5) * rng.uniform(0.7, 1.3)
            else:
                code, name = f"{township.code[:9]}{200 + i - communities + 1:03d}", root + "村"
                weight = rng.uniform(0.4, 1.6)
            village = self._division(code, name, Level.VILLAGE, township)
            self.kind_of[village.path] = "社区" if i < communities else "村"
            self.villages.append(village)
            self.village_weight.append(weight)

    # entities ----------------------------------------------------------------------------

    def build_entities(self) -> None:
        rng = self.rng
        counts = entity_counts(self.scale)
        # Bigger businesses crowd into towns more than small ones do.
        concentration = {Grade.A: 2.0, Grade.B: 1.5, Grade.C: 1.2, Grade.D: 1.0}
        for grade in Grade.values:
            weights = [w ** concentration[grade] for w in self.village_weight]
            mix = BUSINESS_MIX[grade]
            types = rng.choices(list(mix), weights=list(mix.values()), k=counts[grade])
            places = rng.choices(self.villages, weights=weights, k=counts[grade])
            for business_type, village in zip(types, places, strict=True):
                self.entities.append(self._entity(grade, business_type, village))
                self.first_grade.append((grade, day(rng, D(2025, 11, 3), D(2025, 11, 28))))
                self.spans.append([])

    def _entity(self, grade: str, business_type: str, village: Division) -> Entity:
        rng, phones, codes = self.rng, self.ctx.phones, self.ctx.codes
        township = village.parent
        county = township.parent
        place = township.name[:2]
        if self.kind_of[village.path] == "社区":
            street = rng.choice(names.ROADS) if self.spec is TONGREN else place + "路"
            address = f"{county.name}{township.name}{village.name}{street}{rng.randint(1, 300)}号"
        else:
            address = f"{county.name}{township.name}{village.name}{rng.randint(1, 12)}组"
        # SAMR Order No. 60: larger businesses name a food safety director as well as an officer.
        large = grade in (Grade.A, Grade.B) or (grade == Grade.C and rng.random() < 0.5)
        return new(
            Entity,
            name=names.entity_name(
                rng,
                business_type=business_type,
                grade=grade,
                city=names.short(self.spec.name),
                county=names.short(county.name),
                place=place,
            ),
            uscc=codes.uscc(county_code=county.code[:6], business_type=business_type, grade=grade),
            licence_no=codes.licence(county_code=county.code[:6], business_type=business_type),
            business_type=business_type,
            grade=grade,
            division=village,
            division_path=village.path,
            address=address,
            director_name=names.person(rng) if large else "",
            director_phone=phones.any() if large else "",
            officer_name=names.person(rng),
            officer_phone=phones.any(),
            contact_phone=names.landline(rng) if grade != Grade.D else phones.any(),
        )

    # cadres ------------------------------------------------------------------------------

    def build_cadres(self) -> None:
        rng = self.rng
        n_city = scaled(CADRE_MIX[Level.CITY], self.scale, 1)
        n_county = scaled(CADRE_MIX[Level.COUNTY], self.scale, len(self.counties))
        n_township = scaled(CADRE_MIX[Level.TOWNSHIP], self.scale, len(self.townships))
        n_village = max(0, scaled(CADRE_FIGURE, self.scale) - n_city - n_county - n_township)

        count_at = defaultdict(int)  # (grade, path) → entities, for the village and above
        for e in self.entities:
            for path in (e.division.path, e.division.parent.path, e.division.parent.parent.path):
                count_at[e.grade, path] += 1

        self._cadres_in(self.city, n_city, names.CITY_POSTS, k="市")
        per_county = apportion(
            n_county,
            [count_at[Grade.B, c.path] + 2 for c in self.counties],
            [1] * len(self.counties),
        )
        for county, n in zip(self.counties, per_county, strict=True):
            self._cadres_in(county, n, names.COUNTY_POSTS, k=county.name[-1])
        per_township = apportion(
            n_township,
            [count_at[Grade.C, t.path] + 3 for t in self.townships],
            [1] * len(self.townships),
        )
        for township, n in zip(self.townships, per_township, strict=True):
            kind = self.kind_of[township.path]
            posts = names.STREET_POSTS if kind == "街道" else names.TOWNSHIP_POSTS
            self._cadres_in(township, n, posts, p=kind + "长")

        # A few remote villages have no cadre (their D entities go up to the township) and a few
        # have only one however busy they are; the demo township keeps an ordinary shape.
        candidates = [
            i
            for i, v in enumerate(self.villages)
            if count_at[Grade.D, v.path] and v.parent is not self.demo_township
        ]
        remote = [i for i in candidates if self.kind_of[self.villages[i].path] == "村"]
        wanted = scaled(VILLAGES_WITHOUT_CADRE_SHARE * len(self.villages), 1, 1)
        self.without_cadre = set(rng.sample(remote, min(wanted, len(remote))))
        others = [i for i in candidates if i not in self.without_cadre]
        wanted = scaled(CROWDED_VILLAGES_SHARE * len(self.villages), 1, 1)
        crowded = set(rng.sample(others, min(wanted, len(others))))
        weights = [
            0 if i in self.without_cadre or i in crowded else count_at[Grade.D, v.path]
            for i, v in enumerate(self.villages)
        ]
        weights = [w * rng.uniform(0.6, 1.4) for w in weights]
        minimums = [0 if i in self.without_cadre else 1 for i in range(len(self.villages))]
        for village, n in zip(self.villages, apportion(n_village, weights, minimums), strict=True):
            community = self.kind_of[village.path] == "社区"
            self._cadres_in(village, n, names.COMMUNITY_POSTS if community else names.VILLAGE_POSTS)

    def _cadres_in(self, division: Division, count: int, posts: tuple, **fmt) -> None:
        rng = self.rng
        for i in range(count):
            unit, title = names.post(posts, i, d=division.name, **fmt)
            signed = rng.random() < 0.92
            cadre = Cadre(
                name=names.person(rng),
                division=division,
                unit=unit,
                post=title,
                phone=self.ctx.phones.unique(),
                commitment_signed_on=day(rng, D(2025, 12, 1), D(2026, 1, 31)) if signed else None,
            )
            self.cadres.append(cadre)
            self.cadres_at[division.path].append(cadre)
            if division.level in (Level.CITY, Level.COUNTY):
                self._aides_for(cadre, division)

    def _aides_for(self, cadre: Cadre, division: Division) -> None:
        """每名市、县级包保干部配备1至2名协保员, and one 联络员."""
        rng = self.rng
        kinds = [AideKind.ASSISTANT] * (1 if rng.random() < 0.6 else 2) + [AideKind.LIAISON]
        for n, kind in enumerate(kinds):
            if kind == AideKind.ASSISTANT:
                unit, title = names.post(
                    names.ASSISTANT_POSTS, (n + len(self.aides)) % 4, d=division.name
                )
            else:
                unit, title = names.post(names.LIAISON_POSTS, rng.randrange(3), d=division.name)
            self.aides.append(
                CadreAide(
                    cadre=cadre,
                    kind=kind,
                    name=names.person(rng),
                    unit=unit,
                    post=title,
                    phone=self.ctx.phones.unique(),
                )
            )

    # writing -----------------------------------------------------------------------------

    def write(self, batch_size: int) -> None:
        for level in sorted(self.new_divisions):
            write_objects(Division, self.new_divisions[level], batch_size=batch_size)
        write_objects(Zone, self.zones, batch_size=batch_size)
        write_objects(Entity, self.entities, batch_size=batch_size)
        first = [
            new(
                GradeChange,
                entity=e,
                old_grade="",
                new_grade=grade,
                reason="初次定级",
                effective_date=on,
            )
            for e, (grade, on) in zip(self.entities, self.first_grade, strict=True)
        ]
        write_objects(GradeChange, first + self.regrades, batch_size=batch_size)
        write_objects(Cadre, self.cadres, batch_size=batch_size)
        write_objects(CadreAide, self.aides, batch_size=batch_size)
        write_objects(ZoneAssignment, self.zone_assignments, batch_size=batch_size)
        assignments, opened = [], []
        for entity, spans in zip(self.entities, self.spans, strict=True):
            for span in spans:
                assignments.append(span.assignment(entity))
                opened.append(span.adjustment(entity))
        write_objects(Assignment, assignments, batch_size=batch_size)
        # In date order, so that the ledger's ids follow time as if the services had written it.
        ledger = sorted(opened + self.events, key=lambda a: a.effective_date)
        write_objects(Adjustment, ledger, batch_size=batch_size)

    def summary(self) -> dict:
        current = [s[-1] for s in self.spans if s and s[-1].end is None]
        open_entities = [i for i, e in enumerate(self.entities) if e.status != EntityStatus.CLOSED]
        return {
            "grades": {g: sum(1 for e in self.entities if e.grade == g) for g in Grade.values},
            "levels": {
                level: sum(1 for c in self.cadres if c.division.level == level)
                for level in (Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
            },
            "aides": len(self.aides),
            "holdings": len(current),
            "escalated": sum(1 for s in current if s.escalated),
            "zones": len(self.zones),
            "unheld": sum(1 for i in open_entities if not self.spans[i] or self.spans[i][-1].end),
            "held_by_left": sum(1 for s in current if s.cadre.status == CadreStatus.LEFT),
            "left": len(self.left),
            "closed": sum(1 for e in self.entities if e.status == EntityStatus.CLOSED),
            "suspended": sum(1 for e in self.entities if e.status == EntityStatus.SUSPENDED),
        }
