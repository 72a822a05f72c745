"""The reminder and warning rules (督导提醒与预警规则) and the holiday arrangements (放假安排)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ReminderPolicy(models.Model):  # 督导提醒与预警规则
    """When reminders and warnings go out: one row, edited by the admin. Beat runs every job
    daily and each job reads this row to decide whether today is a sending day, so a change
    takes effect the next morning without restarting anything."""

    quarter_start_enabled = models.BooleanField(_("send the quarter's task"), default=True)
    in_quarter_day = models.PositiveSmallIntegerField(
        _("reminder day of the 2nd and 3rd month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_(
            "Cadres with unvisited businesses are reminded on this day of the quarter's "
            "second and third month."
        ),
    )
    final_weeks = models.PositiveSmallIntegerField(
        _("weekly reminders in the last weeks"),
        default=2,
        validators=[MaxValueValidator(6)],
        help_text=_("Weekly reminders in this many last weeks of the quarter (0: none)."),
    )
    final_weekday = models.PositiveSmallIntegerField(
        _("weekday of the weekly reminders"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    overdue_delay_days = models.PositiveSmallIntegerField(
        _("days after quarter end for the overdue warning"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    issue_lead_days = models.PositiveSmallIntegerField(
        _("days before a rectification deadline to warn"),
        default=3,
        validators=[MaxValueValidator(60)],
    )
    issue_repeat_days = models.PositiveSmallIntegerField(
        _("days between overdue issue warnings"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    reassign_limit_working_days = models.PositiveSmallIntegerField(
        _("re-assignment limit (working days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    catch_up_days = models.PositiveSmallIntegerField(
        _("days a missed sending day is made up"),
        default=3,
        validators=[MaxValueValidator(14)],
        help_text=_(
            "If the jobs did not run on a sending day (a server outage), they send "
            "that day's messages on the next run within this many days."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policy")

    def __str__(self):
        return str(_("Reminder policy"))

    def save(self, *args, **kwargs):
        self.pk = 1  # a singleton
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The reminder policy is edited, never deleted.")

    @classmethod
    def load(cls) -> "ReminderPolicy":
        """The policy in force: the saved row, or the defaults when none was saved yet."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class HolidayKind(models.TextChoices):
    DAY_OFF = "off", _("Day off (holiday)")
    WORKING_DAY = "work", _("Make-up working day")


class Holiday(models.Model):  # 放假安排, one day of it: 休 or 班 (调休)
    """A day whose status the office entered: a day off, or a weekend made a working day (调休).
    Once a year has any row, that year's days without one are working days iff Monday to Friday,
    whatever the chinese-calendar package says (see ``inspections.reminders.days``)."""

    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=4, choices=HolidayKind.choices)
    name = models.CharField(
        _("holiday name"), max_length=50, help_text=_("As in the notice, e.g. 春节 or 国庆节.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("holiday arrangement")
        verbose_name_plural = _("holiday arrangements")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day.isoformat()} {self.name} ({self.get_kind_display()})"
