"""Placeholders an NMT engine copies, and putting the markup back where they came out.

``corpora.inline.mask`` turns a protected literal into ``⟦i⟧`` and a span's markup into
``⟦i⟧…⟦/i⟧``; a model that copies them carries the markup with the words it translated (tag
transfer by placeholders; with no word alignment to project tags, the model's own placement is
verified instead). ``restore`` puts the literals back and never drops one: what the model lost,
reversed or crossed is put in a defined place and named in a note for the reviewer.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Markup(NamedTuple):
    """A span's markup in ``mask``'s literals.

    Attributes:
        opener: Written where ``⟦i⟧`` is.
        closer: Written where ``⟦/i⟧`` is.
        kept: The closer when the text inside came back as ``label`` (a shortcut reference
            link keeps its own ``]``); else the same as ``closer``.
        label: The label of a collapsed or shortcut reference link, or "".
        tight: The markers must touch the text (emphasis): spaces inside move outside.
        whole: For a link, an image or ``<a>``, the span's source text: put at the end when
            both its markers are lost (around the whole text it could nest in another link).
    """

    opener: str
    closer: str
    kept: str
    label: str = ""
    tight: bool = False
    whole: str = ""


Literal = str | Markup
Item = tuple[str, "str | int"]  # ("t", text) | ("o"/"c"/"p", literal number)

_MARK = re.compile(r"⟦\s*(/?)\s*(\d+)\s*⟧")
_OPENING = "([{¿¡«“‘\"'"
_FINAL = re.compile(r"[.!?…:;]+[\"'»”’)\]]*\s*$")


def restore(text: str, literals: list[Literal]) -> tuple[str, str | None]:
    """Put the literals back into an engine's output.

    Args:
        text: The engine's output, with the placeholders it copied.
        literals: ``mask``'s literals.

    Returns:
        The text with its markup, and a note naming what had to be placed by rule (None when
        every placeholder came back once and in order).
    """
    problems: list[str] = []
    items = _place_pairs(_items(text, literals), literals, problems)
    items = _uncross(items, literals, problems)
    _tighten(items, literals)
    out = _render(items, literals, problems)
    present = set(items)
    missing = [lit for i, lit in enumerate(literals)
               if isinstance(lit, str) and ("p", i) not in present]
    problems += [f"could not place {_show(lit)}" for lit in missing]
    missing += [lit.whole for i, lit in enumerate(literals)
                if isinstance(lit, Markup) and ("o", i) not in present]
    text = " ".join([out, *missing]) if missing else out
    return text, ("markup: " + "; ".join(problems)) if problems else None


def _items(text: str, literals: list[Literal]) -> list[Item]:
    items: list[Item] = []
    seen: set[tuple[int, bool]] = set()
    pos = 0
    for m in _MARK.finditer(text):
        items.append(("t", text[pos:m.start()]))
        pos = m.end()
        i, closing = int(m.group(2)), bool(m.group(1))
        if i >= len(literals) or (i, closing) in seen:
            continue  # a placeholder the source never had, or a copy: dropped
        if closing and not isinstance(literals[i], Markup):
            continue
        seen.add((i, closing))
        items.append(("c" if closing else "o" if isinstance(literals[i], Markup) else "p", i))
    items.append(("t", text[pos:]))
    return items


def _place_pairs(items: list[Item], literals: list[Literal], problems: list[str]
                 ) -> list[Item]:
    """Each span's two markers present and in order: reversed ones swap, a lost opener goes
    at the start, a lost closer before the final punctuation."""
    where = {item: k for k, item in enumerate(items) if item[0] in "oc"}
    first: list[Item] = []
    last: list[Item] = []
    for i, lit in enumerate(literals):
        if not isinstance(lit, Markup):
            continue
        o, c = where.get(("o", i)), where.get(("c", i))
        if o is not None and c is not None:
            if c < o:  # reversed: the markers swap
                items[o], items[c] = ("c", i), ("o", i)
                problems.append(f"moved {_show(lit.opener)}…{_show(lit.closer)}")
            continue
        problems.append(f"could not place {_show(lit.opener)}…{_show(lit.closer)}")
        if o is None and c is None and lit.whole:
            continue  # appended with its source text
        if o is None:
            first.insert(0, ("o", i))
        if c is None:
            last.append(("c", i))
    items = first + items
    if last:
        at = _end(items)
        items[at:at] = last
    return items


def _end(items: list[Item]) -> int:
    """Where a closer goes at the end: before the final punctuation of the text."""
    kind, last = items[-1]
    if kind == "t" and isinstance(last, str) and (m := _FINAL.search(last)) and m.start() > 0:
        items[-1:] = [("t", last[:m.start()]), ("t", last[m.start():])]
        return len(items) - 1
    return len(items)


def _uncross(items: list[Item], literals: list[Literal], problems: list[str]) -> list[Item]:
    """Spans nest: one closed while a later-opened one is still open closes that one too."""
    out: list[Item] = []
    stack: list[int] = []
    early: set[int] = set()
    for kind, value in items:
        if kind == "o" and isinstance(value, int):
            stack.append(value)
        elif kind == "c" and isinstance(value, int):
            if value in early or value not in stack:
                continue
            while stack[-1] != value:
                inner = stack.pop()
                early.add(inner)
                out.append(("c", inner))
                lit = literals[inner]
                assert isinstance(lit, Markup)  # noqa: S101 - only spans are opened
                problems.append(f"moved {_show(lit.opener)}…{_show(lit.closer)}")
            stack.pop()
        out.append((kind, value))
    return out


def _tighten(items: list[Item], literals: list[Literal]) -> None:
    """Spaces just inside emphasis markers move outside (``* a *`` is not emphasis); a space
    that would then stand next to another space or punctuation is dropped."""
    for k, (kind, value) in enumerate(items):
        lit = literals[value] if isinstance(value, int) else None
        if kind not in "oc" or not (isinstance(lit, Markup) and lit.tight):
            continue
        n = k + 1 if kind == "o" else k - 1
        if not 0 <= n < len(items) or items[n][0] != "t":
            continue
        text = str(items[n][1])
        inner = text.lstrip() if kind == "o" else text.rstrip()
        if inner == text or not inner:
            continue
        items[n] = ("t", inner)
        side = k - 1 if kind == "o" else k + 1
        outside = str(items[side][1]) if 0 <= side < len(items) and items[side][0] == "t" else ""
        edge = outside[-1:] if kind == "o" else outside[:1]
        if kind == "o":
            spaced = bool(edge) and not edge.isspace() and edge not in _OPENING
        else:
            spaced = edge.isalnum() or (bool(edge) and edge in _OPENING)
        if spaced:
            items[side] = ("t", outside + " " if kind == "o" else " " + outside)


def _render(items: list[Item], literals: list[Literal], problems: list[str]) -> str:
    parts: list[str] = []
    starts: dict[int, int] = {}
    for kind, value in items:
        if kind == "t":
            parts.append(str(value))
            continue
        assert isinstance(value, int)  # noqa: S101 - markers carry literal numbers
        lit = literals[value]
        if isinstance(lit, str):
            parts.append(lit)
        elif kind == "o":
            starts[value] = len(parts)
            parts.append(lit.opener)
        else:
            start = starts[value]
            if len(parts) == start + 1 or not any(x.strip() for x in parts[start + 1:]):
                problems.append(f"empty {_show(lit.opener)}…{_show(lit.closer)}")
            same = lit.label and "".join(parts[start + 1:]) == lit.label
            parts.append(lit.kept if same else lit.closer)
    return "".join(parts)


def wrap_whole(text: str, markup: Markup) -> str:
    """The text inside the span's markup, its final punctuation left outside: where a span
    whose words were all lost is put back."""
    m = _FINAL.search(text)
    cut = m.start() if m and m.start() > 0 else len(text)
    return markup.opener + text[:cut] + markup.closer + text[cut:]


def _show(literal: str) -> str:
    return literal if len(literal) <= 40 else literal[:37] + "..."
