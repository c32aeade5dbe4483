"""Answers given in chat: what their buttons act on, 👍/👎, hand-offs to staff, and the gaps."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, queue
from core.models import Action, ChatAnswer, Customer

SUMMARY_QUESTION_CHARS = 60


def record_answer(
    session: Session,
    chat_id: int,
    telegram_user_id: int,
    question: str,
    lang: str,
    *,
    handoff: bool,
    entry_id: str | None,
    citation: str | None,
    article: int | None,
    suggestions: list[str],
) -> ChatAnswer:
    """Record an answer before it is sent (its buttons carry its id)."""
    answer = ChatAnswer(
        chat_id=chat_id, telegram_user_id=telegram_user_id, question=question, lang=lang,
        handoff=handoff, entry_id=entry_id, citation=citation, article=article,
        suggestions=suggestions,
    )  # fmt: skip
    session.add(answer)
    session.flush()
    return answer


def get_answer(session: Session, answer_id: int, chat_id: int) -> ChatAnswer | None:
    """An answer given in this chat (a button from another chat finds nothing)."""
    answer = session.get(ChatAnswer, answer_id)
    return answer if answer is not None and answer.chat_id == chat_id else None


def vote(session: Session, answer: ChatAnswer, value: int) -> None:
    """👍 (+1) or 👎 (-1): the latest press counts."""
    answer.vote = 1 if value > 0 else -1
    session.flush()


def hand_off(
    session: Session, answer: ChatAnswer, customer: Customer | None
) -> tuple[Action, bool]:
    """Queue the answer's question for staff, once however often it is pressed → (action, new)."""
    if answer.action_id is not None:
        return session.get_one(Action, answer.action_id), False
    question = " ".join(answer.question.split())
    short = question[:SUMMARY_QUESTION_CHARS] + (
        "…" if len(question) > SUMMARY_QUESTION_CHARS else ""
    )
    who = customer.customer_id if customer is not None else "未連携"
    payload: dict[str, Any] = {
        "question": answer.question,
        "lang": answer.lang,
        "chat_id": answer.chat_id,
        "telegram_user_id": answer.telegram_user_id,
        "chat_answer_id": answer.id,
    }
    action = queue.enqueue(
        session, "question", f"チャットの質問 ({who}): {short}", payload=payload,
        customer=customer, actor=f"telegram:{answer.telegram_user_id}",
    )  # fmt: skip
    answer.action_id = action.id
    session.flush()
    return action, True


@dataclass(frozen=True)
class Gap:
    """A question the FAQ did not serve: handed off or voted 👎, with how often it came."""

    question: str
    count: int
    handed_off: int
    thumbs_down: int


def gaps(session: Session, limit: int = 50) -> list[Gap]:
    """Handed-off questions and 👎 answers, most frequent first (same text counted together)."""
    rows = session.execute(
        select(
            ChatAnswer.question, ChatAnswer.handoff, ChatAnswer.vote, ChatAnswer.action_id
        ).where((ChatAnswer.handoff.is_(True)) | (ChatAnswer.vote == -1))
    )
    handed: Counter[str] = Counter()
    down: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for question, handoff, voted, _action in rows:
        key = " ".join(question.split()).casefold()
        shown.setdefault(key, question)
        if handoff:
            handed[key] += 1
        if voted == -1:
            down[key] += 1
    keys = sorted(shown, key=lambda k: (-(handed[k] + down[k]), shown[k]))
    return [Gap(shown[k], handed[k] + down[k], handed[k], down[k]) for k in keys[:limit]]


def audit_refusal(session: Session, telegram_user_id: int, what: str) -> None:
    """Someone who is not staff tried a staff command or button: recorded."""
    audit.record(session, f"telegram:{telegram_user_id}", "chat.refused", None, {"tried": what})


def label(session: Session, answer_id: int, article: int | None, actor: str) -> ChatAnswer | None:
    """Staff say which article answers a handed-off question (None: the terms do not)."""
    answer = session.get(ChatAnswer, answer_id)
    if answer is None:
        return None
    answer.label_article = article
    answer.labelled_by = actor
    session.flush()
    audit.record(session, actor, "faq.labelled", f"chat_answer:{answer_id}", {"article": article})
    return answer


def labelled_questions(session: Session) -> list[dict[str, Any]]:
    """Staff-labelled questions in knowledge/data/asked/'s format, oldest first."""
    rows = session.scalars(
        select(ChatAnswer).where(ChatAnswer.labelled_by.is_not(None)).order_by(ChatAnswer.id)
    )
    return [{"q": row.question, "article": row.label_article, "lang": row.lang} for row in rows]
