"""`otasuke mail …`: customers' mail, read and understood."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from core.decisions import Decision
    from mail.reading import ReadMail

app = typer.Typer(help="Customers' mail: classify, explain, backfill.", no_args_is_help=True)


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
