"""Tables of the machinery that runs the jobs: the outbox of tasks to enqueue, the heartbeats
of beat and the daily runs, and the alarms raised when one is late (the dead man's switch).

Imported by ``baobao.models``; they belong to the ``baobao`` app.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baobao import clock


class Outbox(models.Model):
    """A task to enqueue, written in the transaction of the work it follows (baobao/outbox.py)."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        app_label = "baobao"
        verbose_name = _("outbox entry")
        verbose_name_plural = _("outbox")
        ordering = ["created_at", "id"]
        indexes = [
            # What the sweeper reads: only rows not yet handed to the broker are in this index.
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbox_unsent"
            ),
        ]

    def __str__(self):
        return self.task


class Heartbeat(models.Model):
    """The last time something that must happen did: a beat tick ("beat"), a reminder job's
    completion ("reminders:<kind>"). One row per name, overwritten."""

    name = models.CharField(_("name"), max_length=100, primary_key=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        app_label = "baobao"
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return self.name


class Alarm(models.Model):
    """One incident of the dead man's switch: raised once (the administrators are told then),
    cleared when the heartbeat is back."""

    name = models.CharField(_("name"), max_length=100)
    message = models.CharField(_("message"), max_length=300)
    raised_at = models.DateTimeField(_("raised at"), default=clock.now)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)

    class Meta:
        app_label = "baobao"
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        ordering = ["-raised_at", "-id"]
        constraints = [
            # One open incident per name: raising it again is a no-op.
            models.UniqueConstraint(
                fields=["name"], condition=Q(cleared_at__isnull=True), name="alarm_one_open"
            ),
        ]

    def __str__(self):
        return self.name
