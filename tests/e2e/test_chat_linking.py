"""Linking a chat to a contract with a mailed code, and what a linked chat gets."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.models import AuditEntry, ChatLink

CHAT = 5151


async def _code_from_mail(bot: Any) -> str:
    """The code from the mail the outbox sender wrote (OTASUKE_MAIL_OUTBOX_DIR)."""
    folder = Path(bot.settings.mail_outbox_dir)
    await bot.api.wait_until(lambda: list(folder.glob("*.eml")), what="the mail written")
    [path] = folder.glob("*.eml")
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert mail["To"] == "a@example.jp"
    assert mail["X-Otasuke-Kind"] == "link_code"
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    return re.search(r"^\s+(\d{6})\s*$", body, re.MULTILINE)[1]  # type: ignore[index]


async def test_a_chat_is_linked_with_the_code_from_the_mail(start_bot: Callable[..., Any]) -> None:
    async with start_bot() as bot:
        await bot.add_customer()
        await bot.api.message(CHAT, "/link nig000321")
        [mailed] = await bot.api.wait_for(CHAT)
        code = await _code_from_mail(bot)
        await bot.api.message(CHAT, code)
        linked = (await bot.api.wait_for(CHAT, 2))[1]
        await bot.api.message(CHAT, "/status")
        status = (await bot.api.wait_for(CHAT, 3))[2]
        await bot.api.message(CHAT, code)  # single use: now it is just a message
        await bot.api.wait_for(CHAT, 4)
        links = await bot.db(lambda s: s.scalars(select(ChatLink)).all())
    assert "6桁の確認コード" in mailed.text
    assert all(code not in sent.text for sent in bot.api.sent)
    assert "連携しました（NIG-000321 A社）" in linked.text
    assert [link.telegram_user_id for link in links] == [CHAT]
    # The customer's own deadline: 2 months before 2027-03-31 → 1/31 (Sun) → Fri 1/29 (R8/R9).
    assert "満期解約のお申し出の期限：2027年1月29日(金)" in status.text
    assert "利用開始日：2026年6月5日(金)" in status.text


async def test_a_linked_customer_asking_to_cancel_gets_their_own_deadline(
    start_bot: Callable[..., Any],
) -> None:
    async with start_bot() as bot:
        await bot.add_customer(telegram_user=str(CHAT))  # the CSV links without a code
        await bot.api.message(CHAT, "解約をお願いします")
        [reply] = await bot.api.wait_for(CHAT)
    assert "NIG-000321" in reply.text
    assert "2027年1月29日(金)" in reply.text
    assert "otasuke@chamber.example" in reply.text


async def test_five_wrong_codes_spend_the_code(start_bot: Callable[..., Any]) -> None:
    async with start_bot() as bot:
        await bot.add_customer()
        await bot.api.message(CHAT, "/link NIG-000321")
        await bot.api.wait_for(CHAT)
        code = await _code_from_mail(bot)
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        for _ in range(5):
            await bot.api.message(CHAT, wrong)
        replies = await bot.api.wait_for(CHAT, 6)
        await bot.api.message(CHAT, code)  # the right code, too late
        late = (await bot.api.wait_for(CHAT, 7))[6]
        links = await bot.db(lambda s: s.scalars(select(ChatLink)).all())
    assert "あと4回" in replies[1].text
    assert "使えなくなりました" in replies[5].text
    assert "連携しました" not in late.text
    assert links == []


async def test_link_is_rate_limited_per_chat_and_per_customer(
    start_bot: Callable[..., Any],
) -> None:
    async with start_bot() as bot:
        await bot.add_customer()
        for chat in (CHAT, CHAT + 1, CHAT + 2, CHAT + 3):
            await bot.api.message(chat, "/link NIG-000321")
            await bot.api.wait_for(chat)
        for _ in range(3):
            await bot.api.message(CHAT + 4, "/link NIG-999999")  # guessing IDs
        await bot.api.wait_for(CHAT + 4, 3)
        await bot.api.message(CHAT + 4, "/link NIG-000321")
        guesser = await bot.api.wait_for(CHAT + 4, 4)
        mails = await bot.outbox("link_code")
        refused = await bot.db(
            lambda s: s.scalars(select(AuditEntry).where(AuditEntry.event == "link.limited")).all()
        )
    assert len(mails) == 3  # three codes an hour for one customer, whoever asks
    assert "しばらく受け付けられません" in bot.api.to(CHAT + 3)[0].text
    assert "しばらく受け付けられません" in guesser[3].text
    assert len(refused) == 2


async def test_status_in_an_unlinked_chat_says_how_to_link(start_bot: Callable[..., Any]) -> None:
    async with start_bot() as bot:
        await bot.api.message(CHAT, "/status", lang="en")
        [reply] = await bot.api.wait_for(CHAT)
    assert "/link" in reply.text
    assert "not linked" in reply.text


async def test_status_gives_the_next_payment_customers_show_gives_after_one_paid_early(
    start_bot: Callable[..., Any],
) -> None:
    from datetime import date

    from core.customers import customer_overview, get_customer
    from core.models import Payment
    from knowledge.rules.calendar import DEFAULT_CALENDAR

    def pay_renewal_early(session: Any) -> dict[str, Any]:
        customer = get_customer(session, "NIG-000321")
        session.add_all([
            Payment(customer_pk=customer.id, paid_on=date(2026, 5, 20), amount=59_400),
            Payment(customer_pk=customer.id, paid_on=date(2026, 12, 1), amount=79_200),
        ])  # fmt: skip
        session.flush()
        return customer_overview(session, customer, date(2026, 12, 3), DEFAULT_CALENDAR)

    async with start_bot() as bot:
        await bot.add_customer(telegram_user=str(CHAT))
        shown = await bot.db(pay_renewal_early)
        await bot.api.message(CHAT, "/status")
        [status] = await bot.api.wait_for(CHAT)
    # The 2027-02-25 renewal is paid: the next payment is the one after it, in both, and
    # /status shows the early payment arrived though that renewal is not billed yet.
    assert shown["next_payment"] == {"due_on": "2028-02-25", "amount": 79_200, "fee": 79_200}
    assert "・お支払い：79,200円（期限 2028年2月25日(金)）\n" in status.text
    assert "・お支払い：79,200円（期限 2027年2月25日(木)） お支払い済み" in status.text
