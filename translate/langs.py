"""Language codes: one resolver for the codes users type and the codes each engine family wants.

Users may write ISO 639-1 (``fr``), ISO 639-3 (``fra``), NLLB/FLORES codes (``fra_Latn``) or a
BCP-47 tag with a region (``pt-BR``). Engines ask for their own form: Apertium mixes ``fr`` and
``spa``, NLLB wants ``fra_Latn``, M2M100 and MADLAD want ``fr``, multilingual OPUS-MT ``>>fra<<``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diglot.errors import ConfigError


@dataclass(frozen=True)
class Language:
    """A resolved language.

    Attributes:
        iso1: ISO 639-1 code, or "" when the language has none.
        iso3: ISO 639-3 code.
        script: ISO 15924 script used by NLLB codes.
        name: English name.
        region: Region subtag the user gave (``BR`` in ``pt-BR``), else "".
    """

    iso1: str
    iso3: str
    script: str
    name: str
    region: str = ""

    @property
    def code(self) -> str:
        """The short code diglot uses in file names and the store."""
        return self.iso1 or self.iso3

    @property
    def nllb(self) -> str:
        return f"{self.iso3}_{self.script}"


# iso1, iso3, script, name
_TABLE = """
af afr Latn Afrikaans|am amh Ethi Amharic|ar arb Arab Arabic|ast ast Latn Asturian
az azj Latn Azerbaijani|be bel Cyrl Belarusian|bg bul Cyrl Bulgarian|bn ben Beng Bengali
br bre Latn Breton|bs bos Latn Bosnian|ca cat Latn Catalan|cs ces Latn Czech|cy cym Latn Welsh
da dan Latn Danish|de deu Latn German|el ell Grek Greek|en eng Latn English|eo epo Latn Esperanto
es spa Latn Spanish|et est Latn Estonian|eu eus Latn Basque|fa pes Arab Persian
fi fin Latn Finnish|fr fra Latn French|ga gle Latn Irish|gl glg Latn Galician
gu guj Gujr Gujarati|he heb Hebr Hebrew|hi hin Deva Hindi|hr hrv Latn Croatian
hu hun Latn Hungarian|hy hye Armn Armenian|id ind Latn Indonesian|is isl Latn Icelandic
it ita Latn Italian|ja jpn Jpan Japanese|ka kat Geor Georgian|kk kaz Cyrl Kazakh
km khm Khmr Khmer|ko kor Hang Korean|lt lit Latn Lithuanian|lv lvs Latn Latvian
mk mkd Cyrl Macedonian|ml mal Mlym Malayalam|mr mar Deva Marathi|ms zsm Latn Malay
mt mlt Latn Maltese|nb nob Latn Norwegian Bokmål|nl nld Latn Dutch|nn nno Latn Norwegian Nynorsk
oc oci Latn Occitan|pl pol Latn Polish|pt por Latn Portuguese|ro ron Latn Romanian
ru rus Cyrl Russian|sk slk Latn Slovak|sl slv Latn Slovenian|sq als Latn Albanian
sr srp Cyrl Serbian|sv swe Latn Swedish|sw swh Latn Swahili|ta tam Taml Tamil
te tel Telu Telugu|th tha Thai Thai|tl tgl Latn Tagalog|tr tur Latn Turkish
uk ukr Cyrl Ukrainian|ur urd Arab Urdu|uz uzn Latn Uzbek|vi vie Latn Vietnamese
yi ydd Hebr Yiddish|zh zho Hans Chinese|la lat Latn Latin|an arg Latn Aragonese
"""

_ALIASES = {  # other ISO 639 codes in common use for the same languages
    "fre": "fra", "ger": "deu", "spa": "spa", "dut": "nld", "chi": "zho", "cmn": "zho",
    "gre": "ell", "per": "pes", "fas": "pes", "rum": "ron", "slo": "slk", "cze": "ces",
    "alb": "als", "sqi": "als", "arm": "hye", "geo": "kat", "ice": "isl", "wel": "cym",
    "baq": "eus", "may": "zsm", "msa": "zsm", "ara": "arb", "lav": "lvs", "nor": "nob",
    "zho": "zho", "aze": "azj", "swa": "swh", "uzb": "uzn", "est": "est", "yid": "ydd",
}

_BY_CODE: dict[str, Language] = {}
for _entry in _TABLE.replace("\n", "|").split("|"):
    if not _entry.strip():
        continue
    _iso1, _iso3, _script, _name = _entry.split(maxsplit=3)
    _lang = Language(_iso1, _iso3, _script, _name)
    _BY_CODE[_iso1] = _BY_CODE[_iso3] = _lang
for _alias, _target in _ALIASES.items():
    _BY_CODE.setdefault(_alias, _BY_CODE[_target])

_TAG = re.compile(r"^([a-z]{2,3})(?:[-_]([A-Za-z]{4}))?(?:[-_]([A-Za-z]{2}|\d{3}))?$")


def resolve(code: str) -> Language:
    """Resolve a user's language code.

    Args:
        code: ``fr``, ``fra``, ``fra_Latn``, ``pt-BR``, ``zh-Hant``...

    Returns:
        The language, with the script and region the user gave.

    Raises:
        ConfigError: The code is not a language diglot knows.
    """
    m = _TAG.match(code.strip())
    base = _BY_CODE.get(m.group(1).lower()) if m else None
    if m is None or base is None:
        raise ConfigError(
            f"unknown language code {code!r}; use an ISO 639-1 or 639-3 code such as "
            "'fr', 'fra' or 'fra_Latn' (`diglot engines` lists the pairs engines support)"
        )
    script = (m.group(2) or base.script).title()
    region = (m.group(3) or "").upper()
    return Language(base.iso1, base.iso3, script, base.name, region)
