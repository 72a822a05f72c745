"""The zh_Hans catalogues are complete, current with the source, and compiled."""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR, "locale", "zh_Hans", "LC_MESSAGES")


def po_entries() -> dict[str, str]:
    """msgid → msgstr of the .po file (single-line and continued strings)."""
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n"):
        if "#, fuzzy" in block and 'msgid ""\nmsgstr ""\n"Project' not in block:
            entries[f"FUZZY:{block}"] = ""
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr ((?:".*"\n?)+)', block, re.M)
        if msgid and msgstr:

            def join(group):
                raw = "".join(re.findall(r'"(.*)"', group))
                return raw.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")

            entries[join(msgid.group(1))] = msgstr.group(1)
    entries.pop("", None)
    return entries


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = [msgid for msgid, msgstr in po_entries().items() if msgstr.strip() in ('""', "")]
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_source():
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog
    missing = [msgid for msgid in po_entries() if msgid not in compiled]
    assert missing == [], "run `make messages` and commit the .mo"


def _msgids(po: Path) -> set[str]:
    """The msgids of a .po file (continued strings joined), obsolete entries left out."""
    text = po.read_text(encoding="utf-8")
    found = re.findall(r'^msgid ((?:".*"\n)+)', text, re.M)
    return {"".join(re.findall(r'"(.*)"', group)) for group in found} - {""}


def test_the_catalogues_hold_every_message_of_the_source(tmp_path):
    """``makemessages`` over a copy of the tree finds no message the committed catalogues lack:
    a string added to the code without ``make messages`` shows in English to Chinese users."""
    if shutil.which("xgettext") is None:
        message = "GNU gettext (xgettext) is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; .ci/run installs Debian's gettext")
        pytest.skip(f"{message} (apt-get install gettext)")
    root = Path(settings.BASE_DIR)
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True, timeout=60
    ).stdout.decode()
    copy = tmp_path / "tree"
    for name in filter(None, listed.split("\0")):
        if name.startswith("tests/") or not (root / name).is_file():
            continue
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / name, copy / name)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--ignore=tests"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(copy)},
    )
    assert result.returncode == 0, result.stderr
    missing = {}
    for po in sorted(copy.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")):
        committed = root / po.relative_to(copy)
        new = _msgids(po) - _msgids(committed)
        if new:
            missing[str(po.relative_to(copy))] = sorted(new)
    assert missing == {}, "run `make messages`, translate, and commit the catalogues"
