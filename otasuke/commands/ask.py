"""`otasuke ask`: answer a question from the terms, or hand it off (the spec's JSON contract)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from otasuke.commands.common import parse_today, read_batch_lines

if TYPE_CHECKING:
    from knowledge.faq.answers import Answer


def ask(
    question: Annotated[
        str | None, typer.Argument(help="The question, in Japanese or English.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the spec's JSON object.")] = False,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Answer with this customer's own dates.")
    ] = None,
    today: Annotated[
        str | None, typer.Option("--today", help="The day to answer as of (YYYY-MM-DD, JST).")
    ] = None,
    batch: Annotated[
        Path | None, typer.Option("--batch", help="A file of questions, one a line ('-': stdin).")
    ] = None,
) -> None:
    """Answer a question from the terms, quoting the clause; unsure → hand-off with suggestions."""
    if batch is None and question is None:
        raise typer.BadParameter("give a question, or --batch FILE")
    if batch is None and not (question or "").strip():
        raise typer.BadParameter("the question is empty")
    from core.answers import answer_engine, customer_facts
    from core.settings import business_calendar, load_settings

    settings = load_settings()
    # Only an answer for a customer needs the day (and the calendar's holiday tables, a fifth of
    # the start-up); a --today given alone is still checked.
    day = parse_today(today) if today is not None or customer is not None else None
    facts = None
    if customer is not None and day is not None:
        from core.session import unit_of_work

        with unit_of_work(settings) as session:
            facts = customer_facts(session, customer, day, business_calendar(settings))
    answers = answer_engine(settings)
    if batch is None:
        _show(answers.answer(question or "", facts), as_json)
        return
    for line in read_batch_lines(str(batch), "--batch"):
        if not line.strip():
            _show_error("the question is empty", as_json)
            continue
        _show(answers.answer(line, facts), as_json)


def _show_error(message: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"error": message}, ensure_ascii=False))
    else:
        typer.echo(f"error: {message}", err=True)


def _show(answer: Answer, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(answer.to_json(), ensure_ascii=False))
        return
    from rich.console import Console
    from rich.panel import Panel

    console = Console(highlight=False)
    style = "yellow" if answer.handoff else "green"
    title = "→ staff (hand-off)" if answer.handoff else (answer.citation or "")
    console.print(Panel(answer.answer, title=title, border_style=style, title_align="left"))
    articles = ", ".join(f"第{a}条" for a in answer.articles[:3]) or "-"
    console.print(f"[dim]confidence {answer.confidence:.2f} · articles {articles}[/dim]")
    for suggestion in answer.suggestions:
        console.print(f"  • {suggestion}")
