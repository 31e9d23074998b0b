"""Wikitext inline markup as HTML-like tags in a block's part, and back.

A part holds the words of one block with its inline markup as the tags every non-Markdown
format uses, so the engines' placeholders (``corpora.inline``) keep them: ``''x''`` is
``<i>x</i>``, ``'''x'''`` is ``<b>x</b>``, ``[[Target|label]]`` and ``[https://x label]`` are
``<a href="…">label</a>``, a ``<br>`` is ``<br/>``. Everything else inline (templates, refs,
comments, files, categories, ``<nowiki>``, ``<math>``…) is a void tag with a number,
``<tpl id="3"/>``, ``<ref id="4"/>``, ``<wiki id="5"/>``, written back from the source wikitext.

The table of a part (its `Construct` list) says where each tag came from in the source; the
writer matches a translation's tags to it by their exact opener (the k-th ``<b>`` is the k-th
source ``<b>``), drops what it does not know, closes what is left open and puts a source link or
void construct the translation lost at the end, so every construct comes back once whatever an
engine did.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: ``<b>`` … ``</b>`` and friends, kept as pairs around their words.
FORMATTING = frozenset({"b", "i", "u", "s", "em", "strong", "small", "big", "sup", "sub",
                        "strike", "del", "ins", "span", "abbr", "cite", "q", "font", "mark",
                        "dfn", "bdi", "bdo"})
#: HTML elements whose content is blocks of its own, with the kind of those blocks.
CONTAINERS = {"blockquote": "quote", "li": "list_item", "dd": "list_item", "dt": "list_item",
              "td": "cell", "th": "cell", "caption": "caption", "div": "paragraph",
              "p": "paragraph", "center": "paragraph", "ol": "paragraph", "ul": "paragraph",
              "dl": "paragraph", "table": "paragraph", "tr": "paragraph", "tbody": "paragraph",
              "section": "paragraph", "figcaption": "caption"}
#: Markup mwparserfromhell left as text (a run of apostrophes: unbalanced bold or italics;
#: an unclosed link, template, tag or comment; braces and pipes, never prose in wikitext),
#: magic words and signatures: kept verbatim, so the markup around them parses as it did.
VERBATIM_TEXT = re.compile(r"'{2,}|\[{2,}|\]{2,}|[{}|]+|__[A-Z][A-Z_]*__|~{3,5}"
                           r"|</?[A-Za-z][^<>\n]*>|<!--|-->")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*?)?)\s*(/?)>")
_VOID_END = re.compile(r"\s*/?\s*>$")
_WS = re.compile(r"[ \t\r\n\f\v]+")  # a no-break space stays what it is
#: What must not reach the wikitext as typed: a tag-like ``<``, an entity-like ``&``, the
#: pipe (a cell or parameter separator), braces (templates), doubled brackets (links) or a
#: bracket before a URL (an external link), a bracket or apostrophe at either end of a piece
#: (it would join the markup beside it), a run of apostrophes, a signature, ``!!``.
_GUARD = re.compile(r"<(?=/?[A-Za-z]|[!?])|&(?=#?\w+;)|[|{}]|\[(?=[\[\]]|(?:https?|ftp)://|//)"
                    r"|\](?=[\[\]])|'(?=')|^['\[\]]|['\[\]]$|~(?=~~)|!(?=!)")
_CONTROL = re.compile("\x00")  # a NUL makes a file binary (the reader refuses it)
_GUARDED = {"<": "&lt;", "&": "&amp;", "|": "&#124;", "{": "&#123;", "}": "&#125;",
            "[": "&#91;", "]": "&#93;", "'": "&#39;", "~": "&#126;", "!": "&#33;"}
#: An embedded image (``[[:File:…]]``, with a colon, is a link to the file's page).
_FILE = re.compile(r"\s*(?:file|image|datei|bild|fichier|archivo|imagen|arquivo|imagem"
                   r"|immagine|файл|изображение)\s*:", re.IGNORECASE)
_CATEGORY = re.compile(r"\s*(?:category|kategorie|catégorie|categoría|categoria|категория)\s*:",
                       re.IGNORECASE)
_INTERLANGUAGE = re.compile(r"\s*[a-z]{2,3}(?:-[a-z0-9]+)*\s*:")
#: A link title that is plain words (``[[Karl Marx]]``), shown as its text.
_PLAIN_TITLE = re.compile(r"[^'<>\[\]{}|&~\n]*")
#: What a line's or a list item's text must not start with; a cell's (``|-`` is a row).
_LINE_START = {"line": re.compile(r"[*#:; ]|-{4}|=.*=$"),
               "cell": re.compile(r"[*#:; +}-]|=.*=$")}


def escape(text: str) -> str:
    """Text as a part holds it: only ``&`` and ``<`` escaped, as the HTML and EPUB parts do
    (a ``>`` stays plain), so a sentence gives the same segment in every format and the
    translation memory finds it whichever format it came from."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


@dataclass
class Construct:
    """One inline construct of a part and where it is in the source.

    Attributes:
        kind: "void" (written back whole), "pair" (markup around translated words), "link"
            (a wiki link without a label: written ``[[T]]`` while its text is the title's),
            "br".
        tag: Its opener in the part (``<b>``, ``<a href="X">``, ``<tpl id="3"/>``, ``<br/>``).
        a: Source offset where it starts.
        b: Source offset where it ends.
        opener: For pairs and links, the source markup before the words (``'''``, ``[[X|``).
        closer: The source markup after them (``'''``, ``]]``).
        inner: For a link without a label, its title as written (the words shown).
    """

    kind: str
    tag: str
    a: int
    b: int
    opener: str = ""
    closer: str = ""
    inner: str = ""

    @property
    def name(self) -> str:
        """The part tag's name (``b``, ``a``...)."""
        m = _TAG.match(self.tag)
        return m.group(2).lower() if m else ""


@dataclass
class Part:
    """A part being built: the text so far and its constructs."""

    out: list[str] = field(default_factory=list)
    constructs: list[Construct] = field(default_factory=list)
    entities: dict[str, str] = field(default_factory=dict)  # character: as the source wrote it

    def entity(self, written: str) -> None:
        """A character reference (``&gt;``, ``&nbsp;``): its character, as the other formats'
        parts hold it (the writer writes it back as the source did)."""
        char = html.unescape(written)
        if len(char) != 1 or _WS.match(char):
            self.out.append(written)  # a line end written as &#10; stays one
            return
        self.entities.setdefault(char, written)
        self.out.append(escape(char))

    def void(self, name: str, a: int, b: int) -> None:
        tag = f'<{name} id="{len(self.constructs)}"/>'
        self.constructs.append(Construct("void", tag, a, b))
        self.out.append(tag)

    def br(self, a: int, b: int) -> None:
        self.constructs.append(Construct("br", "<br/>", a, b))
        self.out.append("<br/>")

    def open(self, kind: str, tag: str, a: int, b: int, opener: str, closer: str,
             inner: str = "") -> None:
        self.constructs.append(Construct(kind, tag, a, b, opener, closer, inner))
        self.out.append(tag)

    def close(self, name: str) -> None:
        self.out.append(f"</{name}>")

    def text(self, text: str, a: int) -> None:
        """Source text from offset ``a``: escaped, with its verbatim runs as void tags."""
        pos = 0
        for m in VERBATIM_TEXT.finditer(text):
            self.out.append(escape(text[pos:m.start()]))
            self.void("wiki", a + m.start(), a + m.end())
            pos = m.end()
        self.out.append(escape(text[pos:]))

    def result(self) -> str:
        return _WS.sub(" ", "".join(self.out)).strip()


@dataclass(frozen=True)
class Item:
    """A node of the page, or a piece of a text node, with its source range.

    Attributes:
        node: The mwparserfromhell node; None for text (``nl``: a line end).
        a: Start offset in the source.
        b: End offset.
        nl: True for a line end ("\\n") of a text node.
    """

    node: Any
    a: int
    b: int
    nl: bool = False




def items_of(code: Any, base: int, src: str) -> list[Item]:
    """The nodes of a wikicode at ``base``, text split at line ends."""
    from mwparserfromhell.nodes import Text

    out: list[Item] = []
    pos = base
    for node in code.nodes:
        end = pos + len(str(node))
        if isinstance(node, Text):
            at = pos
            for line in str(node).split("\n"):
                if line:
                    out.append(Item(None, at, at + len(line)))
                at += len(line)
                if at < end:
                    out.append(Item(None, at, at + 1, nl=True))
                    at += 1
        else:
            out.append(Item(node, pos, end))
        pos = end
    return out


def wiki_markup(item: Item) -> str:
    return str(getattr(item.node, "wiki_markup", None) or "")


def tag_name(item: Item) -> str:
    from mwparserfromhell.nodes import Tag

    return str(item.node.tag).strip().lower() if isinstance(item.node, Tag) else ""


def link_kind(node: Any) -> str:
    """file, category, language or "" (a link whose text is read)."""
    title = str(node.title)
    if _FILE.match(title):
        return "file"
    if _CATEGORY.match(title):
        return "category"
    if _INTERLANGUAGE.match(title) and node.text is None:
        return "language"
    return ""


@dataclass
class InlineReader:
    """A page's inline wikitext as parts; `scan` (the block walker's) finds the blocks
    inside the voids."""

    src: str

    def scan(self, items: list[Item]) -> None:
        """Finds the blocks inside items that are not read as words."""

    def children(self, item: Item) -> list[tuple[Any, int]]:
        """A node's wikicode children with their source offsets (checked against the source:
        a child whose offset cannot be placed is left out, so its text stays as it is)."""
        from mwparserfromhell.nodes import ExternalLink, Heading, Tag, Template, Wikilink

        node, a = item.node, item.a
        found: list[tuple[Any, int]] = []
        if isinstance(node, Heading):
            found.append((node.title, a + node.level))
        elif isinstance(node, Tag) and not node.self_closing and node.contents is not None:
            closing = (node.closing_wiki_markup or "") if node.wiki_markup \
                else f"</{node.closing_tag}>"
            found.append((node.contents, item.b - len(closing) - len(str(node.contents))))
        elif isinstance(node, Wikilink) and node.text is not None:
            found.append((node.text, a + 3 + len(str(node.title))))
        elif isinstance(node, ExternalLink) and node.brackets and node.title is not None:
            found.append((node.title, a + 1 + len(str(node.url)) + (not node.suppress_space)))
        elif isinstance(node, Template):
            return [(code, at) for _, code, at in self.params_of(item)]
        return [(code, at) for code, at in found
                if self.src[at:at + len(str(code))] == str(code)]

    # --- lines and blocks ------------------------------------------------------------------


    def params_of(self, item: Item) -> list[tuple[Any, Any, int]]:
        """A template's parameters with their values and the values' offsets (those that
        can be placed in the source)."""
        node = item.node
        found = []
        at = item.a + 2 + len(str(node.name))
        for param in node.params:
            key = len(str(param.name)) + 1 if param.showkey else 0
            value = str(param.value)
            if self.src[at + 1 + key:at + 1 + key + len(value)] == value:
                found.append((param, param.value, at + 1 + key))
            at += 1 + len(str(param))
        return found

    def inline(self, items: list[Item], part: Part) -> None:
        """A run of inline items into a part; the blocks inside voids found on the way."""
        from mwparserfromhell.nodes import ExternalLink, HTMLEntity, Tag, Wikilink

        for item in items:
            node = item.node
            if item.nl:
                part.out.append(" ")
            elif node is None:
                part.text(self.src[item.a:item.b], item.a)
            elif isinstance(node, HTMLEntity):
                part.entity(str(node))
            elif isinstance(node, Wikilink) and not link_kind(node) and node.text != "":
                self.wikilink(item, part)
            elif isinstance(node, ExternalLink) and node.brackets and node.title is not None \
                    and self.children(item):
                code, at = self.children(item)[0]
                href = html.escape(str(node.url), quote=True)
                part.open("pair", f'<a href="{href}">', item.a, item.b,
                          self.src[item.a:at], self.src[at + len(str(code)):item.b])
                self.inline(items_of(code, at, self.src), part)
                part.close("a")
            elif isinstance(node, Tag) and tag_name(item) == "br":
                part.br(item.a, item.b)
            elif isinstance(node, Tag) and self._formatting(item):
                self.pair(item, part)
            else:
                part.void("ref" if tag_name(item) == "ref" else
                          "tpl" if type(node).__name__ == "Template" else "wiki",
                          item.a, item.b)
                self.scan([item])

    def _formatting(self, item: Item) -> bool:
        node = item.node
        kind = wiki_markup(item) in ("''", "'''") or (
            not node.wiki_markup and tag_name(item) in FORMATTING and not node.invalid)
        kids = self.children(item) if kind and not node.self_closing else []
        inner = str(kids[0][0]) if kids else ""
        # an empty one is an anchor; one across lines holds block markup (mwparserfromhell
        # lets ''…'' run over a line end, MediaWiki does not)
        return bool(inner.strip()) and "\n" not in inner

    def pair(self, item: Item, part: Part) -> None:
        code, at = self.children(item)[0]
        markup = wiki_markup(item)
        name = {"''": "i", "'''": "b"}.get(markup, tag_name(item))
        part.open("pair", f"<{name}>", item.a, item.b, self.src[item.a:at],
                  self.src[at + len(str(code)):item.b])
        self.inline(items_of(code, at, self.src), part)
        part.close(name)

    def wikilink(self, item: Item, part: Part) -> None:
        node = item.node
        title = str(node.title)
        href = html.escape(title.strip(), quote=True)
        kids = self.children(item)
        if node.text is None and not _PLAIN_TITLE.fullmatch(title):
            part.void("wiki", item.a, item.b)  # a title with markup in it is not prose
            return
        if node.text is None:
            opener, closer = self.src[item.a:item.b - 2], self.src[item.b - 2:item.b]
            part.open("link", f'<a href="{href}">', item.a, item.b, opener, closer, title)
            part.text(title, item.a + 2)
        elif kids:
            code, at = kids[0]
            part.open("pair", f'<a href="{href}">', item.a, item.b, self.src[item.a:at],
                      self.src[at + len(str(code)):item.b])
            self.inline(items_of(code, at, self.src), part)
        else:
            part.void("wiki", item.a, item.b)
            return
        part.close("a")


# --- back to wikitext ----------------------------------------------------------------------


@dataclass
class _Node:
    construct: Construct | None = None  # None: the root
    children: list[_Node | str] = field(default_factory=list)


def _tree(part: str, constructs: list[Construct]) -> tuple[_Node, list[Construct]]:
    """The translated part as a tree of source constructs and text; the constructs not used."""
    free: dict[str, list[Construct]] = {}
    for c in constructs:
        free.setdefault(c.tag, []).append(c)
    root = _Node()
    stack = [root]
    pos = 0
    for m in _TAG.finditer(part):
        stack[-1].children.append(part[pos:m.start()])
        pos = m.end()
        closing, name = m.group(1), m.group(2).lower()
        tag = "<br/>" if name == "br" and not closing else m.group(0)
        if not closing and tag not in free:  # <ref id="1" /> or <ref id="1"> for <ref id="1"/>
            tag = _VOID_END.sub("/>", tag)
        if closing:
            at = next((k for k in range(len(stack) - 1, 0, -1)
                       if (o := stack[k].construct) is not None and o.name == name), None)
            if at is not None:
                del stack[at:]
        elif free.get(tag):
            found = free[tag].pop(0)
            node = _Node(found)
            stack[-1].children.append(node)
            if found.kind in ("pair", "link"):
                stack.append(node)
    stack[-1].children.append(part[pos:])
    lost = sorted((c for cs in free.values() for c in cs), key=lambda c: c.a)
    return root, lost


def guard_text(text: str, extra: str = "", entities: Mapping[str, str] | None = None) -> str:
    """Translated text as wikitext: the part's entities undone, whitespace runs one space,
    markup characters escaped (as character references, which render as the character) so
    the words cannot make wiki markup.

    Args:
        text: A text piece of a translated part (no tags).
        extra: More characters to escape as numeric references (``=`` in a template
            parameter or a heading).
        entities: Characters the source block wrote as references (``"\xa0": "&nbsp;"``),
            written so again: a page's editors see the ``&nbsp;`` they typed.
    """
    text = _WS.sub(" ", _CONTROL.sub("", html.unescape(text)))
    if entities:
        chars = re.compile("[" + "".join(re.escape(ch) for ch in entities) + "]")
        pieces = chars.split(text)
        written = [entities[ch] for ch in chars.findall(text)]
        return "".join(guard_text(piece, extra) + (written[k] if k < len(written) else "")
                       for k, piece in enumerate(pieces))
    text = _GUARD.sub(lambda m: _GUARDED[m.group(0)], text)
    for ch in extra:
        text = text.replace(ch, f"&#{ord(ch)};")
    return text


def to_wikitext(part: str, constructs: list[Construct], source: Callable[[int, int], str],
                extra: str = "", line_start: str = "",
                entities: Mapping[str, str] | None = None) -> str:
    """A translated part as wikitext; never raises.

    Args:
        part: The translated part (HTML-like tags around the words).
        constructs: The source part's table.
        source: The wikitext of a source range, with the translations of the blocks inside it
            (a ref's note, a template's translated parameter).
        extra: Characters to escape besides the usual (see `guard_text`).
        line_start: "line" where the text starts a line, a list item or a heading, "cell"
            where it starts a table cell (some characters there would start markup), or "".
        entities: Characters the source block wrote as references (see `guard_text`).
    """
    root, lost = _tree(part, constructs)
    for c in lost:
        if c.kind in ("void", "link") or (c.kind == "pair" and c.name == "a"):
            if c.kind != "void":
                root.children.append(" ")
            root.children.append(_Node(c))
    text = _render(root, source, extra, entities).strip()
    if line_start in _LINE_START and _LINE_START[line_start].match(text):
        text = "<nowiki/>" + text
    return text


def _render(node: _Node, source: Callable[[int, int], str], extra: str,
            entities: Mapping[str, str] | None) -> str:
    out: list[str] = []
    for child in node.children:
        if isinstance(child, str):
            text = guard_text(child, extra, entities)
            if out and out[-1][-1:] == " " and text[:1] == " ":
                text = text[1:]  # a dropped tag between two spaces
            out.append(text)
            continue
        c = child.construct
        if c is None:
            continue
        if c.kind in ("void", "br"):
            out.append(source(c.a, c.b))
            continue
        if not child.children and c.kind == "pair" and c.name == "a" and c.opener:
            out.append(source(c.a, c.b))  # a link lost: the source one, untranslated
            continue
        inner = _render(child, source, extra, entities)
        if c.kind == "link":
            words = inner.strip()
            out.append(c.opener + c.closer if not words or words == c.inner
                       else f"{c.opener}|{inner}{c.closer}")
        elif inner.strip() or c.name == "a":
            out.append(c.opener + inner + c.closer)
        else:
            out.append(inner)  # emphasis around nothing would be a run of quotes
    return "".join(out)
