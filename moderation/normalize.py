"""Text as AutoMod compares it: trivial evasions of a term normalise to the term itself.

    "B.A.D", "bád", "bаd" (Cyrillic а), "b4d", "baaaad", "b a d"  ->  " bad "

Steps: Unicode compatibility form, accents dropped, look-alike letters of other scripts mapped to Latin,
leetspeak digits and symbols read as letters, case folded, separators inside a word dropped, a run of
single letters joined ("b a d"), repeated letters collapsed. Words stay apart (single spaces, one at
each end) so a term matches whole words only: "ass" is not found in "class".
"""

import re
import unicodedata

# Letters of other scripts that look like Latin ones (the common confusables; Cyrillic and Greek).
HOMOGLYPHS = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ɡ": "g",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "ω": "w", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "ı": "i",
})
# Digits and symbols read as letters when they stand inside a word.
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s",
                      "!": "i", "|": "l", "+": "t", "€": "e"})
_WORD_SEPARATORS = re.compile(r"[\s]+")
_NOT_LETTER = re.compile(r"[^a-z]+")
_REPEATS = re.compile(r"(.)\1+")


_PUNCTUATION = ".,;:!?\"'()[]{}<>…-_*~"


def _letters(word: str) -> str:
    word = word.strip(_PUNCTUATION)  # "bad!!" is "bad", while the "!" of "b!tch" is an i
    word = word.translate(LEET) if any(ch.isalpha() for ch in word) else word
    return _NOT_LETTER.sub("", word)


def normalize(text: str) -> str:
    """`text` as matched: lowercase Latin words, one space between them and at each end."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(HOMOGLYPHS))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(HOMOGLYPHS)
    words: list[str] = []
    run: list[str] = []  # consecutive one-letter words: "b a d" is "bad"
    for raw in _WORD_SEPARATORS.split(text):
        word = _REPEATS.sub(r"\1", _letters(raw))
        if len(word) == 1:
            run.append(word)
            continue
        if run:
            words.append(_REPEATS.sub(r"\1", "".join(run)))
            run = []
        if word:
            words.append(word)
    if run:
        words.append(_REPEATS.sub(r"\1", "".join(run)))
    return f" {' '.join(words)} "
