"""Write the default Word template (GB/T 9704 page, page numbers, styles) for an office to edit.

    manage.py report_template office.docx

Open it in Word, change what the office wants (a 红头 in the first page header, fonts, margins;
keep the style names Title, Normal, Heading 1, Heading 2 and Table Text), save it on the server
and point REPORT_DOCX_TEMPLATE at it: every report, commitment letter and list is then written
on it.
"""

from pathlib import Path

from django.core.management.base import BaseCommand

from ledgers.documents.official import default_template


class Command(BaseCommand):
    help = "Write the default GB/T 9704 Word template to a file, for an office to edit."

    def add_arguments(self, parser):
        parser.add_argument("path", help="where to write the .docx")

    def handle(self, *args, path, **options):
        Path(path).write_bytes(default_template())
        self.stdout.write(f"Wrote {path}")
