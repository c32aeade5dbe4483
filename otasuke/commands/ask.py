"""`otasuke ask`: answer a question from the terms, or hand it off."""


def ask(question: str) -> None:
    """Answer a question from the terms (filled in by the FAQ issue)."""
    raise NotImplementedError
