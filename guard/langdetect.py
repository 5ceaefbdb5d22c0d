"""Which language a message is written in: English, Spanish, French or
Portuguese, from how often each language's commonest short words (and the
greetings and closings of a letter) occur.

Good enough to pick the language of a verdict (``check(lang="auto")``):
recruitment mail is a few hundred words of ordinary prose, where these words
make up a large share of the text. Words two languages share ("la", "que",
"para") count for both. Fewer than ``MIN_HITS`` stop words: the text is too
short or not in one of these languages, and the answer is None.
"""

from __future__ import annotations

import re

# the commonest function words of each language (written for guard)
_STOP = {
    "en": """the and of to is in you your for with that this are be we our have will please
             on it as from not at by an or was been has can which would should they their
             dear thank thanks regards sincerely""",
    "es": """de la que el los las del una por con es en su sus usted ustedes muy pero como más
             le lo al y ha para este esta estos nos les también fue son hay desde hasta cuando
             estimado estimada gracias saludos atentamente""",
    "fr": """de la que le les des du et est une pour dans pas vous nous avec sur qui au aux ce
             cette votre vos être sont été ne par ou mais très leur nos madame monsieur merci
             cordialement""",
    "pt": """de que o os as do da dos das um uma não você vocês com em no na nos nas ao é são
             pelo pela seu sua mais também foi para ser está obrigado obrigada muito prezado
             prezada atenciosamente cumprimentos""",
}
STOP_WORDS: dict[str, frozenset[str]] = {k: frozenset(v.split()) for k, v in _STOP.items()}
MIN_HITS = 3
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


# each stop word -> the languages it belongs to
_LANGS_OF: dict[str, tuple[str, ...]] = {}
for _lang, _words in STOP_WORDS.items():
    for _w in _words:
        _LANGS_OF[_w] = _LANGS_OF.get(_w, ()) + (_lang,)
_ELIDED = ("l", "d", "qu", "j", "n", "s", "c", "m", "t")


def detect(text: str, *, limit: int = 8000) -> str | None:
    """"en", "es", "fr", "pt", or None when too few stop words were seen."""
    from collections import Counter

    counts = dict.fromkeys(STOP_WORDS, 0)
    # each different word once, with its count (counted in C)
    for w, n in Counter(_WORD.findall(text[:limit].lower())).items():
        # French elisions: l'offre, d'emploi, qu'il
        if "'" in w or "’" in w:
            head = re.split("['’]", w, maxsplit=1)[0]
            if head in _ELIDED:
                counts["fr"] += n
            continue
        for lang in _LANGS_OF.get(w, ()):
            counts[lang] += n
    best = max(counts, key=lambda k: (counts[k], k == "en"))
    if counts[best] < MIN_HITS:
        return None
    return best
