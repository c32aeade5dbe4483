"""Text folding for matching (width, case, kana, long vowels, punctuation) and the synonym table."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

from knowledge.faq.yamltext import load_yaml

# ァ..ヶ → ぁ..ゖ (the blocks are 0x60 apart), as one translate table: thousands of FAQ texts
# are folded at start-up.
_KATAKANA = {code: code - 0x60 for code in range(ord("ァ"), ord("ヶ") + 1)}
# ヴ spellings of loan words customers type either way (サーヴァー / サーバー).
_VU = str.maketrans({"ヴ": "ブ", "ゔ": "ぶ"})
_VU_PAIRS = (
    ("ヴァ", "バ"),
    ("ヴィ", "ビ"),
    ("ヴェ", "ベ"),
    ("ヴォ", "ボ"),
    ("ゔぁ", "ば"),
    ("ゔぃ", "び"),
)
# Kept through punctuation removal: ★★★ names the critical alert (第4条1項(3)).
_KEEP = {"★"}
_LATIN = re.compile(r"[A-Za-z]")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def has_japanese(text: str) -> bool:
    """Whether the text has any kana or kanji."""
    return _JAPANESE.search(text) is not None


def detect_language(text: str) -> str:
    """`en` when the letters are mostly Latin, else `ja` (the chat contract)."""
    latin, japanese = len(_LATIN.findall(text)), len(_JAPANESE.findall(text))
    return "en" if latin > japanese else "ja"


def nfkc(text: str) -> str:
    """NFKC (full-width ASCII/digits → half-width, half-width kana → full-width) and lower case."""
    return unicodedata.normalize("NFKC", text).casefold()


def to_hiragana(text: str) -> str:
    """Katakana → hiragana, so カイヤク and かいやく match."""
    return text.translate(_KATAKANA)


def fold_kana(text: str) -> str:
    """Hiragana, ヴ spelled as バ行, long vowel marks dropped (サーバー = サーバ)."""
    for vu, plain in _VU_PAIRS:
        text = text.replace(vu, plain)
    return to_hiragana(text.translate(_VU)).replace("ー", "").replace("〜", "")


def strip_punctuation(text: str) -> str:
    """Drop punctuation, symbols and spaces (except ★)."""
    return "".join(c for c in text if c in _KEEP or unicodedata.category(c)[0] not in "PSZC")


def fold(text: str) -> str:
    """The full folding for string comparison: NFKC, case, kana, punctuation."""
    return strip_punctuation(fold_kana(nfkc(text)))


def fold_word(word: str) -> str:
    """The folding for one token: NFKC, case and kana, punctuation kept."""
    return fold_kana(nfkc(word)).strip()


@dataclass(frozen=True)
class Synonyms:
    """Customer words → the terms' words, and English words → Japanese ones."""

    words: dict[str, str]  # folded single word → canonical
    phrases: re.Pattern[str] | None  # multi-word variants, longest first
    phrase_map: dict[str, str]
    stopwords: frozenset[str]
    not_romaji: frozenset[str] = frozenset()  # English words that also read as romaji

    @cached_property
    def english(self) -> frozenset[str]:
        """Every English word the table knows (mapped, in a phrase or a stop word): never read
        as romaji (knowledge/faq/romaji.py)."""
        words = {w for w in self.words if w.isascii()}
        words.update(w for phrase in self.phrase_map if phrase.isascii() for w in phrase.split())
        return frozenset(words | self.stopwords | self.not_romaji)

    def canonical(self, word: str) -> str:
        """The canonical form of a (folded) token, or the token itself."""
        return self.words.get(word, word)

    def rewrite(self, text: str) -> str:
        """Replace multi-word variants in NFKC-lowered text by their canonical word."""
        if self.phrases is None:
            return text
        return self.phrases.sub(lambda m: f" {self.phrase_map[m.group()]} ", text)


def _is_phrase(variant: str) -> bool:
    """A variant the tokenizer would split: rewritten in the text rather than per token."""
    return " " in variant or (not variant.isascii() and len(variant) >= 3)


def parse_synonyms(text: str) -> Synonyms:
    """Build the table from the YAML in knowledge/data/synonyms.yaml."""
    data = load_yaml(text) or {}
    words: dict[str, str] = {}
    phrase_map: dict[str, str] = {}
    for canonical, variants in (data.get("ja") or {}).items():
        canonical = str(canonical)
        for variant in [canonical, *map(str, variants or [])]:
            words[fold_word(variant)] = canonical
            if _is_phrase(variant) and variant != canonical:
                for form in {nfkc(variant), fold_kana(nfkc(variant))}:
                    phrase_map[form] = canonical
    for english, japanese in (data.get("en") or {}).items():
        english = nfkc(str(english))
        if " " in english:
            phrase_map[english] = str(japanese)
        else:
            words[english] = str(japanese)
    pattern = None
    if phrase_map:
        alternatives = sorted(phrase_map, key=len, reverse=True)
        # ASCII phrases only on word boundaries: "due" must not fire inside "produce".
        pattern = re.compile(
            "|".join(
                rf"(?<![a-z]){re.escape(p)}(?![a-z])" if p.isascii() else re.escape(p)
                for p in alternatives
            )
        )
    stopwords = frozenset(nfkc(str(w)) for w in data.get("en_stopwords") or [])
    not_romaji = frozenset(nfkc(str(w)) for w in data.get("en_not_romaji") or [])
    return Synonyms(words, pattern, phrase_map, stopwords, not_romaji)


@lru_cache(maxsize=1)
def default_synonyms() -> Synonyms:
    """The synonym table shipped with the package."""
    return parse_synonyms(
        resources.files("knowledge").joinpath("data/synonyms.yaml").read_text("utf-8")
    )
