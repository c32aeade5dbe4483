"""How long `notices due` and the daily sweep take for 50,000 customers, beside plain baselines.

Run: .venv/bin/python benchmarks/bench_notices.py [CUSTOMERS] [--backend sqlite|postgresql|both]
(`--postgres`: both)
Customers applied between 2020 and 2026 (a tenth cancelled), 97 % of dues paid, imported on
2026-12-01; then, for 2027-01-15 (the renewal notice day):
- `notices due` in-process (core.notices.due: read, plan, render each subject) and as the
  command (`otasuke notices due --on 2027-01-15 --json`, start-up included); target < 10 s.
  Baseline: reading the same rows with plain SELECTs (the floor for any plan from the database).
- the daily sweep (bill a week ahead, claim, queue each mail, mark it sent), then again (nothing
  left to send). Baseline: a bare executemany of as many outbox-sized rows into a plain table.
- the send rate of SEND (2,000) of the notices it queued, through the outbox and the SMTP
  adapter (mail.delivery) to a local aiosmtpd, beside a bare aiosmtplib loop sending the same
  subjects and bodies on one connection (target: within 2x of it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
from aiosmtpd.smtp import SMTP
from bench_send import Counter  # the same counting aiosmtpd handler (benchmarks/ is on sys.path)
from scratch_db import BACKENDS, add_backend_option, scratch_databases, usable
from sqlalchemy import insert, select, text

from core import migrate
from core.customers import upsert_customers
from core.db import async_session_factory, make_async_engine, make_engine, session_factory
from core.models import Customer, OutboxMail, Payment
from core.notice_plan import NoticeRules
from core.notices import due, send_due
from core.settings import load_settings
from core.sweep import bill_ahead, daily_sweep
from knowledge.rules.billing import plan_periods
from knowledge.rules.calendar import JST
from mail import delivery
from mail.smtp_sender import SmtpConfig, SmtpSender

CUSTOMERS = 50_000
IMPORTED, DAY = date(2026, 12, 1), date(2027, 1, 15)
RULES = NoticeRules()
OTASUKE = Path(sys.executable).with_name("otasuke")


def timed(label: str, work: Callable[[], Any], count: int | None = None) -> Any:
    """Run once; print seconds (and items per second)."""
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    rate = f"{count / seconds:>10,.0f} /s" if count else ""
    print(f"  {label:<62} {seconds:7.2f} s {rate}", flush=True)
    return result


SEND = 2000


async def send_rates(url: str, ids: list[int]) -> tuple[float, float]:
    """mails/s: a bare aiosmtplib loop over the mails' texts, then otasuke's outbox → SMTP."""
    loop = asyncio.get_running_loop()
    handler = Counter()
    server = await loop.create_server(lambda: SMTP(handler, hostname="bench"), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    engine = make_async_engine(url)
    sessions = async_session_factory(engine)
    async with sessions() as session:
        rows = (
            await session.execute(
                select(OutboxMail.to_address, OutboxMail.subject, OutboxMail.body).where(
                    OutboxMail.id.in_(ids)
                )
            )
        ).all()
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
    await client.connect()
    started = time.perf_counter()
    for to, subject, body in rows:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "otasuke@chamber.example", to, subject
        message["Message-ID"] = f"<{uuid.uuid4().hex}@chamber.example>"
        message.set_content(body, charset="utf-8", cte="base64")
        await client.send_message(message)
    bare = len(rows) / (time.perf_counter() - started)
    await client.quit()
    sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=port, tls="none"))
    started = time.perf_counter()
    report = await delivery.deliver(sessions, sender, mail_from="otasuke@chamber.example", ids=ids)
    ours = report.sent / (time.perf_counter() - started)
    await engine.dispose()
    server.close()
    await server.wait_closed()
    if report.sent != len(ids):
        raise SystemExit(f"only {report.sent} of {len(ids)} sent: {report.errors[:3]}")
    return bare, ours


def populate(url: str, customers: int) -> None:
    """`customers` customers with their contracts and payments."""
    rng = random.Random(14)
    rows = []
    for n in range(1, customers + 1):
        applied = date(2020, 1, 1) + timedelta(days=rng.randrange(2480))
        approved = applied + timedelta(days=rng.randrange(20))
        ended = None
        if rng.random() < 0.1 and applied < date(2025, 6, 1):
            ended = date(rng.randrange(applied.year + 1, 2027), 3, 31)
        rows.append({
            "customer_id": f"NIG-{n:06d}", "company": f"株式会社テスト{n}",
            "contact_name": f"担当{n}", "email": f"c{n}@example.jp", "member": rng.random() < 0.6,
            "applied_on": applied, "approved_on": approved,
            "status": "cancelled" if ended else "active", "ended_on": ended, "telegram_user": None,
        })  # fmt: skip
    engine = make_engine(url)
    migrate.upgrade(engine)
    with session_factory(engine).begin() as session:
        upsert_customers(session, rows, today=IMPORTED, calendar=RULES.calendar)
        pks = dict(session.execute(select(Customer.customer_id, Customer.id)).all())
        payments = []
        for row in rows:
            terms = RULES.terms(row["applied_on"], row["approved_on"], row["member"])
            for period in plan_periods(terms, row["ended_on"]):
                if period.due_on > IMPORTED:
                    break
                if period.fee and rng.random() < 0.97:
                    paid = period.due_on - timedelta(days=rng.randrange(10))
                    payments.append({"customer_pk": pks[row["customer_id"]], "paid_on": paid,
                                     "amount": period.fee, "seq": 1})  # fmt: skip
        session.execute(insert(Payment), payments)
    engine.dispose()
    print(f"  {customers:,} customers, {len(payments):,} payments", flush=True)


def bench(url: str) -> None:
    engine = make_engine(url)
    sessions = session_factory(engine)

    def read_floor() -> int:
        with engine.connect() as connection:
            count = 0
            for query in ("SELECT * FROM customers", "SELECT * FROM contracts",
                          "SELECT * FROM contract_periods", "SELECT * FROM payments"):  # fmt: skip
                count += len(connection.execute(text(query)).all())
            return count

    rows = timed("baseline: plain SELECT of customers, contracts, periods, payments", read_floor)
    print(f"    ({rows:,} rows)")

    def plan() -> list[dict[str, Any]]:
        with sessions.begin() as session:
            return due(session, RULES, DAY)

    planned = timed(f"notices due --on {DAY} (in-process: plan + render subjects)", plan)
    print(f"    ({len(planned):,} notices scheduled for {DAY})")
    env = dict(os.environ, OTASUKE_DATABASE_URL=url)
    timed(
        f"otasuke notices due --on {DAY} --json (the command)",
        lambda: subprocess.run(
            [str(OTASUKE), "notices", "due", "--on", DAY.isoformat(), "--json"],
            env=env, check=True, stdout=subprocess.DEVNULL,
        ),
    )  # fmt: skip
    settings = load_settings({"OTASUKE_DATABASE_URL": url})
    now = datetime.combine(DAY, clock(7), JST)
    timed("daily sweep, part 1: bill a week ahead", lambda: bill_ahead(sessions, RULES, DAY))
    report = timed(
        "daily sweep, part 2: plan, claim, queue each mail, mark sent",
        lambda: send_due(sessions, RULES, DAY, me="bench", now=now),
    )
    print(f"    ({report.sent:,} notices queued, {len(report.actions):,} suspend actions)")
    timed(
        "the whole daily sweep again (nothing left to send)",
        lambda: daily_sweep(sessions, settings, DAY, me="bench2", now=now),
    )

    def write_floor() -> None:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE bench_floor (k VARCHAR(255), s TEXT, b TEXT)"))
            connection.execute(
                text("INSERT INTO bench_floor VALUES (:k, :s, :b)"),
                [{"k": f"k{i}", "s": "件名" * 20, "b": "本文" * 400}
                 for i in range(report.sent)],
            )  # fmt: skip

    timed(f"baseline: bare executemany of {report.sent:,} mail-sized rows", write_floor)
    engine.dispose()
    ids = sorted(report.outbox_ids)[:SEND]
    bare, ours = asyncio.run(send_rates(url, ids))
    print(f"  {'baseline: bare aiosmtplib loop, one connection, the same mails':<62} "
          f"{bare:7.0f} mails/s")  # fmt: skip
    print(f"  {f'send {len(ids):,} queued notices: outbox → SMTP adapter → aiosmtpd':<62} "
          f"{ours:7.0f} mails/s ({bare / ours:.2f}x the baseline's time)")  # fmt: skip


def main(customers: int, backends: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as folder, scratch_databases() as new_database:
        for backend in backends:
            url = new_database() if backend == "postgresql" else f"sqlite:///{folder}/bench.db"
            print(f"== {backend}", flush=True)
            timed("populate", lambda url=url: populate(url, customers))
            bench(url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("customers", nargs="?", type=int, default=CUSTOMERS)
    add_backend_option(parser, default="sqlite")
    parser.add_argument("--postgres", action="store_true", help="the same as --backend both")
    args = parser.parse_args()
    main(args.customers, usable(BACKENDS["both" if args.postgres else args.backend]))
