"""Recount every running count the dashboards read (issue 18): the register's, the holdings', the
visits' and the issues', from the rows themselves (``ledgers.counters``)."""

from django.core.management.base import BaseCommand

from baobao import clock
from ledgers.counters import counters_rebuild


class Command(BaseCommand):
    help = "Recount the business, holding, visit and issue tallies from the registers and ledgers."

    def handle(self, *args, **options):
        rows = counters_rebuild(today=clock.today())
        self.stdout.write(f"{rows} tally rows recounted.")
