"""Inline Markdown (issue 14, section 1): what the tokenizer sees, masks and puts back.

Every expected value here is written by hand from CommonMark's and Pandoc's rules, not copied
from the code's output. The Apertium side (real translations) is in tests/test_apertium.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from corpora.ingest import parse_text, render
from corpora.inline import (
    Markup,
    Piece,
    expand_references,
    has_words,
    keep_markup,
    mask,
    reference_labels,
    tokenize,
    unbreakable,
    unmask,
    unmask_noted,
)


def _shape(pieces: list[Piece]) -> list[tuple[str, str]]:
    return [(p.kind, p.text) for p in pieces]


def _protected(text: str) -> list[str]:
    return [p.text for p in tokenize(text) if p.kind == "protected"]


# --- reference links -------------------------------------------------------------------------

REFS = ["ref", "mapa", "guía rápida", "Ref 2", "logo", "*mapa*"]


def test_full_reference_link_keeps_its_label() -> None:
    assert _shape(tokenize("Ver [texto][ref] hoy.")) == [
        ("text", "Ver "), ("open", "["), ("text", "texto"), ("close", "][ref]"),
        ("text", " hoy.")]
    assert mask("Ver [texto][ref] hoy.") == ("Ver ⟦0⟧texto⟦/0⟧ hoy.",
                                             [Markup("[", "][ref]", "][ref]", "", False,
                                                     "[texto][ref]")])


def test_collapsed_and_shortcut_references_write_the_label_out() -> None:
    pieces = tokenize("El [mapa][] y la [guía rápida].", REFS)
    assert _shape(pieces) == [
        ("text", "El "), ("open", "["), ("text", "mapa"), ("close", "][]"), ("text", " y la "),
        ("open", "["), ("text", "guía rápida"), ("close", "]"), ("text", ".")]
    assert [p.label for p in pieces if p.kind == "close"] == ["mapa", "guía rápida"]
    assert expand_references("El [mapa][] y la [guía rápida].", REFS) == \
        "El [mapa][mapa] y la [guía rápida][guía rápida]."
    masked, literals = mask("la [guía rápida].", REFS)
    assert masked == "la ⟦0⟧guía rápida⟦/0⟧."
    assert unmask("the ⟦0⟧quick guide⟦/0⟧.", literals) == "the [quick guide][guía rápida]."
    assert unmask("la ⟦0⟧guía rápida⟦/0⟧.", literals) == "la [guía rápida]."  # unchanged text


def test_without_the_definitions_brackets_are_plain_text() -> None:
    assert _shape(tokenize("la [guía rápida] y [sic].")) == [
        ("text", "la [guía rápida] y [sic].")]


def test_invented_reference_forms() -> None:
    # labels match case-insensitively; an image reference; a label is matched as written, so
    # [*mapa*] is the definition "*mapa*", and [**mapa**] (no such definition) is no link
    assert expand_references("![logo] y ![Logo][]", REFS) == "![logo][logo] y ![Logo][Logo]"
    assert expand_references("Ver [Enlace][ref 2], ![Logo][] y [*mapa*][] o [**mapa**][].",
                             REFS) == \
        "Ver [Enlace][ref 2], ![Logo][Logo] y [*mapa*][*mapa*] o [**mapa**][]."
    pieces = tokenize("![logo][]", REFS)
    assert _shape(pieces) == [("open", "!["), ("text", "logo"), ("close", "][]")]
    assert reference_labels("Texto.\n\n[Guía  Rápida]: /g\n[x]: <a b> 'T'\n") == \
        frozenset({"GUÍA RÁPIDA", "X"})


def test_reference_labels_survive_translation_through_ingest() -> None:
    source = ("Mira el [mapa][], la [guía rápida] y [el texto][ref].\n\n"
              "[mapa]: https://x.org/mapa\n[guía rápida]: https://x.org/guia 'Guía'\n"
              "[ref]: <https://x.org/r>\n")
    doc = parse_text(source, "es", "t.md", "markdown")
    assert render(doc, {i: s.text for i, s in enumerate(doc.segments)}) == source
    out = render(doc, {0: "Look at the [map][mapa], the [quick guide][guía rápida] and "
                          "[the text][ref]."})
    hrefs = [c.attrGet("href") for t in MarkdownIt("commonmark").parse(out)
             if t.type == "inline" for c in t.children or [] if c.type == "link_open"]
    assert hrefs == ["https://x.org/mapa", "https://x.org/guia", "https://x.org/r"]
    assert doc.segments[0].text == ("Mira el [mapa][mapa], la [guía rápida][guía rápida] y "
                                    "[el texto][ref].")


# --- destinations, titles, comments, identifiers ---------------------------------------------

@pytest.mark.parametrize("text, closer", [
    ("[Sol](https://es.wikipedia.org/wiki/Sol_(estrella))",
     "](https://es.wikipedia.org/wiki/Sol_(estrella))"),
    ("![foto](<fotos/mi puerto.jpg>)", "](<fotos/mi puerto.jpg>)"),
    ("[sitio](https://x.org 'Un título')", "](https://x.org 'Un título')"),
    # invented
    ('[enlace](https://x.org/a_(b)_c "título")', '](https://x.org/a_(b)_c "título")'),
    ("![foto](<mis fotos/a b.png> 'pie')", "](<mis fotos/a b.png> 'pie')"),
    ("[texto](/ruta (entre paréntesis))", "](/ruta (entre paréntesis))"),
])
def test_link_destination_and_title_are_the_parsers(text: str, closer: str) -> None:
    pieces = tokenize(text)
    assert [p.kind for p in pieces] == ["open", "text", "close"]
    assert pieces[2].text == closer


def test_nested_brackets_in_link_text() -> None:
    assert _shape(tokenize("Un [texto [con corchetes]](https://x.org) aquí.")) == [
        ("text", "Un "), ("open", "["), ("text", "texto [con corchetes]"),
        ("close", "](https://x.org)"), ("text", " aquí.")]
    assert _shape(tokenize("[a [b [c]] d](/u)")) == [  # invented: two levels
        ("open", "["), ("text", "a [b [c]] d"), ("close", "](/u)")]
    masked, _ = mask("[a [b] c](/u)")
    assert masked == "⟦0⟧a [b] c⟦/0⟧"


def test_inline_comments_are_protected() -> None:
    assert _shape(tokenize("Texto <!-- nota del autor --> sigue.")) == [
        ("text", "Texto "), ("protected", "<!-- nota del autor -->"), ("text", " sigue.")]
    assert _protected("a<!--b-->c <!-- d\ne -->") == ["<!--b-->", "<!-- d\ne -->"]


@pytest.mark.parametrize("text, literal", [
    ("Visita old.reddit.com/r/LocalLLaMA/ hoy.", "old.reddit.com/r/LocalLLaMA/"),
    ("Lee README.md primero.", "README.md"),
    ("El foro /r/LocalLLaMA/ es útil.", "/r/LocalLLaMA/"),
    # invented
    ("La doc en docs.python.org/3/library/ ayuda.", "docs.python.org/3/library/"),
    ("Edita src/main.py y config.yaml.", "src/main.py"),
    ("Usa max_new_tokens ahí.", "max_new_tokens"),
    ("Con LocalLLaMA y GitHub.", "LocalLLaMA"),
    ("Escribe a ana.gil@example.com ya.", "ana.gil@example.com"),
    ("Ejecuta ./script.sh o ../bin/run ya.", "./script.sh"),
    ("Copia ~/.config/diglot aquí.", "~/.config/diglot"),
    ("Abre C:\\Users\\ana\\notas.txt hoy.", "C:\\Users\\ana\\notas.txt"),
    ("Visita GitHub.com y bbc.co.uk.", "bbc.co.uk"),
    ("Ver https://es.wikipedia.org/wiki/Sol_(estrella).", "https://es.wikipedia.org/wiki/Sol_(estrella)"),
])
def test_identifiers_are_protected(text: str, literal: str) -> None:
    assert literal in _protected(text)


def test_bare_url_ends_before_sentence_punctuation() -> None:
    assert _protected("(ver https://x.org/a_(b)), y www.x.org.") == \
        ["https://x.org/a_(b)", "www.x.org"]


@pytest.mark.parametrize("text", [
    "A las 5 p. m. del lunes.", "Viven en EE. UU. desde 2010.", "Grupo Norte S.A. invierte.",
    "Por ej. esto, p.ej. aquello, etc.", "Son las 10 a.m. ahora.", "El Dr. Pérez llegó.",
    "Vale 3.5 euros.", "Es la U.S.A. de 1990.", "La casa blanca.", "Con H.von Allmen."])
def test_abbreviations_and_ordinary_words_are_not_protected(text: str) -> None:
    assert _protected(text) == []


# --- math ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, math", [
    ("La fórmula $E = mc^2$ es famosa.", ["$E = mc^2$"]),
    ("Sea $$\\int_0^1 x\\,dx$$ la integral.", ["$$\\int_0^1 x\\,dx$$"]),
    ("Con \\(a^2+b^2\\) y \\[c^2\\] basta.", ["\\(a^2+b^2\\)", "\\[c^2\\]"]),
    ("Si $x$ y $y_1$ valen.", ["$x$", "$y_1$"]),
    ("El coste $\\alpha$-beta.", ["$\\alpha$"]),
    ("cuesta $5 y $10", []),                      # prices stay prose
    ("de $20 a $30 dólares", []),
    ("un $ x$ suelto", []),                        # space after the opener
    ("un $x $ suelto", []),                        # space before the closer
    ("vale $x$5 hoy", []),                         # a digit right after the closer
])
def test_math_follows_pandocs_rule(text: str, math: list[str]) -> None:
    assert _protected(text) == math


def test_math_is_masked_like_code() -> None:
    assert mask("Sea $E = mc^2$ ya.") == ("Sea ⟦0⟧ ya.", ["$E = mc^2$"])
    assert unmask("Let ⟦0⟧ now.", ["$E = mc^2$"]) == "Let $E = mc^2$ now."


@pytest.mark.parametrize("text, masked, literals", [
    ('Lee <span translate="no">Das Kapital</span> hoy.', "Lee ⟦0⟧ hoy.",
     ['<span translate="no">Das Kapital</span>']),
    ("Lee <i class='title notranslate'>Das Kapital</i> hoy.", "Lee ⟦0⟧ hoy.",
     ["<i class='title notranslate'>Das Kapital</i>"]),
    # a phrase in a language of its own is a quotation the translation keeps
    ('Un <span lang="fr">mot juste</span> aquí.', "Un ⟦0⟧ aquí.",
     ['<span lang="fr">mot juste</span>']),
    ('The <i xml:lang="fr">beaux esprits</i> of France.', "The ⟦0⟧ of France.",
     ['<i xml:lang="fr">beaux esprits</i>']),
])
def test_html_marked_not_to_translate_is_masked_like_code(text: str, masked: str,
                                                          literals: list[str]) -> None:
    """HTML's translate="no", the notranslate class and a language of the element's own (books,
    saved web pages) keep its words away from the engine, so the stored translation is what
    the book shows."""
    assert mask(text) == (masked, literals)


@pytest.mark.parametrize("text", ['Un <span lang="X-NONE">mot</span> ici.',
                                  "Un <span lang='und'>mot</span> ici.",
                                  'Un <span xml:lang="mul">mot</span> ici.'])
def test_a_language_tag_that_names_no_language_is_translated(text: str) -> None:
    """Word's HTML marks runs lang=X-NONE; und and mul name no language either."""
    assert mask(text)[0] == "Un ⟦0⟧mot⟦/0⟧ ici."




# --- spans: emphasis and paired inline HTML --------------------------------------------------

@pytest.mark.parametrize("text, masked", [
    ("La casa <b>blanca</b>.", "La casa ⟦0⟧blanca⟦/0⟧."),
    ("Está *muy caliente* hoy.", "Está ⟦0⟧muy caliente⟦/0⟧ hoy."),
    ('Un <a href="https://x.org">buen sitio</a>.', "Un ⟦0⟧buen sitio⟦/0⟧."),
    ('En <abbr title="Estados Unidos">EE. UU.</abbr> hoy.', "En ⟦0⟧EE. UU.⟦/0⟧ hoy."),
    ("Su <em>perro</em> y <i>gato</i> y <strong>pez</strong>.",
     "Su ⟦0⟧perro⟦/0⟧ y ⟦1⟧gato⟦/1⟧ y ⟦2⟧pez⟦/2⟧."),
    ("Usa <code>ls -l</code> ya.", "Usa ⟦0⟧ ya."),
    ("**muy** ~~viejo~~ y ***ambos***", "⟦0⟧muy⟦/0⟧ ⟦1⟧viejo⟦/1⟧ y ⟦2⟧⟦3⟧ambos⟦/3⟧⟦/2⟧"),
    ("<b>uno *dos* tres</b>", "⟦0⟧uno ⟦1⟧dos⟦/1⟧ tres⟦/0⟧"),
])
def test_spans_are_masked_as_pairs(text: str, masked: str) -> None:
    got, literals = mask(text)
    assert got == masked
    assert unmask(got, literals) == text


def test_unpaired_or_crossing_html_tags_stay_single_literals() -> None:
    assert _shape(tokenize("a <b>b *c</b> d*")) == [
        ("text", "a "), ("protected", "<b>"), ("text", "b "), ("open", "*"),
        ("text", "c"), ("protected", "</b>"), ("text", " d"), ("close", "*")]
    assert _shape(tokenize("solo <br> y </i> x")) == [
        ("text", "solo "), ("protected", "<br>"), ("text", " y "), ("protected", "</i>"),
        ("text", " x")]


def test_markup_travels_with_the_words_the_engine_moved() -> None:
    _, literals = mask("La casa <b>blanca</b>.")
    assert unmask_noted("The ⟦0⟧white⟦/0⟧ house.", literals) == ("The <b>white</b> house.", None)
    _, literals = mask("Está *muy caliente* hoy.")
    assert unmask_noted("Today it is ⟦0⟧ very hot ⟦/0⟧.", literals) == \
        ("Today it is *very hot*.", None)  # spaces inside emphasis move out


def test_markup_the_engine_lost_is_placed_by_rule_and_flagged() -> None:
    _, literals = mask("La casa <b>blanca</b>.")
    note = "markup: could not place <b>…</b>"
    assert unmask_noted("The white ⟦0⟧house.", literals) == ("The white <b>house</b>.", note)
    assert unmask_noted("The ⟦/0⟧white house.", literals) == ("<b>The </b>white house.", note)
    assert unmask_noted("The white house.", literals) == ("<b>The white house</b>.", note)
    assert unmask_noted("The ⟦/0⟧white⟦0⟧ house.", literals) == \
        ("The <b>white</b> house.", "markup: moved <b>…</b>")
    # a link whose markers are both lost goes at the end with its source text: around the
    # whole text it could nest inside another link, which CommonMark does not allow
    _, literals = mask("Ver [el mapa](/m) y [la guía](/g).")
    assert unmask_noted("See ⟦1⟧the guide⟦/1⟧ and the map.", literals) == \
        ("See [the guide](/g) and the map. [el mapa](/m)", "markup: could not place […](/m)")


def test_crossed_spans_are_nested_and_flagged() -> None:
    masked, literals = mask("<b>uno <i>dos</i></b> tres")
    assert masked == "⟦0⟧uno ⟦1⟧dos⟦/1⟧⟦/0⟧ tres"
    assert unmask_noted("⟦0⟧one ⟦1⟧two⟦/0⟧ three⟦/1⟧", literals) == \
        ("<b>one <i>two</i></b> three", "markup: moved <i>…</i>")


def test_protected_literals_the_engine_dropped_are_appended_and_flagged() -> None:
    masked, literals = mask("Ver [1] y `x`.")
    assert masked == "Ver ⟦0⟧ y ⟦1⟧."
    assert unmask_noted("See ⟦1⟧.", literals) == ("See `x`. [1]", "markup: could not place [1]")
    assert unmask_noted("See ⟦1⟧ ⟦1⟧ ⟦7⟧.", literals)[0] == "See `x`  . [1]"  # copies dropped


def test_unbreakable_ranges_for_the_sentence_splitter() -> None:
    text = "Ver [el texto. Otro](/u) y `a. B` con $x. Y$ y *dos. Tres* <b>c. D</b> <?p a; ?>"
    cut = [text[a:b] for a, b in unbreakable(text)]
    assert cut == ["[el texto. Otro](/u)", "`a. B`", "$x. Y$", "<b>", "</b>", "<?p a; ?>"]


def test_has_words() -> None:
    assert not has_words("[3], https://a.org 12 $x$ `code` README.md")
    assert has_words("Ver [3].") and has_words("*muy* bien")


_ALPHABET = st.sampled_from([*"ab *_`[]()<>!$\\/.:~&;#\"'\n-hé", "<b>", "</b>", "](",
                             "<a href='x'>", "</a>", "$$", "\\(", "\\)", "http://", "www.",
                             "README.md", "[^1]", "<!--", "-->", "[x]: /u"])


@given(st.lists(_ALPHABET, max_size=40).map("".join))
@settings(max_examples=300, deadline=None)
def test_tokenize_is_lossless_and_mask_roundtrips_on_markdown_soup(text: str) -> None:
    assert "".join(p.text for p in tokenize(text, ["x", "a"])) == text
    masked, literals = mask(text, ["x"])
    assert unmask(masked, literals) == text  # unchanged link text keeps the source form


@given(st.lists(_ALPHABET, max_size=30).map("".join), st.randoms(use_true_random=False))
@settings(max_examples=200, deadline=None)
def test_unmask_never_loses_markup_whatever_the_engine_does(text: str, rnd: object) -> None:
    import random

    assert isinstance(rnd, random.Random)
    masked, literals = mask(text)
    words = masked.replace("⟦", " ⟦").replace("⟧", "⟧ ").split(" ")
    rnd.shuffle(words)
    out = unmask(" ".join(w for w in words if rnd.random() > 0.2), literals)
    for lit in literals:
        parts = [lit] if isinstance(lit, str) else [lit.opener, lit.closer]
        assert all(p in out for p in parts)


# --- the LLM engine sees raw Markdown: its answer is checked against the source's markup ----

def test_llm_answer_keeping_the_markup_on_its_words_passes() -> None:
    from tests.llmpeer import Answer, serving
    from translate.langs import resolve
    from translate.llm import LLMEngine

    source = "La casa <b>blanca</b> es grande."
    with serving(lambda call: Answer("The <b>white</b> house is big.")) as peer:
        engine = LLMEngine(resolve("es"), resolve("en"), base_url=peer.url, timeout=2.0,
                           backoff=0.01)
        hyp = engine.translate_batch([source])[0]
    assert (hyp.text, hyp.note, len(peer.calls)) == ("The <b>white</b> house is big.", None, 1)


def test_llm_answer_that_lost_markup_is_retried_then_put_back_and_noted() -> None:
    from tests.llmpeer import Answer, serving
    from translate.langs import resolve
    from translate.llm import LLMEngine

    source = "La casa <b>blanca</b> es grande, ver `x`."
    with serving(lambda call: Answer("The white house is big, see x.")) as peer:
        engine = LLMEngine(resolve("es"), resolve("en"), base_url=peer.url, timeout=2.0,
                           backoff=0.01)
        hyp = engine.translate_batch([source])[0]
    assert len(peer.calls) == 3  # the first answer and two retries
    assert hyp.text == "The white house is big, see x. `x` <b>blanca</b>"
    assert hyp.note == ("unresolved: markup: Markdown ` 2× in the source, 0× in the target; "
                        "markup: could not place <b>…</b>; could not place `x`")


def test_keep_markup_counts_what_the_target_has() -> None:
    source = "El [mapa](/m) y *otro* [mapa](/m) con `a`."
    assert keep_markup(source, "The [map](/m) and *other* [map](/m) with `a`.") == \
        ("The [map](/m) and *other* [map](/m) with `a`.", None)
    assert keep_markup(source, "The [map](/m) and other map with a.") == (
        "*The [map](/m) and other map with a*. `a` [mapa](/m)",
        "markup: could not place […](/m); could not place *…*; could not place `a`")


# --- end to end through a real (tiny, random-weight) transformers model ----------------------

def test_a_real_model_loses_no_markup_and_notes_what_it_placed_by_rule(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="the transformers extra is not installed")
    pytest.importorskip("transformers", reason="the transformers extra is not installed")
    from tests.tinymodels import build_marian
    from translate.engine import open_engine
    from translate.langs import resolve

    engine = open_engine("transformers", resolve("es"), resolve("en"),
                         model=str(build_marian(tmp_path / "m")), max_tokens=24)
    sources = ["La casa <b>blanca</b> y [el mapa](https://x.org/a_(b)) con $E = mc^2$.",
               "Está *muy caliente* en README.md y `x`."]
    hyps = engine.translate_batch(sources)
    for source, hyp in zip(sources, hyps, strict=True):
        _, literals = mask(source)
        for lit in literals:  # random weights write garbage, but no markup is lost
            for part in [lit] if isinstance(lit, str) else [lit.opener, lit.closer]:
                assert part in hyp.text
        assert hyp.note is None or hyp.note.startswith("markup: could not place")


# --- fast paths: text without markup or literal characters skips the parse (issue 18) -------

def test_markup_in_one_place_still_gets_the_full_parse() -> None:
    # plain words throughout, markup only at the end or in the middle
    assert _shape(tokenize("Un texte tout simple, puis *fin*.")) == [
        ("text", "Un texte tout simple, puis "), ("open", "*"), ("text", "fin"),
        ("close", "*"), ("text", ".")]
    assert _shape(tokenize("Rien ici, sauf `x` au milieu et rien après")) == [
        ("text", "Rien ici, sauf "), ("protected", "`x`"), ("text", " au milieu et rien après")]
    assert _shape(tokenize("Lisez README.md puis LocalLLaMA.")) == [
        ("text", "Lisez "), ("protected", "README.md"), ("text", " puis "),
        ("protected", "LocalLLaMA"), ("text", ".")]
    assert _shape(tokenize("Une phrase, un point. Sans rien d'autre !")) == [
        ("text", "Une phrase, un point. Sans rien d'autre !")]
    assert tokenize("") == []


def test_entities_alone_are_found_as_the_parser_finds_them() -> None:
    # CommonMark: decimal (1-7 digits) and hex (1-6) references and the HTML5 names are
    # entities; an unknown name, a bare "&" or a reference without ";" is text
    text = "d&#39;un &amp; &nope; & &#x27;x &#12345678; &copy fin&lt;"
    assert _protected(text) == ["&#39;", "&amp;", "&#x27;", "&lt;"]
    assert "".join(p.text for p in tokenize(text)) == text


_ALWAYS = re.compile("")  # "found" everywhere: no fast path is taken


def _full_parse(text: str, references: list[str]) -> list[Piece]:
    """``tokenize`` with every fast path turned off: the parser and the literal search run."""
    from corpora import inline, inline_scan

    with patch.object(inline, "_ANY_HINT", _ALWAYS), \
            patch.object(inline, "_MARKUP_CHAR", _ALWAYS), \
            patch.object(inline, "_LITERAL_HINT", _ALWAYS), \
            patch.object(inline_scan, "_NOT_ENTITY", _ALWAYS):
        return list(inline._parsed.__wrapped__(text, frozenset(references)))


_HINTS = st.sampled_from([*"aBzZw .,;!?:-#&9x*_~`<>$\\[]()/@⟦⟧é\n'\"", "www.", "&amp;", "&#39;",
                          "&#x27;", "&nope;", "![", "][", "<b>", "</b>", "README.md", ".md",
                          "aB", "http://", "a@b.org", "~/a", "C:\\x", "[1]", "[^1]", "⟦0⟧",
                          "$x$", "\\(", "`x`", "**", "~~", "~~a~~", "*a*", "_a_", "[a](u)",
                          "<b>a</b>", "<x@y.org>"])


@given(st.lists(_HINTS, max_size=30).map("".join))
@example("www.B et &amp; ~~a~~")  # a hint found only by one of its alternatives
@settings(max_examples=500, deadline=None)
def test_fast_paths_agree_with_the_full_parse(text: str) -> None:
    from corpora import inline, inline_scan

    assert tokenize(text, ["x", "a"]) == _full_parse(text, ["x", "a"])
    # what each fast path skips holds nothing: no construct, no entity, no literal
    if not inline._MARKUP_CHAR.search(text):
        assert inline_scan.scan(text, ["x"]) == []
    if not inline._LITERAL_HINT.search(text):
        assert inline._LITERAL.search(text) is None


def test_tokenize_hands_out_its_own_list() -> None:
    first = tokenize("Un *mot* ici.")
    first.clear()  # a caller's change does not reach the pieces kept for the next one
    assert _shape(tokenize("Un *mot* ici.")) == [
        ("text", "Un "), ("open", "*"), ("text", "mot"), ("close", "*"), ("text", " ici.")]
