"""Prompts for LLM translation, and the cleaning of what comes back.

Two shapes, for the two kinds of model a local server runs:

- **chat** (instruction-tuned models, ``/chat/completions``): a system message with the task,
  the relevant glossary entries and the preceding text; example pairs as earlier turns.
- **completion** (base models, ``/completions``): a few-shot text that the model continues::

      French: <example>
      English: <its translation>

      French: <the text>
      English:

  with generation stopped at the end of the line (the end of the paragraph for paragraphs).

The examples are three sentences of expository prose (one with a number), written for diglot
in six languages; a user may give their own pairs for other languages (``--examples``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from diglot.errors import DataFormatError
from translate.langs import Language

#: Three parallel sentences per language: the built-in few-shot examples.
EXAMPLES: dict[str, tuple[str, str, str]] = {
    "en": ("The first edition of the book appeared in 1867, in a printing of one thousand "
           "copies.",
           "Every new machine changes the conditions under which people work.",
           "This argument, however, rests on an assumption that the author never states."),
    "fr": ("La première édition du livre parut en 1867, tirée à mille exemplaires.",
           "Chaque nouvelle machine change les conditions dans lesquelles les gens "
           "travaillent.",
           "Cet argument repose pourtant sur une hypothèse que l'auteur n'énonce jamais."),
    "es": ("La primera edición del libro apareció en 1867, con una tirada de mil ejemplares.",
           "Cada máquina nueva cambia las condiciones en las que trabaja la gente.",
           "Sin embargo, este argumento descansa sobre un supuesto que el autor nunca "
           "enuncia."),
    "de": ("Die erste Ausgabe des Buches erschien 1867 in tausend Exemplaren.",
           "Jede neue Maschine verändert die Bedingungen, unter denen Menschen arbeiten.",
           "Dieses Argument beruht jedoch auf einer Annahme, die der Autor nie ausspricht."),
    "it": ("La prima edizione del libro uscì nel 1867, in una tiratura di mille copie.",
           "Ogni nuova macchina cambia le condizioni in cui le persone lavorano.",
           "Questo argomento, tuttavia, si fonda su un presupposto che l'autore non enuncia "
           "mai."),
    "pt": ("A primeira edição do livro saiu em 1867, numa tiragem de mil exemplares.",
           "Cada nova máquina muda as condições em que as pessoas trabalham.",
           "Este argumento, no entanto, assenta num pressuposto que o autor nunca enuncia."),
}


def examples_for(src: Language, tgt: Language, path: Path | None = None
                 ) -> list[tuple[str, str]]:
    """The few-shot pairs: from a TSV file (``source<TAB>target`` per line) when given, else
    the built-in ones when both languages have them, else none.

    Raises:
        DataFormatError: A line of the file without exactly one tab, or an empty file.
    """
    if path is None:
        a, b = EXAMPLES.get(src.code), EXAMPLES.get(tgt.code)
        return list(zip(a, b, strict=True)) if a and b else []
    from corpora.textio import read_lines

    pairs = []
    for number, line in enumerate(read_lines(path), 1):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != 2 or not all(c.strip() for c in cells):
            raise DataFormatError(path, number, "give one example per line: the source text, "
                                  "a tab, its translation")
        pairs.append((cells[0].strip(), cells[1].strip()))
    if not pairs:
        raise DataFormatError(path, None, "has no examples; give source<TAB>target lines")
    return pairs


@dataclass(frozen=True)
class Request:
    """What one unit asks: its text, the text before it, and the glossary lines for it."""

    text: str
    context: Sequence[tuple[str, str | None]] = ()  # preceding (source, translation or None)
    glossary: str = ""
    paragraph: bool = False


def chat_messages(src: Language, tgt: Language, req: Request,
                  examples: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """The messages of a chat request."""
    rules = [f"You are a professional translator. Translate the user's {src.name} text into "
             f"{tgt.name}.",
             "Reply with the translation only: no introduction, no notes, no quotation marks "
             "around it.",
             "Keep every number, name, Markdown mark (*, _, `, [ ]), HTML tag, link target "
             "and formula ($…$) as in the source, around the same words."]
    if req.paragraph:
        rules.append("Translate every sentence, in order; leave none out and add none.")
    if req.glossary:
        rules.append("Translate these terms as given:\n" + req.glossary)
    before = [s for s, t in req.context if t is None]
    if before:
        rules.append("For context, the text just before reads (do not translate it):\n"
                     + " ".join(before))
    messages = [{"role": "system", "content": "\n".join(rules)}]
    for source, target in [*examples, *[(s, t) for s, t in req.context if t is not None]]:
        messages += [{"role": "user", "content": source},
                     {"role": "assistant", "content": target}]
    messages.append({"role": "user", "content": req.text})
    return messages


def completion_prompt(src: Language, tgt: Language, req: Request,
                      examples: Sequence[tuple[str, str]]) -> str:
    """The few-shot text of a completion request; the model writes the last line."""
    shots = [*examples, *[(s, t) for s, t in req.context if t is not None]]
    parts = [f"{src.name}: {s}\n{tgt.name}: {t}\n" for s, t in shots]
    head = ""
    if req.glossary:
        head = "Glossary:\n" + req.glossary + "\n\n"
    return head + "\n".join(parts) + ("\n" if parts else "") + f"{src.name}: {req.text}\n" \
        f"{tgt.name}:"


_ANNOUNCE = re.compile(
    r"^\s*(?:sure|certainly|of course|okay|ok|here(?:'s| is| are)|below is|the translation"
    r"|translation|translated|voici|voilà|aquí|claro|hier ist|ecco)\b[^\n]*:\s*$",
    re.IGNORECASE)
_COMMENT = re.compile(
    r"^\s*[(\[]?\s*(?:note|notes|explanation|translation notes?|i hope|let me know|this "
    r"translation|remarque|nota|anmerkung|\*\*note)\b", re.IGNORECASE)
_QUOTES = (('"', '"'), ("“", "”"), ("«", "»"), ("„", "“"), ("'", "'"))


def clean(answer: str, source: str, src: Language, tgt: Language, paragraph: bool) -> str:
    """The translation inside an answer: no preamble, label, commentary, fence or quotes.

    A sentence is one line, so only the first line that is left counts; a paragraph is the
    first block of lines.
    """
    text = answer.replace("\r\n", "\n").strip()
    text = re.sub(r"^```\w*\n(.*?)(?:\n```.*)?$", r"\1", text, flags=re.DOTALL)
    lines = text.split("\n")
    while lines and (not lines[0].strip() or (_ANNOUNCE.match(lines[0]) and len(lines) > 1)):
        lines.pop(0)
    kept: list[str] = []
    for line in lines:
        if _COMMENT.match(line) or (kept and not line.strip()):
            break
        kept.append(line.strip())
        if not paragraph:
            break
    text = " ".join(kept).strip()
    for label in (tgt.name, "Translation", "Traduction", "Traducción"):
        if text.lower().startswith(label.lower() + ":"):
            text = text[len(label) + 1:].strip()
    for left, right in _QUOTES:
        if (len(text) > 2 and text.startswith(left) and text.endswith(right)
                and not source.strip().startswith(left)):
            text = text[len(left):-len(right)].strip()
    return text
