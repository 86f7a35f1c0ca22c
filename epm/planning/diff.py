"""A readable difference between two versions of the implementation plan.

Sections are compared line by line (difflib on lines); inside a changed line the inserted and
deleted words are marked. Chinese has no spaces between words, so CJK text is compared by
character while Latin words and numbers stay whole. Long unchanged stretches are collapsed.
The result is plain data; templates render `ins`/`del` segments with <ins>/<del>.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

# One token: a CJK character (ideographs, CJK punctuation, full-width forms), a Latin word or
# number, a run of whitespace, or any other single character.
_CJK = (
    r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
    r"\U00020000-\U0002ffff]"
)
_TOKEN = re.compile(rf"{_CJK}|(?:(?!{_CJK})[^\W_])+|\s+|.", re.DOTALL)
# Below this similarity a changed line is shown as removed and added, not marked word by word.
PAIR_RATIO = 0.3
# Unchanged lines kept around a change; longer unchanged runs are collapsed.
CONTEXT = 2


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class Segment:
    kind: str  # "equal", "ins" or "del"
    text: str


@dataclass
class Line:
    """One row of a section's difference.

    kind: "equal" (unchanged), "insert" (added line), "delete" (removed line), "change" (a line
    edited in place: `segments` mark the words), "skip" (`count` unchanged lines collapsed).
    """

    kind: str
    segments: list[Segment] = field(default_factory=list)
    count: int = 0

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass
class SectionDiff:
    code: str
    label: str
    changed: bool
    lines: list[Line] = field(default_factory=list)
    added: int = 0
    removed: int = 0


def inline_diff(old: str, new: str) -> list[Segment]:
    """The edit of one line as equal / deleted / inserted segments, merged where adjacent."""
    a, b = tokens(old), tokens(new)
    out: list[Segment] = []

    def put(kind: str, text: str) -> None:
        if not text:
            return
        if out and out[-1].kind == kind:
            out[-1] = Segment(kind, out[-1].text + text)
        else:
            out.append(Segment(kind, text))

    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            put("equal", "".join(a[i1:i2]))
        else:
            put("del", "".join(a[i1:i2]))
            put("ins", "".join(b[j1:j2]))
    return out


def _similar(old: str, new: str) -> bool:
    return SequenceMatcher(None, tokens(old), tokens(new), autojunk=False).ratio() >= PAIR_RATIO


def line_diff(old: str, new: str) -> list[Line]:
    """Every line of the difference between two texts (nothing collapsed)."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[Line] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            rows.extend(Line("equal", [Segment("equal", line)]) for line in a[i1:i2])
            continue
        olds, news = a[i1:i2], b[j1:j2]
        paired = min(len(olds), len(news)) if op == "replace" else 0
        for k in range(paired):
            if _similar(olds[k], news[k]):
                rows.append(Line("change", inline_diff(olds[k], news[k])))
            else:
                rows.append(Line("delete", [Segment("del", olds[k])]))
                rows.append(Line("insert", [Segment("ins", news[k])]))
        rows.extend(Line("delete", [Segment("del", line)]) for line in olds[paired:])
        rows.extend(Line("insert", [Segment("ins", line)]) for line in news[paired:])
    return rows


def collapse(rows: list[Line], context: int = CONTEXT) -> list[Line]:
    """Keep `context` unchanged lines around each change; fold longer unchanged runs."""
    out: list[Line] = []
    i = 0
    while i < len(rows):
        if rows[i].kind != "equal":
            out.append(rows[i])
            i += 1
            continue
        j = i
        while j < len(rows) and rows[j].kind == "equal":
            j += 1
        run = rows[i:j]
        head = context if i > 0 else 0  # after a change
        tail = context if j < len(rows) else 0  # before a change
        if len(run) > head + tail + 1:
            out.extend(run[:head])
            out.append(Line("skip", count=len(run) - head - tail))
            out.extend(run[len(run) - tail :] if tail else [])
        else:
            out.extend(run)
        i = j
    return out


def section_diff(code: str, label: str, old: str, new: str) -> SectionDiff:
    old, new = old or "", new or ""
    if old == new:
        count = len(new.splitlines())
        return SectionDiff(code, label, False, [Line("skip", count=count)] if count else [])
    rows = line_diff(old, new)
    added = sum(1 for r in rows if r.kind in ("insert", "change"))
    removed = sum(1 for r in rows if r.kind in ("delete", "change"))
    return SectionDiff(code, label, True, collapse(rows), added, removed)


def plan_diff(
    sections: Sequence[tuple[str, str]],
    old: Mapping[str, str],
    new: Mapping[str, str],
) -> list[SectionDiff]:
    """The difference of two versions' sections, in plan order; `sections` is (code, label)."""
    return [
        section_diff(code, label, str(old.get(code, "")), str(new.get(code, "")))
        for code, label in sections
    ]
