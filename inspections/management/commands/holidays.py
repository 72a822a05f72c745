"""Enter a year's holiday arrangements (放假安排) from a CSV file, list them, or copy a year the
chinese-calendar package knows into the table."""

import csv
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from inspections.holidays import (
    PACKAGE_YEARS,
    HolidayFileError,
    holiday_list,
    holiday_rows_parse,
    holidays_fill_from_package,
    holidays_load,
)
from inspections.models import HolidayKind, Weekday

COLUMNS = ("day", "kind", "name")


class Command(BaseCommand):
    help = (
        "Holiday arrangements (放假安排): 'load FILE.csv' enters days from a CSV with the columns "
        "day,kind,name[,note] (kind: off/休 or work/班), all rows or none, and may be run again; "
        "'list --year Y' prints a year; 'fill-from-package --year Y' copies the chinese-calendar "
        "package's days of Y into the table."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="enter the days of a CSV file (UTF-8)")
        load.add_argument("file", type=Path)
        for name in ("list", "fill-from-package"):
            actions.add_parser(name).add_argument("--year", type=int, required=True)

    def handle(self, *args, action, file=None, year=None, **options):
        with translation.override(settings.LANGUAGE_CODE):
            if action == "load":
                self._load(file)
            elif action == "list":
                self._list(year)
            else:
                self._fill(year)

    def _load(self, path: Path) -> None:
        try:
            # utf-8-sig: Excel writes a byte-order mark before the header
            with path.open(encoding="utf-8-sig", newline="") as f:
                reader = csv.DictReader(f)
                missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
                if missing:
                    raise CommandError(
                        _("The file has no column %(columns)s; its first line must be: %(header)s")
                        % {"columns": ", ".join(missing), "header": ",".join(COLUMNS)}
                    )
                rows = holiday_rows_parse(reader)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(
                _("Cannot read %(file)s as a UTF-8 CSV file: %(error)s")
                % {"file": path, "error": exc}
            ) from exc
        except HolidayFileError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(
                _("Nothing was changed; lines with errors: %(count)d.") % {"count": len(exc.errors)}
            ) from exc
        changed = holidays_load(rows=rows)
        self.stdout.write(
            _("%(total)d days read, %(changed)d added or changed.")
            % {"total": len(rows), "changed": changed}
        )

    def _list(self, year: int) -> None:
        days = holiday_list(year=year)
        for holiday in days:
            self.stdout.write(
                f"{holiday.day.isoformat()} {Weekday(holiday.day.weekday()).label} "
                f"{HolidayKind(holiday.kind).label} {holiday.name} {holiday.note}".rstrip()
            )
        if not days:
            self.stdout.write(_("No holidays are entered for %(year)d.") % {"year": year})
            if year in PACKAGE_YEARS:
                self.stdout.write(
                    _("The chinese-calendar package's days are used for %(year)d.") % {"year": year}
                )

    def _fill(self, year: int) -> None:
        if year not in PACKAGE_YEARS:
            raise CommandError(
                _(
                    "The chinese-calendar package has no data for %(year)d (it knows %(first)d–%(last)d)."
                )
                % {"year": year, "first": PACKAGE_YEARS[0], "last": PACKAGE_YEARS[-1]}
            )
        changed = holidays_fill_from_package(year=year)
        self.stdout.write(
            _("%(changed)d days of %(year)d copied from the chinese-calendar package.")
            % {"changed": changed, "year": year}
        )
