"""Recount the register's running counts (entities.tallies) from the businesses themselves."""

from django.core.management.base import BaseCommand

from entities.tallies import entity_tallies_rebuild


class Command(BaseCommand):
    help = "Recount every business tally (division × grade × status) from the register."

    def handle(self, *args, **options):
        rows = entity_tallies_rebuild()
        self.stdout.write(f"{rows} tally rows recounted.")
