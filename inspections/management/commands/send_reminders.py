"""Run the reminder and warning jobs in-process, as beat would this morning (no Celery needed)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from baobao import clock
from baobao.deadman import heartbeat_record, reminder_heartbeat
from baobao.models import NotificationKind
from inspections.reminders import JOBS, reminders_run


class Command(BaseCommand):
    help = (
        "Send the reminders and warnings due today (or on --today): each job decides from the "
        "reminder policy whether it is a sending day. Messages already sent are never sent again. "
        "E-mail and SMS go out through the worker; with the broker down the command still "
        "completes and the outbox sends them when it is back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--kind",
            action="append",
            choices=list(JOBS),
            help="only this job (repeatable); default: all of them",
        )
        parser.add_argument("--today", help="run as on this date, YYYY-MM-DD")
        parser.add_argument(
            "--dry-run", action="store_true", help="print who would get what; write nothing"
        )

    def handle(self, *args, kind=None, today=None, dry_run=False, **options):
        try:
            day = datetime.date.fromisoformat(today) if today else clock.local_day(clock.read())
        except ValueError as exc:
            raise CommandError(f"--today must be YYYY-MM-DD, not {today!r}") from exc
        sink = self._print if dry_run else None
        for name in kind or list(JOBS):
            result = reminders_run(kind=name, today=day, sink=sink)
            if not dry_run:
                heartbeat_record(name=reminder_heartbeat(name), now=clock.read())
            label = NotificationKind(name).label
            if result.period is None:
                self.stdout.write(f"{name} ({label}): not a sending day")
            else:
                verb = "would send" if dry_run else "sent"
                self.stdout.write(
                    f"{name} ({label}) for {result.period}: {verb} {result.messages} messages"
                )

    def _print(self, rows) -> int:
        for row in rows:
            who = row.recipient.get_full_name() or row.recipient.username
            self.stdout.write(f"  {row.recipient.username} ({who}): {row.title}")
        return len(rows)
