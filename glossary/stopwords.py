"""Function words: what a term may contain but not start or end with ("means of production").

The built-in lists cover English, French, Spanish, German, Italian and Portuguese: articles,
prepositions (with their contractions), pronouns, conjunctions, auxiliaries and common adverbs
and determiners, lower-cased, with the bare letters that elision leaves ("l" in "l'école",
"s" in "Marx's") because the tokenizer splits words at apostrophes. They are short on purpose:
a word missing here costs a few stopword-bounded candidates, a content word listed here costs
every term that starts or ends with it.

Other languages get a fallback learnt from the texts themselves (see ``stopwords``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from glossary.text import WORD
from translate.langs import Language

_LISTS = {
    "en": """
        a an the and or but nor so yet if then than that this these those there here of in on at
        by for with without from to into onto upon about above below over under after before
        between among through during against within across along around behind beyond toward
        towards via per since until as like i me my mine myself we us our ours ourselves you your
        yours yourself he him his himself she her hers herself it its itself they them their
        theirs themselves who whom whose which what when where why how whether while because
        although though unless be am is are was were been being have has had having do does did
        doing will would shall should can could may might must not no very too also just only
        even still already more most less much many some any all both each every either neither
        few other another such own same however thus s t ll re ve d m
    """,
    "fr": """
        le la les l un une des du de d au aux ce cet cette ces ça cela ceci celui celle ceux
        celles mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs je j tu il elle on
        nous vous ils elles me m te t se s lui y en moi toi soi eux qui que qu quoi dont où
        lequel laquelle lesquels lesquelles auquel duquel et ou mais donc or ni car si comme quand
        lorsque lorsqu puisque parce pour par dans sur sous avec sans chez entre vers contre
        depuis pendant avant après selon malgré parmi jusqu jusque à ne n pas plus moins très trop
        aussi encore déjà bien tout tous toute toutes autre autres même mêmes chaque quelque
        quelques plusieurs aucun aucune tel telle tels telles être est sont était étaient été
        sera seront serait suis es sommes êtes fut soit avoir a ai as avons avez ont avait
        avaient aura auront aurait eu c ainsi alors cependant également là ici
    """,
    "es": """
        el la los las lo un una unos unas al del de a en con por para sin sobre entre hacia hasta
        desde durante contra según tras ante bajo mediante y e o u ni pero sino que si como
        cuando donde mientras porque aunque pues yo tú él ella ello nosotros nosotras vosotros
        ellos ellas usted ustedes me te se nos os le les mi mis tu tus su sus nuestro nuestra
        nuestros nuestras este esta estos estas ese esa esos esas aquel aquella aquellos esto eso
        quien quienes cual cuales cuyo cuya qué quién cómo dónde cuándo ser es son era eran fue
        fueron sido sea será estar está están estaba estado haber ha han había habían he hay
        hubo habrá no sí muy más menos también ya aún todavía solo sólo tan tanto todo toda todos
        todas otro otra otros otras mismo misma cada algún alguno alguna algunos algunas ningún
        ninguna varios muchos muchas mucho poco así
    """,
    "de": """
        der die das des dem den ein eine einer eines einem einen kein keine keinen keinem keiner
        und oder aber denn sondern doch dass daß ob wenn als wie weil da während obwohl damit in
        im ins an am ans auf aus bei beim mit nach von vom zu zum zur für über unter vor hinter
        neben zwischen durch gegen ohne um bis seit ich du er sie es wir ihr mich mir dich dir
        ihn ihm uns euch ihnen sich mein meine dein sein seine seinen seinem seiner ihre ihren
        ihrem ihrer unser unsere euer dieser diese dieses diesem diesen jener jene welcher
        welche welches wer was wo ist sind war waren bin bist seid wird werden wurde wurden
        worden hat haben hatte hatten habe kann können konnte muss müssen soll sollen will
        wollen nicht auch noch schon nur sehr so mehr man alle allen aller alles jede jeder jedes
        andere anderen selbst hier dort dann nun
    """,
    "it": """
        il lo la i gli le l un uno una del dello della dei degli delle dell al allo alla ai agli
        alle all dal dallo dalla dai dagli dalle dall nel nello nella nei negli nelle nell sul
        sullo sulla sui sugli sulle sull di d a da in con su per tra fra e ed o od ma né se che
        ch come quando dove perché mentre anche io tu lui lei noi voi loro mi ti si ci vi ne me
        te sé mio mia miei mie tuo tua suo sua suoi sue nostro nostra vostro questo questa questi
        queste quello quella quelli quelle quel cui chi cosa essere è sono era erano fu stato
        stata stati sarà sia avere ha hanno ho aveva avevano avuto non più meno molto molti molte
        poco tutto tutti tutta tutte ogni altro altri altra altre stesso già ancora solo così
        sempre c
    """,
    "pt": """
        o a os as um uma uns umas de do da dos das em no na nos nas ao aos à às por pelo pela
        pelos pelas para com sem sobre entre até desde contra durante após e ou mas nem que se
        como quando onde porque embora enquanto eu tu ele ela nós vós eles elas você vocês me te
        lhe lhes meu minha meus minhas teu tua seu sua seus suas nosso nossa nossos nossas este
        esta estes estas esse essa esses essas aquele aquela aqueles aquelas isto isso aquilo
        dele dela deles delas neste nesta nesse nessa num numa qual quais quem cujo cuja ser é
        são era eram foi foram sido seja será estar está estão estava estavam ter tem têm tinha
        tinham tido há havia não sim muito muitos muita muitas mais menos também já ainda só
        apenas tão todo toda todos todas outro outra outros outras mesmo mesma cada algum alguma
        alguns algumas nenhum nenhuma vários pouco assim
    """,
}

BUILTIN: dict[str, frozenset[str]] = {
    code: frozenset(words.lower().split()) for code, words in _LISTS.items()
}

_MIN_SEGMENTS = 50  # fewer segments say too little about which words are everywhere
_SHARE = 0.2  # a word in more than this share of segments is taken for a function word
_MAX_LEN = 5  # function words are short; a topic word may be frequent too


def stopwords(lang: Language, texts: Sequence[str] | None = None) -> frozenset[str]:
    """The function words of a language, lower-cased.

    Args:
        lang: The language.
        texts: Segments in that language, used only when there is no built-in list.

    Returns:
        The built-in list for en, fr, es, de, it and pt. For other languages, a fallback
        learnt from ``texts``: the words of at most five characters found in more than 20% of
        the segments, when there are at least 50 segments; otherwise an empty set (terms are
        then bounded by punctuation and the n-gram length only). The fallback is rougher than
        a list: on a text about one subject it may take a frequent short content word.
    """
    builtin = BUILTIN.get(lang.iso1)
    if builtin is not None:
        return builtin
    if texts is None or len(texts) < _MIN_SEGMENTS:
        return frozenset()
    df: Counter[str] = Counter()
    for text in texts:
        df.update({w.lower() for w in WORD.findall(text) if len(w) <= _MAX_LEN})
    return frozenset(w for w, n in df.items() if n > _SHARE * len(texts))
