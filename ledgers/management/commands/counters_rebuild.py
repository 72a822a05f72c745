"""Recount every running count the dashboards read (issue 18): the register's, the holdings', the
visits' and the issues', from the rows themselves, in that order (each reads the one before)."""

from django.core.management.base import BaseCommand

from baobao import clock
from cadres.tallies import holding_tallies_rebuild
from entities.tallies import entity_tallies_rebuild
from inspections.tallies import inspection_tallies_rebuild


class Command(BaseCommand):
    help = "Recount the business, holding, visit and issue tallies from the registers and ledgers."

    def handle(self, *args, **options):
        today = clock.today()
        rows = entity_tallies_rebuild() + holding_tallies_rebuild()
        rows += inspection_tallies_rebuild(today=today)
        self.stdout.write(f"{rows} tally rows recounted.")
