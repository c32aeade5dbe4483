"""Word lists: fast on Japanese, and an English word counts only where it stands alone."""

from __future__ import annotations

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
