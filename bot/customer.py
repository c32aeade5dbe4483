"""Customers' side of the chat: questions answered from the terms, hand-offs, linking, status."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session

from bot.context import Context, chat_text, labels
from bot.messages import Button, Incoming, Reply, Response
from core import chat_answers, chat_links
from core.answers import answer_question, customer_facts
from core.models import ChatAnswer
from knowledge.faq.answers import Answer, templates
from knowledge.rules.desk import desk_open, next_opening
from knowledge.terms import parse_citation

# The quote in a chat answer. It is already the sentence, or a long sentence's phrases, that
# carry the answer (knowledge/faq/quoting.py); cut shorter, 第4条1項(3)'s quote lost the very
# predicate it was chosen for (…保険金をお支払いします。). The whole article is behind a button.
EXCERPT_CHARS = 240
# A request to cancel (not a question about cancelling): it must come by mail, 第12条1項.
CANCEL_REQUEST = re.compile(
    r"(解約|退会)(を)?(したい|します|希望|お願い|して(ください|下さい|ほしい|欲しい)|手続きをお願い)"
    r"|^\s*please cancel\b|\b(want|would like|'d like|wish)\b.{0,10}\bto cancel\b",
    re.IGNORECASE,
)
# …but a question about cancelling is answered from the terms like any other.
QUESTION = re.compile(
    r"[?？]|いつ|どう|どの|何|ですか|ますか|でしょうか|場合"
    r"|\b(how|when|what|can|could|may|by when)\b",
    re.IGNORECASE,
)


async def start(ctx: Context, msg: Incoming, lang: str) -> Response:
    """/start: who the bot is and what it does."""
    return Response([Reply(chat_text("start", lang))])


async def help_(ctx: Context, msg: Incoming, lang: str) -> Response:
    """/help: the commands (staff see theirs too)."""
    is_staff = msg.user_id in await ctx.staff()
    return Response([Reply(chat_text("help", lang, staff=is_staff))])


async def question(ctx: Context, msg: Incoming, text: str, lang: str) -> Response:
    """A question: the short answer and its clause, or 'I can't say for sure' and choices."""
    if CANCEL_REQUEST.search(text) and not QUESTION.search(text):
        return await cancel_by_mail(ctx, msg, lang)
    found, record_id = await ctx.db(_answer_and_record, ctx, msg, text)
    return _answer_reply(found, record_id)


def _answer_and_record(
    session: Session, ctx: Context, msg: Incoming, text: str
) -> tuple[Answer, int]:
    """One transaction: the linked customer's facts, the answer, and its record (for buttons)."""
    customer = chat_links.linked_customer(session, msg.user_id)
    facts = None
    if customer is not None:
        facts = customer_facts(session, customer.customer_id, ctx.today(), ctx.calendar)
    found = answer_question(ctx.engine, text, ctx.today(), ctx.calendar, facts)
    citation = found.quotes[0][0] if found.quotes else found.citation
    parsed = parse_citation(citation) if citation else None
    record = chat_answers.record_answer(
        session, msg.chat_id, msg.user_id, text, found.lang, handoff=found.handoff,
        entry_id=found.entry_id, citation=citation, article=parsed[0] if parsed else None,
        suggestions=list(found.suggestions),
    )  # fmt: skip
    return found, record.id


def _answer_reply(found: Answer, record_id: int) -> Response:
    lang = found.lang
    citation = found.quotes[0][0] if found.quotes else found.citation
    parsed = parse_citation(citation) if citation else None
    suggestions = list(found.suggestions)
    label = labels(lang)
    votes = (Button(label["up"], f"up:{record_id}"), Button(label["down"], f"down:{record_id}"))
    if found.handoff:
        note = found.answer.replace(templates(lang)["unsure"], "").strip()
        rows = [(Button(s[:60], f"sug:{record_id}:{i}"),) for i, s in enumerate(suggestions)]
        rows.append((Button(label["ask_staff"], f"ask:{record_id}"),))
        return Response([Reply(chat_text("unsure", lang, note=note), tuple(rows))])
    short = _short_answer(found)
    excerpt = None
    if found.quotes:
        clause = " ".join(found.quotes[0][1].split())
        excerpt = clause if len(clause) <= EXCERPT_CHARS else clause[:EXCERPT_CHARS] + "…"
    body = chat_text("answer", lang, text=short, citation=citation, excerpt=excerpt)
    rows: list[tuple[Button, ...]] = []
    if parsed is not None:
        rows.append((Button(f"{label['article']} (第{parsed[0]}条)", f"art:{record_id}"),))
    rows.append(votes)
    return Response([Reply(body, tuple(rows))])


def _short_answer(found: Answer) -> str:
    """The answer without the verbatim quotes the engine appends (the chat cites, then offers)."""
    quote = templates(found.lang)["quote"]
    text = found.answer
    for citation, clause in found.quotes:
        text = text.replace(quote.format(citation=citation, text=clause), "")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


async def cancel_by_mail(ctx: Context, msg: Incoming, lang: str) -> Response:
    """A cancellation request in chat: it must be mailed (第12条1項); the address and deadline."""
    customer = await ctx.db(chat_links.linked_customer, msg.user_id)
    context: dict[str, Any] = {"address": ctx.settings.mail_from, "customer_id": None}
    if customer is not None:
        facts = await ctx.db(customer_facts, customer.customer_id, ctx.today(), ctx.calendar)
        context |= {
            "customer_id": customer.customer_id,
            "cancel_deadline": facts["cancel_deadline"],
            "period_end": facts["period_end"],
        }
    return Response([Reply(chat_text("cancel_by_mail", lang, **context))])


async def button(ctx: Context, msg: Incoming, kind: str, args: list[str]) -> Response:
    """A press on an answer's button: full article, a suggestion, 👍/👎, ask staff."""
    try:
        answer_id = int(args[0])
    except (IndexError, ValueError):
        return Response(notice=chat_text("notices", "ja", which="gone"))
    answer = await ctx.db(chat_answers.get_answer, answer_id, msg.chat_id)
    if answer is None:
        return Response(notice=chat_text("notices", "ja", which="gone"))
    lang = answer.lang
    if kind in ("up", "down"):
        await ctx.db(_vote, answer.id, 1 if kind == "up" else -1)
        return Response(notice=chat_text("notices", lang, which="voted"))
    if kind == "art":
        return Response(_article(ctx, answer))
    if kind == "sug":
        index = int(args[1]) if len(args) > 1 and args[1].isdigit() else -1
        if not 0 <= index < len(answer.suggestions):
            return Response(notice=chat_text("notices", lang, which="gone"))
        return await question(ctx, msg, answer.suggestions[index], lang)
    if kind == "ask":
        return await _hand_off(ctx, msg, answer)
    return Response(notice=chat_text("notices", lang, which="gone"))


def _vote(session: Session, answer_id: int, value: int) -> None:
    chat_answers.vote(session, session.get_one(ChatAnswer, answer_id), value)


def _article(ctx: Context, answer: ChatAnswer) -> list[Reply]:
    article = ctx.engine.terms.article(answer.article) if answer.article else None
    if article is None:
        return [Reply(chat_text("notices", answer.lang, which="gone"))]
    lines = [f"{article.citation}（{article.title}）"]
    lines += [f"{p.number}　{p.full_text}" for p in article.paragraphs]
    return [Reply("\n".join(lines))]


async def _hand_off(ctx: Context, msg: Incoming, answer: ChatAnswer) -> Response:
    action_id = await ctx.db(_queue_question, answer.id, msg.user_id)
    now = ctx.clock()
    opens = next_opening(now, ctx.calendar)
    text = chat_text(
        "handed_off", answer.lang, action_id=action_id, open_now=desk_open(now, ctx.calendar),
        opens=opens.date(), opens_time=opens.strftime("%H:%M"),
    )  # fmt: skip
    return Response([Reply(text)])


def _queue_question(session: Session, answer_id: int, user_id: int) -> int:
    answer = session.get_one(ChatAnswer, answer_id)
    customer = chat_links.linked_customer(session, user_id)
    action, _new = chat_answers.hand_off(session, answer, customer)
    return action.id
