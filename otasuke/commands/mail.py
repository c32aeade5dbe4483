"""`otasuke mail …`: customers' mail, read and understood."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from core.decisions import Decision
    from core.models import InboundMail
    from mail.reading import ReadMail

app = typer.Typer(
    help="Customers' mail: classify, explain, backfill, quarantined mail.", no_args_is_help=True
)


@app.command("backfill")
def backfill(
    since: Annotated[
        str, typer.Option("--since", help="Import mail the server received on or after this date.")
    ],
    yes: Annotated[
        bool, typer.Option("--yes", help="Import them (without it: only show what would be).")
    ] = False,
) -> None:
    """Import older mail from the IMAP mailbox (reading starts at the first connection)."""
    import asyncio

    from core.errors import UserError
    from core.settings import load_settings
    from otasuke.commands.common import parse_today
    from otasuke.mailbox import backfill_mailbox

    day = parse_today(since, "--since")
    settings = load_settings()
    if not settings.imap_host:
        raise UserError(
            "backfill reads the IMAP mailbox and OTASUKE_IMAP_HOST is not set "
            "(without IMAP every file dropped into OTASUKE_MAIL_INBOX_DIR is read anyway)"
        )
    candidates = asyncio.run(backfill_mailbox(settings, day, apply=yes))
    new = [c for c in candidates if not c.stored]
    for candidate in candidates:
        when = candidate.received_at.isoformat(timespec="minutes") if candidate.received_at else "?"
        mark = "stored already" if candidate.stored else ("imported" if yes else "would import")
        typer.echo(
            f"UID {candidate.uid}  {when}  {candidate.sender}  {candidate.subject}  [{mark}]"
        )
    if yes:
        typer.echo(f"{len(new)} mail(s) imported; `otasuke run` takes them in.")
    else:
        typer.echo(
            f"{len(candidates)} mail(s) since {day.isoformat()}, {len(new)} not stored yet: "
            "run again with --yes to import them."
        )


# --- quarantined mail: what failed MAX_ATTEMPTS times, and letting it go again.

# The id column is a 32-bit integer on PostgreSQL: a bigger number is refused here, in one line.
MailId = Annotated[
    int, typer.Argument(help="The stored mail's id (`mail quarantined`).", min=1, max=2**31 - 1)
]


@app.command("quarantined")
def quarantined(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line.")] = False,
) -> None:
    """List the mail set aside after 3 failed attempts: when, from, subject, the last error."""
    from core.quarantine import quarantined as set_aside
    from core.session import unit_of_work
    from core.settings import load_settings

    with unit_of_work(load_settings()) as session:
        rows = [_quarantined_json(mail) for mail in set_aside(session)]
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row, ensure_ascii=False))
        else:
            when = str(row["received"])[:16].replace("T", " ")
            typer.echo(
                f"#{row['id']}  {when} JST  from {row['from'] or '?'}  "
                f"{row['subject'] or '(no subject)'}  [{row['attempts']} attempts: "
                f"{row['last_error']}]"
            )
    if not rows and not as_json:
        typer.echo("no quarantined mail")


def _quarantined_json(mail: InboundMail) -> dict[str, object]:
    from knowledge.rules.calendar import to_jst
    from mail.reading import read_mail

    try:
        facts = read_mail(mail.raw, received_at=mail.received_at)
        sender, subject, received = facts.from_address, facts.subject, facts.received_at
    except Exception:  # the mail may be why it failed: its place in the store still shows
        sender, subject, received = "", "", mail.stored_at
    # A file's receipt time is its Received header; with none, no later than it was read.
    received = mail.received_at or min(received, mail.stored_at)
    return {
        "id": mail.id,
        "received": to_jst(received).isoformat(timespec="seconds"),
        "from": sender,
        "subject": subject,
        "attempts": mail.attempts,
        "last_error": mail.last_error or "",
        "message_id": mail.message_key,
    }


@app.command("release")
def release(
    mail_id: MailId,
    by: Annotated[
        str | None, typer.Option("--by", help="Who releases it (default: cli:<login name>).")
    ] = None,
) -> None:
    """Let a quarantined mail go again once its cause is fixed: it is taken in at once."""
    import asyncio
    import getpass

    from core.inbound import MAX_ATTEMPTS
    from core.models import InboundMail
    from core.quarantine import release as release_mail
    from core.session import unit_of_work
    from core.settings import load_settings
    from otasuke.mailbox import take_in_now
    from otasuke.mailing import describe, send_queued

    settings = load_settings()
    with unit_of_work(settings) as session:
        release_mail(session, mail_id, by or f"cli:{getpass.getuser()}")
    # At once, with the handler the worker runs: a running worker trying it meanwhile takes it
    # in at most once between them (the attempt's compare-and-set).
    tally = asyncio.run(take_in_now(settings, mail_id))
    with unit_of_work(settings) as session:
        mail = session.get_one(InboundMail, mail_id)
        status, outcome, error = mail.status, mail.outcome, mail.last_error
    if tally.settled:
        typer.echo(f"inbound #{mail_id} released and taken in: {outcome}")
        for line in describe(send_queued(settings, tally.queued_mail)):
            typer.echo(line)
        return
    if not tally.failed and not tally.quarantined:
        typer.echo(f"inbound #{mail_id} released; the running mail worker took it ({status})")
        return
    again = (
        "it is quarantined again"
        if status == "quarantined"
        else f"the mail worker (`otasuke run`) tries it {MAX_ATTEMPTS - 1} more times, "
        "then sets it aside again"
    )
    typer.echo(f"inbound #{mail_id} released, but failed again: {error}; {again}", err=True)
    raise typer.Exit(1)


# --- classify and explain (issue 12): read mail files, no mailbox, no database for classify.

MailPath = Annotated[Path, typer.Argument(help="An .eml file, or a folder of them.")]


def _mail_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix.lower() == ".eml" and p.is_file())
    if path.is_file():
        return [path]
    raise typer.BadParameter(f"{path}: no such file or folder")


def _authserv_id() -> str | None:
    from core.settings import load_settings

    return load_settings().mail_authserv_id


@app.command()
def classify(
    path: MailPath,
    as_json: Annotated[bool, typer.Option("--json", help="The spec's JSON object.")] = False,
) -> None:
    """What each mail asks (intent, customer ID, date, whether a reply is due); no database."""
    from mail.reading import read_mail

    authserv_id = _authserv_id()
    files = _mail_files(path)
    failed = False
    for file in files:
        try:
            raw = file.read_bytes()
        except OSError as exc:
            failed = True
            _emit({"file": file.name, "error": f"cannot read {file}: {exc.strerror}"}, as_json)
            continue
        result = read_mail(raw, authserv_id=authserv_id).classify_json()
        if path.is_dir():
            result = {"file": file.name, **result}
        _emit(result, as_json)
    if failed:
        raise typer.Exit(1)


def _emit(result: dict[str, object], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    if "error" in result:
        typer.echo(f"{result['file']}: error: {result['error']}", err=True)
        return
    where = f"{result['file']}: " if "file" in result else ""
    typer.echo(
        f"{where}{result['intent']} customer={result['customer_id'] or '-'} "
        f"date={result['requested_date'] or '-'} "
        f"reply={'yes' if result['reply_expected'] else 'no'} from={result['from_address']}"
    )


@app.command()
def explain(file: Annotated[Path, typer.Argument(help="An .eml file.")]) -> None:
    """Show every step for one mail: decoded text, what was stripped, the facts, the decision."""
    from mail.reading import read_mail_explained

    if not file.is_file():
        raise typer.BadParameter(f"{file}: no such file")
    read = read_mail_explained(file.read_bytes(), authserv_id=_authserv_id())
    facts = read.facts
    _section("decoded text", read.body or "(empty)")
    _section("stripped: quoted", read.stripped.quoted or "(nothing)")
    _section("stripped: signature", read.stripped.signature or "(nothing)")
    _section("what the customer wrote", facts.text or "(nothing)")
    shown = {k: v for k, v in facts.to_payload().items() if k not in ("text", "notes")}
    _section("facts", "\n".join(f"{k}: {v}" for k, v in shown.items()))
    _section("how", "\n".join(f"- {note}" for note in facts.notes))
    who, decision, where = _decide(read)
    lines = [where]
    if who is not None:
        lines.append(who)
    lines.append(f"action: {decision.action_kind or 'none'}")
    if decision.summary:
        lines.append(f"summary: {decision.summary}")
    lines += [f"- {note}" for note in decision.notes]
    if decision.staff_notice:
        lines.append(f"staff notice: {decision.staff_notice}")
    if decision.payload:
        lines.append("payload: " + json.dumps(decision.payload, ensure_ascii=False))
    _section("decision", "\n".join(lines))
    if decision.ack is not None and facts.reply_expected:
        _section("acknowledgement", f"Subject: {decision.ack.subject}\n\n{decision.ack.body}")
    else:
        _section("acknowledgement", "(none: no reply is due)")


def _section(title: str, text: str) -> None:
    typer.echo(f"== {title}")
    typer.echo(text.rstrip())
    typer.echo("")


def _decide(read: ReadMail) -> tuple[str | None, Decision, str]:
    """The decision against the database when there is one (nothing is written), else without."""
    from core.decisions import decide
    from core.errors import UserError
    from core.settings import business_calendar, load_settings

    settings = load_settings()
    calendar = business_calendar(settings)
    facts = read.facts
    answer = None
    if facts.intent == "question" and facts.reply_expected and facts.text.strip():
        from core.answers import answer_engine

        answer = answer_engine(settings).answer(facts.text)
    try:
        from core.db import session_factory
        from core.identify import identify_customer
        from core.intake import contract_facts
        from core.migrate import open_engine

        engine = open_engine(settings.database_url)
    except UserError as exc:
        return None, decide(facts, None, calendar, answer=answer), f"(no customer lookup: {exc})"
    try:
        with session_factory(engine)() as session:
            match = identify_customer(session, facts)
            contract = None
            if match.customer is not None and match.certain:
                contract = contract_facts(session, match.customer, settings, facts.received_at)
            suggestion = match.customer.customer_id if match.customer is not None else None
            decision = decide(facts, contract, calendar, certain=match.certain,
                              suggestion=suggestion, answer=answer)  # fmt: skip
            how = match.how or "nothing"
            who = f"customer: {suggestion or '-'} (by {how}, certain: {match.certain})"
            session.rollback()  # explaining changes nothing
    finally:
        engine.dispose()
    return who, decision, f"(database {engine.url.render_as_string(hide_password=True)})"
