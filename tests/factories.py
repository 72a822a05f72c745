"""factory_boy factories that keep related objects consistent.

The division tree is built under one province/city/county so that factories can be combined: a
cadre of the right level sits in a division that contains the entity's, and an assignment's cadre
fits its entity's grade.
"""

import datetime
import itertools

import factory
from django.db import transaction
from django.utils import timezone

from baobao.models import Division, Level, Role, User
from baobao.validators import uscc_complete
from cadres.loads import cadre_loads_recount
from cadres.models import AideKind, Assignment, Cadre, CadreAide
from cadres.tallies import holdings_recount
from entities.models import BusinessType, Entity, Grade, Zone
from entities.tallies import key_of, tallies_add, tally_moves
from inspections.quarters import Quarter
from inspections.tallies import issue_counted, visits_recount

_serial = itertools.count(1)


def valid_uscc(n: int) -> str:
    """A syntactically valid credit code with a correct check digit, unique per ``n``."""
    return uscc_complete(f"91520602{n:08d}")


def next_mobile(n: int) -> str:
    return f"139{n:08d}"


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Division
        django_get_or_create = ("code",)

    code = "520000000000"
    name = "贵州省"
    level = Level.PROVINCE
    parent = None


def province() -> Division:
    return DivisionFactory(code="520000000000", name="贵州省", level=Level.PROVINCE)


def city(code="520600000000", name="铜仁市") -> Division:
    return DivisionFactory(code=code, name=name, level=Level.CITY, parent=province())


def county(code="520602000000", name="碧江区", city_division=None) -> Division:
    return DivisionFactory(code=code, name=name, level=Level.COUNTY, parent=city_division or city())


def township(code="520602001000", name="环北街道", county_division=None) -> Division:
    return DivisionFactory(
        code=code, name=name, level=Level.TOWNSHIP, parent=county_division or county()
    )


def village(code="520602001001", name="金滩社区", township_division=None) -> Division:
    return DivisionFactory(
        code=code, name=name, level=Level.VILLAGE, parent=township_division or township()
    )


def wanshan() -> Division:
    """A second county beside the default 碧江区, for refusals across county lines."""
    return county(code="520603000000", name="万山区")


def wanshan_township() -> Division:
    return township(code="520603001000", name="仁山街道", county_division=wanshan())


def wanshan_village() -> Division:
    return village(code="520603001001", name="冲广坪社区", township_division=wanshan_township())


def new_mobile() -> str:
    """A mobile number no other factory object uses."""
    return next_mobile(next(_serial))


def aide_data(**kwargs) -> dict:
    """The fields of one 协保员 or 联络员 as ``cadre_create`` and ``aide_add`` take them."""
    return {"name": f"协保员{next(_serial)}", "phone": new_mobile(), **kwargs}


# The division a cadre of each level sits in, by default.
DEFAULT_DIVISION = {
    Level.PROVINCE: province,
    Level.CITY: city,
    Level.COUNTY: county,
    Level.TOWNSHIP: township,
    Level.VILLAGE: village,
}


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone

    name = factory.Sequence(lambda n: f"美食街{n}")
    kind = "restaurant_street"
    division = factory.LazyFunction(township)


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entity

    name = factory.Sequence(lambda n: f"测试餐饮店{n}")
    uscc = factory.LazyFunction(lambda: valid_uscc(next(_serial)))
    business_type = BusinessType.CATERING
    grade = Grade.D
    division = factory.LazyFunction(village)
    # save() keeps it; set here too for built objects written in bulk (the demo's COPY writer).
    division_path = factory.LazyAttribute(lambda entity: entity.division.path)
    address = "测试路1号"
    contact_phone = "0856-5221234"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Counted as the register's services count it (entities.tallies).
        entity = super()._create(model_class, *args, **kwargs)
        tallies_add(tally_moves([], [key_of(entity)]))
        return entity


class CadreFactory(factory.django.DjangoModelFactory):
    """A cadre in post. ``level`` picks the default division of that level."""

    class Meta:
        model = Cadre

    class Params:
        level = Level.VILLAGE

    name = factory.Sequence(lambda n: f"干部{n}")
    division = factory.LazyAttribute(lambda o: DEFAULT_DIVISION[Level(o.level)]())
    unit = "测试单位"
    post = "测试职务"
    phone = factory.LazyFunction(lambda: next_mobile(next(_serial)))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Counted as the cadre services count it (cadres.loads), in a transaction as theirs: the
        # recount locks the cadre's mark (a live-server or worker test has none of its own).
        with transaction.atomic():
            cadre = super()._create(model_class, *args, **kwargs)
            cadre_loads_recount(cadre_ids=[cadre.pk])
        return cadre


class CadreAideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CadreAide

    cadre = factory.SubFactory(CadreFactory, level=Level.COUNTY)
    kind = AideKind.ASSISTANT
    name = factory.Sequence(lambda n: f"协保员{n}")
    phone = factory.LazyFunction(lambda: next_mobile(next(_serial)))


class AssignmentFactory(factory.django.DjangoModelFactory):
    """A current holding whose cadre fits the entity's grade (the level rule)."""

    class Meta:
        model = Assignment

    entity = factory.SubFactory(EntityFactory)
    cadre = factory.LazyAttribute(lambda o: CadreFactory(level=o.entity.required_level))
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Counted as the holding services count it (cadres.tallies), in a transaction as theirs.
        with transaction.atomic():
            assignment = super()._create(model_class, *args, **kwargs)
            holdings_recount(entity_ids=[assignment.entity_id])
        return assignment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.COUNTY_OFFICE
    division = factory.LazyFunction(county)
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def office_user(division: Division, **kwargs) -> User:
    """An office user whose role matches the level of ``division``."""
    role = {
        Level.PROVINCE: Role.PROVINCE_OFFICE,
        Level.CITY: Role.CITY_OFFICE,
        Level.COUNTY: Role.COUNTY_OFFICE,
        Level.TOWNSHIP: Role.TOWNSHIP_OFFICE,
    }[Level(division.level)]
    return UserFactory(role=role, division=division, **kwargs)


def cadre_user(cadre: Cadre, **kwargs) -> User:
    return UserFactory(role=Role.CADRE, cadre=cadre, division=cadre.division, **kwargs)


def aide_user(aide: CadreAide, **kwargs) -> User:
    role = Role.ASSISTANT if aide.kind == AideKind.ASSISTANT else Role.LIAISON
    return UserFactory(role=role, aide=aide, division=aide.cadre.division, **kwargs)


def admin_user(**kwargs) -> User:
    return UserFactory(role=Role.ADMIN, division=None, is_staff=True, is_superuser=True, **kwargs)


class VisitFactory(factory.django.DjangoModelFactory):
    """A visit by the cadre holding the entity (the holding is created with it), this quarter."""

    class Meta:
        model = "inspections.Visit"

    class Params:
        assignment = factory.SubFactory(AssignmentFactory)

    entity = factory.SelfAttribute("assignment.entity")
    cadre = factory.SelfAttribute("assignment.cadre")
    logged_by = factory.LazyAttribute(lambda o: cadre_login(o.cadre))
    visited_at = factory.LazyFunction(timezone.now)
    quarter = factory.LazyAttribute(lambda o: _quarter_code(o.visited_at))
    idempotency_key = factory.Faker("uuid4", cast_to=None)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Counted as visit_record counts it (inspections.tallies).
        visit = super()._create(model_class, *args, **kwargs)
        visits_recount(entity_ids=[visit.entity_id])
        return visit


def cadre_login(cadre: Cadre) -> User:
    """The cadre's own user, made on first use (a cadre has at most one)."""
    return User.objects.filter(cadre=cadre).first() or cadre_user(cadre)


def crew_login(cadre: Cadre, who: str) -> User:
    """A login of the cadre's crew: ``"cadre"`` (the cadre's own), or a new ``"assistant"``
    (协保员) or ``"liaison"`` (联络员) of theirs."""
    if who == "cadre":
        return cadre_login(cadre)
    return aide_user(CadreAideFactory(cadre=cadre, kind=who))


def _quarter_code(moment) -> int:
    return Quarter.of(moment).code


class IssueFactory(factory.django.DjangoModelFactory):
    """An open issue raised in a visit."""

    class Meta:
        model = "inspections.Issue"

    visit = factory.SubFactory(VisitFactory)
    entity = factory.SelfAttribute("visit.entity")
    category = "hygiene"
    severity = "general"
    description = "后厨地面油污"
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=15))
    actor_kind = "business"
    raised_by = factory.SelfAttribute("visit.logged_by")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # ``created_at`` (auto_now_add) may be given: an issue raised on another day. Then
        # counted as the issue services count it (inspections.tallies).
        created_at = kwargs.pop("created_at", None)
        issue = super()._create(model_class, *args, **kwargs)
        if created_at is not None:
            model_class.objects.filter(pk=issue.pk).update(created_at=created_at)
            issue.created_at = created_at
        issue_counted(issue=issue, before=None)
        return issue


def second_township() -> Division:
    """川硐街道, a second township of 碧江区."""
    return township(code="520602002000", name="川硐街道")


def second_village() -> Division:
    """川硐社区, in 川硐街道."""
    return village(code="520602002001", name="川硐社区", township_division=second_township())
