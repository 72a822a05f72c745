"""Supervision visits (督导记录), their checklist results, photos and remarks."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from baobao.scoping import ScopedQuerySet
from baobao.uploads import private_upload_name
from cadres.models import Cadre
from entities.models import Entity
from inspections.models.checklists import ChecklistArea, ChecklistItem, ChecklistTemplate


class VisitQuerySet(ScopedQuerySet):
    area_path = "entity__division_path"
    cadre_fields = ("cadre_id",)

    def update(self, **kwargs):
        raise TypeError("A submitted visit is immutable: append a remark instead.")


class Visit(models.Model):  # 督导记录
    """One supervision visit. Immutable once submitted; corrections are appended as remarks."""

    entity = models.ForeignKey(
        Entity, on_delete=models.PROTECT, related_name="visits", verbose_name=_("food business")
    )
    # The cadre the visit counts for; logged_by may be their 协保员 or 联络员.
    cadre = models.ForeignKey(
        Cadre, on_delete=models.PROTECT, related_name="visits", verbose_name=_("cadre")
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("logged by"),
    )
    visited_at = models.DateTimeField(_("visited at"))
    # Quarter.code of visited_at in local time (20263 = 2026 Q3): the quarter the visit counts for.
    quarter = models.PositiveIntegerField(_("quarter"), editable=False)
    on_site = models.BooleanField(_("on site"), default=True)
    companions = models.CharField(_("came along"), max_length=200, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checklist"),
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    accuracy_m = models.PositiveIntegerField(_("location accuracy (m)"), null=True, blank=True)
    # One per visit form: a double tap or a resend of the same form never makes a second visit.
    idempotency_key = models.UUIDField(_("form key"), unique=True, editable=False)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision visit")
        verbose_name_plural = _("supervision visits")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["entity", "quarter"], name="visit_entity_quarter"),
            models.Index(fields=["cadre", "quarter"], name="visit_cadre_quarter"),
            models.Index(fields=["quarter", "visited_at"], name="visit_quarter_time"),
            # The ledger's seek paging: its order, alone and after the cadre filter.
            models.Index(fields=["-visited_at", "-id"], name="visit_seek"),
            models.Index(fields=["cadre", "-visited_at", "-id"], name="visit_cadre_seek"),
        ]

    def __str__(self):
        return f"{self.entity} · {self.visited_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("A submitted visit is immutable: append a remark instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Visits are never deleted.")


class CheckResult(models.TextChoices):
    PASS = "pass", _("Pass")
    PROBLEM = "problem", _("Problem")
    NOT_APPLICABLE = "na", _("Not applicable")


class VisitCheck(models.Model):
    """One checklist line of a visit; the item's text is copied so a later template edit cannot
    change what was checked."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="checks")
    item = models.ForeignKey(
        ChecklistItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    area = models.CharField(_("area"), max_length=20, choices=ChecklistArea.choices)
    text = models.CharField(_("check"), max_length=200)
    result = models.CharField(_("result"), max_length=10, choices=CheckResult.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("checklist result")
        verbose_name_plural = _("checklist results")
        ordering = ["visit", "id"]

    def __str__(self):
        return f"{self.text}: {self.get_result_display()}"


def visit_photo_upload_to(instance, filename):
    return private_upload_name("visits", filename)


# Uploads waiting for their re-encode: no view serves anything under this prefix (the photo view
# serves ``image`` only, once ready), so an original is never reachable by a URL.
QUARANTINE_PREFIX = "quarantine"


def visit_photo_quarantine_to(instance, filename):
    return private_upload_name(f"{QUARANTINE_PREFIX}/visits", filename)


class PhotoStatus(models.TextChoices):
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class PhotoFailure(models.TextChoices):
    """Why a photo ended failed, said where the photo would be shown."""

    UNREADABLE = (
        "unreadable",
        _("This photo could not be processed: the file is damaged or not an image."),
    )
    LOST = "lost", _("This photo could not be processed: the server failed on it several times.")


class VisitPhoto(models.Model):
    """A visit's photo. The submit stores the upload as a quarantined ``original`` (status
    processing); a worker re-encodes it into ``image`` (ready) or gives up (failed), and deletes
    the original either way (inspections/visit_photos.py)."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(
        _("photo"), upload_to=visit_photo_upload_to, max_length=200, blank=True
    )
    original = models.FileField(
        upload_to=visit_photo_quarantine_to, max_length=200, blank=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PhotoStatus.choices, default=PhotoStatus.READY
    )
    failure = models.CharField(max_length=10, choices=PhotoFailure.choices, blank=True)
    # Runs of the re-encode started: a photo that keeps killing its worker ends failed.
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["visit", "id"]
        indexes = [
            # The sweep's two lookups: photos still processing by when they were queued, and
            # which quarantined files a photo still refers to.
            models.Index(
                fields=["queued_at"],
                name="visit_photo_processing",
                condition=models.Q(status="processing"),
            ),
            models.Index(
                fields=["original"],
                name="visit_photo_quarantined",
                condition=~models.Q(original=""),
            ),
        ]

    def __str__(self):
        return self.image.name or self.get_status_display()


class VisitRemark(models.Model):
    """A correction or addition to a submitted visit, appended, never edited."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="remarks")
    text = models.TextField(_("remark"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit remark")
        verbose_name_plural = _("visit remarks")
        ordering = ["visit", "created_at", "id"]

    def __str__(self):
        return self.text[:50]
