"""Inline Markdown in Apertium's stream format, and back.

Emphasis, link text and paired inline HTML become word-bound blanks on each of their words
(``[[t:s:0]]blanca[[/]]``), so the markup follows its words when Apertium's transfer rules
reorder them; code, URLs, math, identifiers and link targets become superblanks
(``[`x`]``), copied untouched. This is the format apertium-apy's HTML mode uses; see
https://wiki.apertium.org/wiki/Word-bound_blanks.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from corpora.inline import tokenize
from corpora.placeholders import Markup, wrap_whole

_SPECIAL = re.compile(r"[\\\[\]^$/@<>{}*]")


def _escape(text: str) -> str:
    return _SPECIAL.sub(lambda m: "\\" + m.group(), text)


#: Stands for "^" inside a superblank: Apertium 3.8 (eng-spa) drops a superblank holding an
#: escaped "^" after a sentence's final stop, with the rest of the request (a Markdown
#: footnote call ``unite.[^1]`` hung the run waiting for the answer). A private-use character.
_CARET = "\uf8f0"


@dataclass(frozen=True)
class Encoded:
    """What ``decode`` needs to rebuild a segment's markup.

    Attributes:
        spans: Per span number, its Markdown.
        blanks: Per superblank of the request, in order, the spans it is inside (a literal
            inside emphasis, like ``*[^1] nota*``, stays inside it).
    """

    spans: dict[int, Markup]
    blanks: list[tuple[int, ...]]


def encode(text: str, references: Collection[str] = ()) -> tuple[str, Encoded]:
    """Turn a segment with inline Markdown into an Apertium stream request.

    Each word inside a span (emphasis, link text, paired inline HTML) gets the span's
    word-bound blank, so the markup follows its words when Apertium reorders them; protected
    pieces (code, URLs, math, identifiers) are superblanks, copied untouched.

    Args:
        text: The segment.
        references: The document's reference labels (see ``corpora.inline.tokenize``).

    Returns:
        The stream text and what ``decode`` needs.
    """
    out: list[str] = []
    stack: list[int] = []
    spans: dict[int, Markup] = {}
    blanks: list[tuple[int, ...]] = []
    opened: dict[int, str] = {}
    for piece in tokenize(text, references):
        if piece.kind == "open":
            stack.append(piece.span)
            opened[piece.span] = piece.text
        elif piece.kind == "close":
            stack.pop()
            spans[piece.span] = Markup(opened[piece.span], piece.closer, piece.text,
                                       piece.label or "")
        elif piece.kind == "protected":
            out.append(f"[{_escape(piece.text.replace('^', _CARET))}]")
            blanks.append(tuple(stack))
        elif stack:
            tag = ".".join(map(str, stack))
            out += [f"[[t:s:{tag}]]{_escape(w)}[[/]]" if w.strip() else w
                    for w in re.split(r"(\s+)", piece.text) if w]
        else:
            out.append(_escape(piece.text))
    return "".join(out), Encoded(spans, blanks)


_TOKEN = re.compile(r"\[\[((?:t:s:[\d.]+;?\s*)+)\]\](.*?)\[\[/\]\]|\[\[[^\]]*\]\]|"
                    r"\[((?:\\.|[^\]\\])*)\]|\\(.)|([^\[\\]+)", re.DOTALL)
_ENTRY = re.compile(r"t:s:([\d.]+)")
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
_WORD = re.compile(r"(\s*)(\w+(?:['’-]\w+)*|\S)", re.DOTALL)


def _tokens(stream: str, encoded: Encoded) -> list[tuple[str, tuple[int, ...]]]:
    """The answer as (text, span numbers) tokens.

    When a transfer rule joins several words, Apertium merges their word-bound blanks onto
    the first word it writes (``[[t:s:0; t:s:0]]very[[/]] hot``); the extra entries go to
    the words that follow it, in order.
    """
    tokens: list[tuple[str, tuple[int, ...]]] = []
    pending: list[tuple[int, ...]] = []
    blanks = iter(encoded.blanks)

    def ids(entry: str) -> tuple[int, ...]:
        return tuple(int(i) for i in entry.split(".") if int(i) in encoded.spans)

    for m in _TOKEN.finditer(stream):
        if m.group(1) is not None:
            entries = [ids(e) for e in _ENTRY.findall(m.group(1))]
            parts = [p for p in re.split(r"(\s+)", _UNESCAPE.sub(r"\1", m.group(2))) if p]
            words = sum(bool(p.strip()) for p in parts)
            # Post-generation can join a word without a blank to the next one's ("a" +
            # "[[t:s:0]]old" → "[[t:s:0]]an old"): the words that lack an entry are the first
            at = -max(0, words - len(entries))
            for part in parts:
                word = bool(part.strip())
                tokens.append((part, entries[at] if word and at >= 0 else ()))
                at += word
            pending = entries[max(at, 0):]
        elif m.group(3) is not None:  # superblanks come back in order
            tokens.append((_UNESCAPE.sub(r"\1", m.group(3)).replace(_CARET, "^"),
                           next(blanks, ())))
        elif m.group(4) is not None:
            tokens.append((m.group(4), ()))
        elif m.group(5) is not None:
            rest = m.group(5)
            while pending and (w := _WORD.match(rest)):
                tokens += [(w.group(1), ()), (w.group(2), pending.pop(0))]
                rest = rest[w.end():]
            tokens.append((rest, ()))
    return tokens


def _joined(tokens: list[tuple[str, tuple[int, ...]]]) -> list[tuple[str, tuple[int, ...]]]:
    """A span stays one element: words Apertium moved between its words join it
    (``![foto del puerto]`` + ``bonita`` → ``![photo of the beautiful port]``, not two
    images). Outer spans first, so inner ones see the joined paths."""
    where: dict[int, list[int]] = {}
    for k, (_, ids) in enumerate(tokens):
        for span in ids:
            where.setdefault(span, []).append(k)
    for span in sorted(where, key=lambda s: tokens[where[s][0]][1].index(s)):
        at = where[span]
        ids0 = tokens[at[0]][1]
        path = ids0[:ids0.index(span) + 1]
        parent = path[:-1]
        gap = [k for k in range(at[0], at[-1] + 1) if span not in tokens[k][1]]
        if any(tokens[k][1][:len(parent)] != parent and tokens[k][0].strip() for k in gap):
            continue  # a word from outside the span's parent: left as Apertium put it
        for k in gap:
            text, ids = tokens[k]
            inner = ids[len(parent):] if ids[:len(parent)] == parent else ()
            tokens[k] = (text, path + inner)
    return tokens


def decode(stream: str, encoded: Encoded) -> str:
    """Turn an Apertium stream answer back into text with the request's inline Markdown."""
    return decode_noted(stream, encoded)[0]


def decode_noted(stream: str, encoded: Encoded) -> tuple[str, str | None]:
    """``decode``, and a note naming any span whose words did not come back (its markup is
    then put around the whole text rather than lost)."""
    if not encoded.spans and "[" not in stream and "\\" not in stream:
        return stream.strip(), None  # no blank, no escape, no markup to put back: as it came
    return _rebuilt(stream, encoded)


def _rebuilt(stream: str, encoded: Encoded) -> tuple[str, str | None]:
    spans = encoded.spans
    tokens = _joined(_tokens(stream, encoded))
    out: list[str] = []
    open_ids: list[int] = []
    starts: dict[int, int] = {}
    seen: set[int] = set()
    for i, (text, ids) in enumerate(tokens):
        if not ids and not text.strip():  # a blank between words of one span stays inside it
            nxt = next((t[1] for t in tokens[i + 1:] if t[1] or t[0].strip()), ())
            ids = tuple(_common(open_ids, nxt))
        keep = len(_common(open_ids, ids))
        for span in reversed(open_ids[keep:]):
            out.append(_closer(spans[span], out[starts[span] + 1:]))
        del open_ids[keep:]
        for span in ids[keep:]:
            starts[span] = len(out)
            out.append(spans[span].opener)
            open_ids.append(span)
            seen.add(span)
        out.append(text)
    for span in reversed(open_ids):
        out.append(_closer(spans[span], out[starts[span] + 1:]))
    text = "".join(out).strip()
    lost = [m for span, m in sorted(spans.items()) if span not in seen]
    for m in lost:
        text = wrap_whole(text, m)
    note = "; ".join(f"could not place {m.opener}…{m.closer}" for m in lost)
    return text, f"markup: {note}" if note else None


def _closer(markup: Markup, inner: list[str]) -> str:
    return markup.kept if markup.label and "".join(inner) == markup.label else markup.closer


def _common(a: Sequence[int], b: Sequence[int]) -> list[int]:
    prefix = []
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        prefix.append(x)
    return prefix
