"""The zh_Hans catalogue is complete and its compiled .mo matches the .po."""

import gettext
import re
from pathlib import Path

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
