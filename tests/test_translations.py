"""The Simplified Chinese catalogue is complete, and the compiled one says the same."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent.parent / "epm" / "locale" / "zh_Hans" / "LC_MESSAGES"
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def _entries():
    """(flags, msgid, msgstr) per entry of the .po file, strings unescaped."""
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        if "msgstr" not in block:
            continue
        head, tail = block.split("msgstr", 1)
        head = head.split("msgid_plural")[0]
        msgid = "".join(ast.literal_eval(q) for q in QUOTED.findall(head.split("msgid", 1)[1]))
        msgstr = "".join(ast.literal_eval(q) for q in QUOTED.findall(tail))
        if msgid:  # the header entry has an empty msgid
            yield block, msgid, msgstr


def _compiled(compiled: gettext.GNUTranslations, block: str, msgid: str) -> str:
    """The compiled translation of an entry, in its context when it has one (pgettext)."""
    context = re.search(r'^msgctxt (".*")$', block, re.MULTILINE)
    if context:
        return compiled.pgettext(ast.literal_eval(context.group(1)), msgid)
    return compiled.gettext(msgid)


def test_every_message_is_translated_and_none_is_fuzzy():
    problems = [m for block, m, s in _entries() if not s or "#, fuzzy" in block]
    assert problems == []


def test_compiled_catalogue_matches_the_source():
    with (CATALOGUE / "django.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [
        msgid
        for block, msgid, msgstr in _entries()
        if "msgid_plural" not in block and _compiled(compiled, block, msgid) != msgstr
    ]
    assert stale == [], "run `epm compilemessages -l zh_Hans`"
