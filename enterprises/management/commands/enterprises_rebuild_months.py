from django.core.management.base import BaseCommand

from enterprises.months import record_months_rebuild


class Command(BaseCommand):
    help = (
        "Derive the records' monthly summary and the rates' rollup (the office's rates) "
        "again from the records and the businesses."
    )

    def handle(self, *args, **options):
        rows = record_months_rebuild()
        self.stdout.write(f"{rows} summary rows written, and the rates' rollup")
