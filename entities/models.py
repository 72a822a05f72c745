"""Food businesses (包保主体), their risk grades and grade history, and zones (片区)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Substr
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from baobao.models import PATH_DIGITS, Division, Level
from baobao.scoping import ScopedQuerySet
from baobao.tallies import Tally
from baobao.validators import normalize_phone, normalize_uscc, validate_phone, validate_uscc


class Grade(models.TextChoices):  # 风险等级
    A = "A", _("Grade A")
    B = "B", _("Grade B")
    C = "C", _("Grade C")
    D = "D", _("Grade D")


# 层级对应包保: the lowest cadre level that may hold an entity of each grade.
GRADE_LEVEL = {
    Grade.A: Level.CITY,
    Grade.B: Level.COUNTY,
    Grade.C: Level.TOWNSHIP,
    Grade.D: Level.VILLAGE,
}


class BusinessType(models.TextChoices):  # 业态
    FOOD_PRODUCTION = "food_production", _("Food production")
    FOOD_SALES = "food_sales", _("Food sales")
    CATERING = "catering", _("Catering")
    SCHOOL_CANTEEN = "school_canteen", _("School or childcare canteen")
    CENTRAL_KITCHEN = "central_kitchen", _("Central kitchen")
    MEAL_DELIVERY = "meal_delivery", _("Group meal delivery")
    SMALL_WORKSHOP = "small_workshop", _("Small food workshop")
    SMALL_EATERY = "small_eatery", _("Small eatery")
    STALL = "stall", _("Food stall")
    MARKET = "market", _("Food market")


# Types that may have no unified social credit code (a stall holds only a registration card).
TYPES_WITHOUT_USCC = {BusinessType.STALL}


class EntityStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class ZoneKind(models.TextChoices):
    INDUSTRIAL_PARK = "industrial_park", _("Food industrial park")
    RESTAURANT_STREET = "restaurant_street", _("Restaurant street")
    WHOLESALE_MARKET = "wholesale_market", _("Wholesale market")
    OTHER = "other", _("Other cluster")


def _holds(cadre_id: int) -> Q:
    """Entities (or zones) the cadre holds now."""
    return Q(assignments__cadre_id=cadre_id, assignments__end_date__isnull=True)


class ZoneQuerySet(ScopedQuerySet):
    area_path = "division__path"

    @classmethod
    def held(cls, cadre_id: int) -> Q:
        return _holds(cadre_id)


class Zone(models.Model):  # 片区 (分片包保)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ZoneKind.choices, default=ZoneKind.OTHER
    )
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="zones", verbose_name=_("division")
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ZoneQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["division__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "name"], name="zone_unique_name_in_division"
            ),
        ]

    def __str__(self):
        return self.name


# A city's and a county's businesses have an index of their own in name order (expression
# indexes on the prefix of ``division_path``, see ``Entity.Meta``): a list of a city sorted by
# name reads its first page straight off it, whatever the filter. On the (name, id) index the
# planner walked the province's names checking each row's area (a city's names cluster: 210k
# rows read to find a page of a city's businesses without a cadre); on the area range it sorted
# the whole city. A township's or a village's few hundred are a range of the area index, sorted.
NAME_ORDERED_DIGITS = (PATH_DIGITS[Level.CITY], PATH_DIGITS[Level.COUNTY])


def area_q(path: str) -> Q:
    """The businesses in the area whose division path is ``path`` (that division and below)."""
    if len(path) in NAME_ORDERED_DIGITS:
        return Q(Exact(Substr("division_path", 1, len(path)), Value(path)))
    return Q(division_path__startswith=path)


class EntityQuerySet(ScopedQuerySet):
    @classmethod
    def area(cls, prefix: str) -> Q:
        return area_q(prefix)

    @classmethod
    def held(cls, cadre_id: int) -> Q:
        return _holds(cadre_id)

    def in_area(self, division: Division):
        """The businesses in ``division`` and below it, on the business's own indexed copy of
        its division's path (no join to the divisions)."""
        return self.filter(area_q(division.path))

    def active(self):
        return self.filter(status=EntityStatus.ACTIVE)


class Entity(models.Model):  # 包保主体
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_uscc],
        help_text=_("18 characters (GB 32100-2015). May be left empty only for food stalls."),
    )
    licence_no = models.CharField(_("licence number"), max_length=40, blank=True)
    business_type = models.CharField(
        _("business type"), max_length=20, choices=BusinessType.choices
    )
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    division = models.ForeignKey(
        Division,
        on_delete=models.PROTECT,
        related_name="entities",
        verbose_name=_("division"),
        db_index=False,
    )
    # A copy of ``division.path``, kept by ``save()`` (and by the bulk writers, which set it
    # themselves): an area's businesses are then one range of an index that also orders them by
    # name. Through a join to the divisions, PostgreSQL walked the name index across the whole
    # province to find a city's first page of a filtered list (issue 7: 167k index rows read to
    # find 26 for a city).
    division_path = models.CharField(_("area path"), max_length=12, editable=False)
    address = models.CharField(_("address"), max_length=255, blank=True)
    zone = models.ForeignKey(
        Zone,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entities",
        verbose_name=_("zone"),
    )
    director_name = models.CharField(_("food safety director"), max_length=50, blank=True)
    director_phone = models.CharField(
        _("director's phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    officer_name = models.CharField(_("food safety officer"), max_length=50, blank=True)
    officer_phone = models.CharField(
        _("officer's phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    contact_phone = models.CharField(
        _("contact phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EntityStatus.choices, default=EntityStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EntityQuerySet.as_manager()
    # The path is derived from the division, which the history already records.
    history = HistoricalRecords(excluded_fields=["division_path"])

    class Meta:
        verbose_name = _("food business")
        verbose_name_plural = _("food businesses")
        ordering = ["name", "id"]
        indexes = [
            models.Index(
                fields=["division", "status", "grade"], name="entity_division_status_grade"
            ),
            models.Index(fields=["grade", "status"], name="entity_grade_status"),
            models.Index(fields=["business_type"], name="entity_business_type"),
            # The list's filters and its default order (name, id) on a large register; the name
            # search uses a pg_trgm index that migration 0003 creates on PostgreSQL only.
            models.Index(fields=["status"], name="entity_status"),
            # The province's list in name order. With the area's path alongside, a page's ids are
            # read from the index alone (baobao.keyset reads the ids first, then their rows), so
            # a filter that matches one business in a hundred walks index entries, not rows.
            models.Index(fields=["name", "id"], include=["division_path"], name="entity_name_id"),
            # An area's businesses by name (see NAME_ORDERED_DIGITS): any area as a range of the
            # first, a city's and a county's in name order on the other two.
            models.Index(
                fields=["division_path", "name", "id"],
                name="entity_area_name_id",
                opclasses=["varchar_pattern_ops", "varchar_ops", "int8_ops"],
            ),
            models.Index(
                Substr("division_path", 1, PATH_DIGITS[Level.CITY]),
                F("name"),
                F("id"),
                name="entity_city_name_id",
            ),
            models.Index(
                Substr("division_path", 1, PATH_DIGITS[Level.COUNTY]),
                F("name"),
                F("id"),
                name="entity_county_name_id",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"],
                condition=~Q(uscc=""),
                name="entity_uscc_unique",
                violation_error_code="uscc_taken",
                violation_error_message=_(
                    "Another business is already registered with this unified social credit code."
                ),
            ),
            models.UniqueConstraint(
                fields=["licence_no"],
                condition=~Q(licence_no=""),
                name="entity_licence_unique",
                violation_error_code="licence_taken",
                violation_error_message=_(
                    "Another business is already registered with this licence number."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(uscc="") | Q(business_type__in=sorted(TYPES_WITHOUT_USCC)),
                name="entity_uscc_required_unless_exempt",
            ),
            models.CheckConstraint(condition=Q(grade__in=Grade.values), name="entity_grade_valid"),
            # A bulk write that forgot the path would hide the business from every area's list.
            models.CheckConstraint(condition=~Q(division_path=""), name="entity_area_path_set"),
            models.CheckConstraint(
                condition=Q(status__in=EntityStatus.values), name="entity_status_valid"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self._copy_division_path()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "division" in update_fields:
            kwargs["update_fields"] = {*update_fields, "division_path"}
        super().save(*args, **kwargs)

    def _copy_division_path(self) -> None:
        if self.division_id is not None:
            self.division_path = self.division.path

    def clean(self):
        self._copy_division_path()
        self.uscc = normalize_uscc(self.uscc)
        self.licence_no = (self.licence_no or "").strip().upper()
        for field in ("director_phone", "officer_phone", "contact_phone"):
            setattr(self, field, normalize_phone(getattr(self, field)))
        if not self.uscc and self.business_type not in TYPES_WITHOUT_USCC:
            raise ValidationError(
                {
                    "uscc": ValidationError(
                        _("A unified social credit code is required for this business type."),
                        code="uscc_required",
                    )
                }
            )

    @property
    def required_level(self) -> Level:
        return GRADE_LEVEL[Grade(self.grade)]


class GradeChange(models.Model):  # 分级调整记录
    """One row per grading of an entity: the first grading and every regrade. Never edited."""

    entity = models.ForeignKey(
        Entity,
        on_delete=models.PROTECT,
        related_name="grade_changes",
        verbose_name=_("food business"),
    )
    old_grade = models.CharField(_("old grade"), max_length=1, choices=Grade.choices, blank=True)
    new_grade = models.CharField(_("new grade"), max_length=1, choices=Grade.choices)
    reason = models.CharField(_("reason"), max_length=255)
    effective_date = models.DateField(_("effective date"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("grade change")
        verbose_name_plural = _("grade changes")
        ordering = ["entity", "-effective_date", "-id"]

    def __str__(self):
        return f"{self.entity}: {self.old_grade or '-'} → {self.new_grade}"


class EntityTally(Tally):  # the register's running counts (entities.tallies)
    """How many businesses of one grade and status a division (a leaf of the tree) has."""

    grade = models.CharField(_("grade"), max_length=1)
    status = models.CharField(_("status"), max_length=20)
    n = models.IntegerField(_("businesses"), default=0)

    class Meta(Tally.Meta):
        verbose_name = _("business tally")
        verbose_name_plural = _("business tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["division", "grade", "status", "rollup"], name="entity_tally_unique"
            ),
        ]

    def __str__(self):
        return f"{self.division_path} {self.grade} {self.status}: {self.n}"
