"""Labelled mail folders (tests/data/mail/, held-out sets): read them, predict, score.

A folder holds `*.eml`, `customers.csv` (the import's columns) and `labels.jsonl`, one object a
line: {"file", "intent", "customer_id" (written in the mail, what `mail classify` prints),
"customer" (the registered customer the mail is attributed to with certainty, or null),
"requested_date", "reply_expected"}.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from core.mailfacts import REQUEST_INTENTS, MailFacts

FIELDS = ("intent", "customer_id", "customer", "requested_date", "reply_expected")


@dataclass(frozen=True)
class Labelled:
    """One labelled mail."""

    file: Path
    expected: dict[str, object]


def read_folder(folder: Path) -> list[Labelled]:
    """The labelled mails of a folder, in the order of labels.jsonl; a bad line → ValueError."""
    labelled: list[Labelled] = []
    lines = (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            expected = {name: item[name] for name in FIELDS}
            path = folder / item["file"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{folder}/labels.jsonl line {number}: {exc!r}") from None
        labelled.append(Labelled(path, expected))
    return labelled


def predicted(facts: MailFacts, customer_id: str | None) -> dict[str, object]:
    """What we say about a mail, in the label's terms (`customer_id`: the certain attribution)."""
    return {
        **{k: v for k, v in facts.classify_json().items() if k != "from_address"},
        "customer": customer_id,
    }


def predict(session: Session, raw: bytes) -> dict[str, object]:
    """What the intake makes of a mail, in the label's terms: the customer it is attributed to,
    and a request's kind once that customer's contract is known (R11 needs the start date)."""
    from dataclasses import replace

    from core.decisions import request_kind
    from core.identify import attributed, identify_customer
    from knowledge.rules.calendar import DEFAULT_CALENDAR
    from knowledge.rules.contract import contract_terms
    from mail.reading import read_mail

    facts = read_mail(raw)
    customer = attributed(identify_customer(session, facts), facts)
    if customer is not None and facts.intent in REQUEST_INTENTS:
        terms = contract_terms(customer.applied_on, customer.approved_on, customer.member,
                               DEFAULT_CALENDAR)  # fmt: skip
        facts = replace(facts, intent=request_kind(facts, terms))
    return predicted(facts, customer.customer_id if customer is not None else None)


@dataclass
class Score:
    """Per-field accuracy over a folder, and the mails answered that must not be."""

    total: int = 0
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    wrong: list[tuple[str, str, object, object]] = field(default_factory=list)
    unwanted_replies: list[str] = field(default_factory=list)

    def add(self, name: str, expected: dict[str, object], got: dict[str, object]) -> None:
        """Count one mail."""
        self.total += 1
        for key in FIELDS:
            if expected[key] == got[key]:
                self.right[key] += 1
            else:
                self.wrong.append((name, key, expected[key], got[key]))
        if got["reply_expected"] and not expected["reply_expected"]:
            self.unwanted_replies.append(name)

    def accuracy(self, key: str) -> float:
        """The share of mails whose `key` is right (0 for an empty folder)."""
        return self.right[key] / self.total if self.total else 0.0


@contextmanager
def scratch_customers(folder: Path, today: date) -> Iterator[Session]:
    """A session on a scratch SQLite database holding the folder's customers.csv."""
    from core import migrate
    from core.db import make_engine, session_factory
    from core.imports import import_customers
    from knowledge.rules.calendar import DEFAULT_CALENDAR

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'scratch.db'}")
        try:
            migrate.upgrade(engine)
            with session_factory(engine).begin() as session:
                report = import_customers(
                    session, folder / "customers.csv", today=today, calendar=DEFAULT_CALENDAR
                )
                if report.errors:
                    raise ValueError(f"{folder}/customers.csv: {report.errors[:3]}")
            with session_factory(engine)() as session:
                yield session
        finally:
            engine.dispose()
