"""Every page template's ``<title>`` block is text: a tag left inside it (an unclosed block that
swallowed part of the page) shows as raw markup in the browser's tab and renders that part twice."""

import re
from pathlib import Path

from django.conf import settings

TITLE = re.compile(r"{%\s*block title\s*%}(.*?){%\s*endblock", re.S)


def _templates():
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += Path(settings.BASE_DIR).glob("*/templates")
    for root in roots:
        yield from root.rglob("*.html")


def test_every_title_block_is_plain_text():
    titled = 0
    for path in _templates():
        for block in TITLE.findall(path.read_text(encoding="utf-8")):
            titled += 1
            assert "<" not in block and "\n" not in block.strip(), f"{path}: {block[:80]!r}"
    assert titled > 20  # the pattern finds the pages' titles
