"""Questions and clauses → content-word tokens (SudachiPy for Japanese, word rules for English)."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from knowledge.faq.normalize import (
    Synonyms,
    default_synonyms,
    fold_kana,
    fold_word,
    to_hiragana,
)
from knowledge.faq.romaji import romaji_to_kana

# Parts of speech that carry no topic: particles, auxiliaries, symbols, blanks, conjunctions…
_DROP_POS = {"助詞", "助動詞", "補助記号", "記号", "空白", "接続詞", "感動詞", "フィラー", "接頭辞"}
# Light verbs and forms that appear in every question (する, ある, いる, なる, 思う…).
_LIGHT = {
    "為る", "する", "有る", "ある", "居る", "いる", "成る", "なる", "出来る", "できる", "思う",
    "言う", "こと", "事", "もの", "物", "ため", "為", "よう", "様", "方", "場合", "本所", "お客様",
    "本", "ども", "さん", "くださる", "下さる", "頂く", "いただく", "良い", "いい", "教える",
    "知る", "分かる", "わかる", "貰う", "もらう", "どう", "どの", "何", "なに", "いつ",
    "仕舞う", "しまう", "来る", "くる", "行く", "いく", "見る", "みる", "置く", "おく", "欲しい",
    "ほしい", "呉れる", "くれる", "御座る", "ござる", "其れ", "それ", "此れ", "これ",
}  # fmt: skip
# Bump when `Analyzer.analyse` changes what it returns: analyses shipped before are then unused.
ANALYSER_VERSION = 2
_LATIN_WORD = re.compile(r"[a-z][a-z'\-]*[a-z]|[a-z]")
# SudachiPy refuses an input over 49,149 bytes of UTF-8 ("Input is too long"): a longer text is
# tokenized in pieces of at most this many characters (a character is at most 4 bytes).
_PIECE_CHARS = 49_149 // 4
# Where a piece is cut: after a sentence's end, else after a comma or a space, else anywhere.
_CUTS = (("。", "．", ".", "！", "!", "？", "?", "\n"), ("、", "，", ",", " ", "　", "\t"))


def _english_stem(word: str) -> str:
    """A light stemmer: plurals and possessives only (the keyword map lists the other forms)."""
    word = word.removesuffix("'s")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass
class Analyzer:
    """Tokenizes text into folded, synonym-mapped content words. Sudachi's dictionary is loaded
    once, on first use, and shared; each thread gets its own tokenizer from it."""

    synonyms: Synonyms = field(default_factory=default_synonyms)
    # Analyses computed ahead (knowledge/faq/analyses.py): the shipped texts need no Sudachi.
    known: Mapping[str, Analysis] = field(default_factory=dict)
    _dictionary: Any = None
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _counterparts: dict[str, list[str]] = field(default_factory=dict)  # see `_japanese`

    def _sudachi(self) -> Any:
        tokenizer = getattr(self._local, "tokenizer", None)
        if tokenizer is None:
            from sudachipy import Dictionary, SplitMode

            with self._lock:
                if self._dictionary is None:
                    self._dictionary = Dictionary(dict="core")
                tokenizer = self._dictionary.tokenizer(mode=SplitMode.C)
            self._local.tokenizer = tokenizer
        return tokenizer

    def prepare(self, text: str) -> str:
        """NFKC, lower case, romaji written in hiragana, multi-word synonyms rewritten."""
        synonyms = self.synonyms
        # Romaji first, while the case still tells an acronym (NPO) from a word (npo → んぽ).
        text = unicodedata.normalize("NFKC", text)
        text = romaji_to_kana(text, synonyms.english, synonyms.stopwords)
        return synonyms.rewrite(text.casefold())  # = nfkc(): the hiragana it wrote is NFKC

    def tokens(self, text: str) -> list[str]:
        """Content words of the text, folded and mapped to canonical words, in order; a
        compound (損害賠償) is followed by its parts (損害, 賠償) so it matches them too."""
        return self.analyse(text).tokens

    def reading(self, text: str) -> str:
        """The text as hiragana (Sudachi's readings), folded: かいやく matches 解約."""
        return self.analyse(text).reading

    def analyse(self, text: str, normalised: str | None = None) -> Analysis:
        """Tokens, words (the tokens without the compounds' parts) and reading, in one pass;
        `normalised` is `prepare(text)`, when the caller has it already."""
        known = self.known.get(text)
        if known is not None:
            return known
        from sudachipy import SplitMode

        tokens: list[str] = []
        words: list[str] = []
        readings: list[str] = []
        morphemes = (
            m
            for piece in _pieces(self.prepare(text) if normalised is None else normalised)
            for m in self._sudachi().tokenize(piece)
        )
        for m in morphemes:
            pos = m.part_of_speech()
            surface = m.surface().strip()
            if not surface or pos[0] in _DROP_POS:
                continue
            if surface.isascii():
                english = self._english(surface)
                tokens += english
                words += english
                readings.append(surface)
                continue
            reading = m.reading_form()
            readings.append(reading if reading != "キゴウ" else surface)
            base = m.normalized_form()
            if base in _LIGHT or m.dictionary_form() in _LIGHT:
                continue
            word = self.synonyms.canonical(fold_word(base))
            if word in _LIGHT:
                continue
            tokens.append(word)
            words.append(word)
            parts = m.split(SplitMode.A)
            if len(parts) > 1:
                tokens += [
                    part
                    for p in parts
                    if p.part_of_speech()[0] not in _DROP_POS
                    and (part := self.synonyms.canonical(fold_word(p.normalized_form()))) != word
                ]
        return Analysis(tokens, words, fold_kana(to_hiragana("".join(readings))))

    def _english(self, text: str) -> list[str]:
        words = []
        for word in _LATIN_WORD.findall(text.lower()):
            stem = _english_stem(word)
            if word in self.synonyms.stopwords or stem in self.synonyms.stopwords:
                continue
            # The word as written first: "terms" (規約) is not "term" (期間).
            mapped = self.synonyms.canonical(word)
            words += self._japanese(mapped if mapped != word else self.synonyms.canonical(stem))
        return words

    def _japanese(self, word: str) -> list[str]:
        """An English word's Japanese counterpart as the Japanese text's own tokens: the map
        says メール or 駆け付け, the analyser makes める and 駆け付ける of them, and only the
        latter match what a customer writes in Japanese."""
        if word.isascii():
            return [word]
        tokens = self._counterparts.get(word)
        if tokens is None:
            tokens = self._counterparts[word] = self.analyse(word).tokens
        return tokens


@dataclass(frozen=True)
class Analysis:
    """One text's content words (compounds followed by their parts), words and reading."""

    tokens: list[str]
    words: list[str]
    reading: str


def _pieces(text: str) -> Iterator[str]:
    """The text in pieces SudachiPy accepts, each cut where a word cannot go on (`_CUTS`)."""
    while len(text) > _PIECE_CHARS:
        window = text[:_PIECE_CHARS]
        cut = _PIECE_CHARS  # no mark in the window's second half: a word may be cut in two
        for marks in _CUTS:
            at = max(window.rfind(mark) for mark in marks) + 1
            if at > _PIECE_CHARS // 2:
                cut = at
                break
        yield text[:cut]
        text = text[cut:]
    yield text
