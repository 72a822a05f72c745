"""Export jobs (a large ledger export run by a worker) and import batches (an uploaded sheet)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from baobao import clock
from baobao.models import Division
from baobao.uploads import private_upload_name


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def export_upload_to(instance, filename):
    """``exports/YYYY/job-<id>.xlsx``: the sweeper can tell which job a file belongs to, and
    deletes the files no job refers to (a worker killed between writing the file and saving the
    row leaves one)."""
    if instance.pk is None:
        return private_upload_name("exports", filename)
    return f"exports/{clock.today():%Y}/job-{instance.pk}.xlsx"


class ExportJobQuerySet(models.QuerySet):
    def for_user(self, user):
        """A job is its requester's alone, whatever their role."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(user=user)


class ExportJob(models.Model):  # 台账导出任务
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="export_jobs",
        verbose_name=_("requested by"),
    )
    ledgers = models.CharField(_("ledgers"), max_length=20)
    division = models.ForeignKey(
        Division,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    period_label = models.CharField(_("period"), max_length=40, blank=True)
    filename = models.CharField(_("file name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING
    )
    rows_expected = models.PositiveIntegerField(_("rows expected"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to=export_upload_to, blank=True, max_length=200)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # The worker's last sign of life (start, each progress report): a running job whose
    # heartbeat is older than EXPORT_LEASE_SECONDS lost its worker and is failed by the sweeper.
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="exportjob_user_created"),
            models.Index(fields=["expires_at"], name="exportjob_expires"),
        ]

    def __str__(self):
        return self.filename

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.rows_expected:
            return 0
        return min(99, self.rows_written * 100 // self.rows_expected)


class ImportKind(models.TextChoices):
    ENTITIES = "entities", _("Food businesses")
    CADRES = "cadres", _("Cadres")
    HOLDINGS = "holdings", _("Holdings")


class ImportStatus(models.TextChoices):
    # A batch is a job twice: the check (pending → checking → checked, or failed with the
    # reason) and the import (importing → imported, or back to checked with the reason).
    PENDING = "pending", _("Waiting to be checked")
    CHECKING = "checking", _("Being checked")
    CHECKED = "checked", _("Checked, not imported")
    IMPORTING = "importing", _("Being imported")
    IMPORTED = "imported", _("Imported")
    FAILED = "failed", _("Check failed")

    @classmethod
    def working(cls) -> tuple[str, ...]:
        return (cls.PENDING, cls.CHECKING, cls.IMPORTING)


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all", _("All or nothing")
    GOOD_ROWS = "good", _("Only the good rows")


def import_upload_to(instance, filename):
    return private_upload_name("imports", filename)


class ImportBatchQuerySet(models.QuerySet):
    def for_user(self, user):
        """A batch is seen by the clerk who uploaded it only."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        return self.filter(user=user)


class ImportBatch(models.Model):  # 表格导入批次
    """An uploaded sheet, checked by a worker: the rows as read and its dry-run plan (one entry
    per row) are stored, so importing never parses the file again; once imported, the result."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="import_batches",
        verbose_name=_("uploaded by"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    file = models.FileField(_("file"), upload_to=import_upload_to, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_checked = models.PositiveIntegerField(_("rows checked"), default=0)
    # The rows as read: [[row number, {field: text}], …], what the import plans from.
    sheet_rows = models.JSONField(_("rows read"), default=list)
    error = models.TextField(_("reason"), blank=True)
    # When the work was last handed to the broker (the sweeper hands it again after a minute)
    # and until when the worker that holds it is trusted to be alive.
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    # The dry run: [{"row": n, "action": create|change|unchanged|refused, "key": …, "name": …,
    # "changes": [field, …], "errors": [[column, reason], …]}, …] and the counts per action.
    plan = models.JSONField(_("dry run"), default=list)
    counts = models.JSONField(_("counts"), default=dict)
    mode = models.CharField(_("mode"), max_length=4, choices=ImportMode.choices, blank=True)
    result = models.JSONField(_("result"), default=dict)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(fields=["user", "uploaded_at"], name="importbatch_user_uploaded"),
            models.Index(
                fields=["status"],
                name="importbatch_working",
                condition=models.Q(status__in=["pending", "checking", "importing"]),
            ),
        ]

    def __str__(self):
        return self.original_name

    @property
    def working(self) -> bool:
        return self.status in ImportStatus.working()

    @property
    def percent(self) -> int:
        if self.status not in (ImportStatus.PENDING, ImportStatus.CHECKING):
            return 100
        if not self.rows_read:
            return 0
        # Rows are all read before the first is checked: the bar follows the checking.
        return min(99, self.rows_checked * 100 // self.rows_read)


class DashboardSnapshot(models.Model):  # 看板数据快照
    """A large area's dashboard figures as the refresh task last computed them, so that its page
    reads one row per child instead of grouping the whole subtree on every view."""

    division = models.OneToOneField(
        Division, on_delete=models.CASCADE, related_name="+", verbose_name=_("area")
    )
    # The local day the figures are of: they name this day's quarter and trend.
    day = models.DateField(_("day"))
    computed_at = models.DateTimeField(_("computed at"))
    # The area's overdue cadres, each counted once (the rows' figures do not add up to it).
    overdue_cadres = models.PositiveIntegerField(_("overdue cadres"), default=0)

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")

    def __str__(self):
        return str(self.division)


class DashboardSnapshotRow(models.Model):
    """One row of a snapshot: a child division, or the businesses registered on the area itself
    (``path`` is then the area's own)."""

    snapshot = models.ForeignKey(
        DashboardSnapshot, on_delete=models.CASCADE, related_name="rows", verbose_name=_("snapshot")
    )
    path = models.CharField(_("area path"), max_length=12)
    grade_a = models.PositiveIntegerField(default=0)
    grade_b = models.PositiveIntegerField(default=0)
    grade_c = models.PositiveIntegerField(default=0)
    grade_d = models.PositiveIntegerField(default=0)
    open = models.PositiveIntegerField(default=0)
    covered = models.PositiveIntegerField(default=0)
    # The trend, oldest quarter first: [[quarter code, due, visited], …].
    rates = models.JSONField(default=list)
    overdue_cadres = models.PositiveIntegerField(default=0)
    issues_open = models.PositiveIntegerField(default=0)
    issues_overdue = models.PositiveIntegerField(default=0)
    issues_raised = models.PositiveIntegerField(default=0)
    issues_closed = models.PositiveIntegerField(default=0)
    close_days_total = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("dashboard snapshot row")
        verbose_name_plural = _("dashboard snapshot rows")
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "path"], name="dashboardrow_one_per_path")
        ]

    def __str__(self):
        return self.path


class CoverageMonth(models.Model):  # 覆盖率月度留档
    """A division's open businesses and those held by a cadre in post, as the day's recording
    (``ledgers.coverage``) left them in a month: the last recording of a month is its coverage,
    which the month's report reads once the month is over."""

    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("division")
    )
    division_path = models.CharField(_("area path"), max_length=64)
    month = models.DateField(_("month"))  # its first day
    open = models.PositiveIntegerField(_("open businesses"), default=0)
    covered = models.PositiveIntegerField(_("covered businesses"), default=0)
    recorded_on = models.DateField(_("recorded on"))

    class Meta:
        verbose_name = _("monthly coverage")
        verbose_name_plural = _("monthly coverage")
        constraints = [
            models.UniqueConstraint(fields=["division", "month"], name="coverage_month_unique"),
        ]
        indexes = [
            models.Index(
                fields=["division_path", "month"],
                name="coverage_month_path",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self):
        return f"{self.division_path} {self.month:%Y-%m}: {self.covered}/{self.open}"
