"""Run by the limits tests in a fresh interpreter: read one workbook with the importer's reader
and print, as JSON, the refusal (if any), the seconds taken and the extra resident memory (peak
RSS during the read minus RSS before it), so that no earlier test's peak hides this one's.

    python -m tests.ledgers.read_probe FILE [KIND]
"""

import json
import os
import sys
import time


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def _reset_peak() -> None:
    """Forget the peak resident size so far: Linux keeps ru_maxrss across exec, so a child of a
    large pytest process would start with the parent's peak. Writing 5 to clear_refs resets
    VmHWM (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def _peak_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baobao.settings")
    import django

    django.setup()
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from ledgers.imports import read_rows

    path, kind = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "entities")
    _reset_peak()
    before = _rss_mb()
    started = time.perf_counter()
    refusal, rows = None, 0
    with translation.override("zh-hans"), open(path, "rb") as handle:
        try:
            for _row in read_rows(handle, kind):
                rows += 1
        except ValidationError as exc:
            refusal = {"code": exc.code, "message": str(exc.message)}
    seconds = time.perf_counter() - started
    peak = _peak_mb()
    print(
        json.dumps(
            {"refusal": refusal, "rows": rows, "seconds": seconds, "extra_mb": peak - before}
        )
    )


if __name__ == "__main__":
    main()
