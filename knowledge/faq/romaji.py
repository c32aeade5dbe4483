"""Japanese typed in Latin letters (romaji) → hiragana.

Customers abroad, or on a phone without a Japanese keyboard, write 「hoken で genkin もらえる？」
or "kaiyaku dekiru?". Read as English those words match nothing; as hiragana they are what a
customer writing kana types, and the analyser's readings match them to 保険 and 現金. Hepburn,
kunrei and the spellings of Japanese keyboards are all read (shi/si, tsu/tu, ou/oo/ō, n/nn/n').
"""

from __future__ import annotations

import re
from collections.abc import Collection

from knowledge.faq.normalize import has_japanese

_VOWELS = {"a": "あ", "i": "い", "u": "う", "e": "え", "o": "お"}
# Consonant → its row of kana (a, i, u, e, o); None where the syllable is not written that way.
_ROWS: dict[str, tuple[str | None, ...]] = {
    "k": ("か", "き", "く", "け", "こ"),
    "g": ("が", "ぎ", "ぐ", "げ", "ご"),
    "s": ("さ", "し", "す", "せ", "そ"),
    "z": ("ざ", "じ", "ず", "ぜ", "ぞ"),
    "t": ("た", "ち", "つ", "て", "と"),
    "d": ("だ", "ぢ", "づ", "で", "ど"),
    "n": ("な", "に", "ぬ", "ね", "の"),
    "h": ("は", "ひ", "ふ", "へ", "ほ"),
    "f": (None, None, "ふ", None, None),  # fa, fe… are English more often than romaji
    "b": ("ば", "び", "ぶ", "べ", "ぼ"),
    "p": ("ぱ", "ぴ", "ぷ", "ぺ", "ぽ"),
    "m": ("ま", "み", "む", "め", "も"),
    "y": ("や", None, "ゆ", None, "よ"),
    "r": ("ら", "り", "る", "れ", "ろ"),
    "w": ("わ", None, None, None, "を"),
    "j": ("じゃ", "じ", "じゅ", "じぇ", "じょ"),
    "sh": ("しゃ", "し", "しゅ", "しぇ", "しょ"),
    "ch": ("ちゃ", "ち", "ちゅ", "ちぇ", "ちょ"),
    "ts": (None, None, "つ", None, None),
    "ky": ("きゃ", None, "きゅ", None, "きょ"),
    "gy": ("ぎゃ", None, "ぎゅ", None, "ぎょ"),
    "sy": ("しゃ", None, "しゅ", None, "しょ"),
    "zy": ("じゃ", None, "じゅ", None, "じょ"),
    "jy": ("じゃ", None, "じゅ", None, "じょ"),
    "ty": ("ちゃ", None, "ちゅ", None, "ちょ"),
    "cy": ("ちゃ", None, "ちゅ", None, "ちょ"),
    "dy": ("ぢゃ", None, "ぢゅ", None, "ぢょ"),
    "ny": ("にゃ", None, "にゅ", None, "にょ"),
    "hy": ("ひゃ", None, "ひゅ", None, "ひょ"),
    "by": ("びゃ", None, "びゅ", None, "びょ"),
    "py": ("ぴゃ", None, "ぴゅ", None, "ぴょ"),
    "my": ("みゃ", None, "みゅ", None, "みょ"),
    "ry": ("りゃ", None, "りゅ", None, "りょ"),
}
# Long vowels written with a macron or circumflex (ō, â): the vowel, then its lengthening kana.
_LONG = {
    "ā": "aa", "â": "aa", "ī": "ii", "î": "ii", "ū": "uu", "û": "uu",
    "ē": "ee", "ê": "ee", "ō": "ou", "ô": "ou",
}  # fmt: skip
_WORD = re.compile(r"[A-Za-zāâīîūûēêōôĀÂĪÎŪÛĒÊŌÔ'\-]+")


def to_hiragana(word: str) -> str | None:
    """The word in hiragana, or None when it is not wholly romaji (`word` in lower case)."""
    text = "".join(_LONG.get(c, c) for c in word)
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c in _VOWELS:
            out.append(_VOWELS[c])
            i += 1
            continue
        if c == "-":  # a long vowel mark typed as a hyphen (ra-men)
            if not out:
                return None
            out.append("ー")
            i += 1
            continue
        if c == "n" and text[i + 1 : i + 2] not in _VOWELS and text[i + 1 : i + 2] != "y":
            out.append("ん")
            after = text[i + 1 : i + 3]
            # n' and a typed nn (before a consonant or at the end) are one ん; the n of "nn"
            # before a vowel starts the next syllable (konnichiwa).
            i += 2 if after[:1] == "'" or (after[:1] == "n" and after[1:] not in _VOWELS) else 1
            continue
        if c == "'":
            return None
        # A doubled consonant (kk, ss, tt) and the tch of matcha are a small っ.
        if (c.isalpha() and c == text[i + 1 : i + 2]) or text[i : i + 3] == "tch":
            out.append("っ")
            i += 1
            continue
        for size in (2, 1):
            row = _ROWS.get(text[i : i + size])
            vowel = text[i + size : i + size + 1]
            if row is not None and vowel in _VOWELS:
                kana = row["aiueo".index(vowel)]
                if kana is None:
                    return None
                out.append(kana)
                i += size + 1
                break
        else:
            return None
    return "".join(out)


def _looks_japanese(word: str, english: Collection[str]) -> str | None:
    """The word's hiragana when it reads as romaji and is no English word we know. Acronyms
    (IPA, NPO, WAN: two capitals or more) are names, not romaji."""
    lower = word.lower()
    if len(word) < 2 or lower in english or sum(c.isupper() for c in word) > 1:
        return None
    return to_hiragana(lower)


def romaji_to_kana(text: str, english: Collection[str], stopwords: Collection[str]) -> str:
    """The text with its romaji words written in hiragana. `text` is NFKC, its case kept (an
    acronym is not romaji); `english`: words that stay as they are (the synonym table's English
    words, lower case); `stopwords`: English function words (the, can, is…).

    In a text with Japanese script every word that reads as romaji and is not in `english` is
    rewritten: the Latin words there are either romaji or jargon (firmware, update), and jargon
    seldom reads as romaji. A text wholly in Latin letters is read as romaji only when no
    English function word is in it (but those that read as romaji too: no, to, do) and most of
    its words of three letters or more read as romaji. English has words that do (home, time,
    made), and "Can I use it at home?" must stay English.
    """
    words = _WORD.findall(text)
    if not words:
        return text
    kana = {word: _looks_japanese(word, english) for word in words}
    if not has_japanese(text):
        if any(w.lower() in stopwords and to_hiragana(w.lower()) is None for w in words):
            return text
        long = [w for w in words if len(w.strip("-'")) >= 3]
        if not long or sum(kana[w] is not None for w in long) * 2 <= len(long):
            return text
    return _WORD.sub(lambda m: kana[m.group()] or m.group(), text)
