"""Word lists: fast on Japanese, and an English word counts only where it stands alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from mail.words import Words


def test_an_english_word_inside_a_longer_word_does_not_count() -> None:
    words = Words(r"seo|refund\w*|解約")
    assert words.search("seoul office") is None
    assert words.search("museo") is None
    found = words.search("we want refunds.")
    assert found is not None
    assert found[0] == "refunds"


def test_japanese_needs_no_word_boundary() -> None:
    found = Words(r"解約|refund").search("3月末で解約します")
    assert found is not None
    assert found[0] == "解約"


def test_a_later_standalone_match_is_found_after_a_rejected_one() -> None:
    found = Words(r"seo").search("seoul and seo")
    assert found is not None
    assert found.start() == 10


def test_word_boundaries_are_refused_in_the_pattern() -> None:
    with pytest.raises(ValueError, match="without"):
        Words(r"\bseo\b")


def _word_lists() -> list[tuple[str, Words]]:
    import mail.headers
    import mail.intent

    return [
        (f"{module.__name__}.{name}", value)
        for module in (mail.intent, mail.headers)
        for name, value in vars(module).items()
        if isinstance(value, Words)
    ]


def _pieces(pattern: str) -> list[str]:
    """Literal fragments of a pattern, to build texts full of near misses."""
    import re

    return [piece for piece in re.split(r"[()|?:\\\[\]*+{}]+|\\[swd]", pattern) if piece]


@pytest.mark.parametrize(("name", "words"), _word_lists(), ids=lambda value: str(value)[:40])
def test_a_word_list_written_out_finds_exactly_what_it_was_written_to(
    name: str, words: Words
) -> None:
    import random
    import re

    from mail.reading import read_mail_explained

    corpus = Path(__file__).resolve().parents[2] / "data" / "mail"
    read = [read_mail_explained(path.read_bytes()) for path in sorted(corpus.glob("*.eml"))]
    original = re.compile(words.source)
    pieces = [*_pieces(words.source), "の", "を", " ", "\n", "x", "a", "ー", "?", "？"]
    rng = random.Random(name)
    texts = [f"{mail.facts.subject}\n{mail.body}" for mail in read]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    for text in texts:
        lowered = text.lower()
        for start in range(0, len(lowered) + 1, max(1, len(lowered) // 7)):
            got, expected = words.pattern.search(lowered, start), original.search(lowered, start)
            assert (got and (got.span(), got[0])) == (expected and (expected.span(), expected[0]))
