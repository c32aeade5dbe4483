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
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also show the confidence and the articles.")
    ] = False,
) -> None:
    """Answer a question from the terms, quoting the clause; unsure → hand-off with suggestions."""
    if batch is None and question is None:
        raise typer.BadParameter("give a question, or --batch FILE")
    if batch is None and not (question or "").strip():
        raise typer.BadParameter("the question is empty")
    from core.answers import answer_engine, answer_question, customer_facts
    from core.settings import business_calendar, load_settings

    settings = load_settings()
    day = parse_today(today)
    calendar = business_calendar(settings)
    facts = None
    if customer is not None:
        from core.session import unit_of_work

        with unit_of_work(settings) as session:
            facts = customer_facts(session, customer, day, calendar)
    answers = answer_engine(settings)
    if batch is None:
        _show(answer_question(answers, question or "", day, calendar, facts), as_json, verbose)
        return
    for line in read_batch_lines(str(batch), "--batch"):
        if not line.strip():
            _show_error("the question is empty", as_json)
            continue
        _show(answer_question(answers, line, day, calendar, facts), as_json, verbose)


def _show_error(message: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"error": message}, ensure_ascii=False))
    else:
        typer.echo(f"error: {message}", err=True)


def _show(answer: Answer, as_json: bool, verbose: bool = False) -> None:
    if as_json:
        typer.echo(json.dumps(answer.to_json(), ensure_ascii=False))
        return
    from rich.console import Console
    from rich.panel import Panel

    console = Console(highlight=False)
    style = "yellow" if answer.handoff else "green"
    # For a person: the answer and its quotes; the engine's figures only when asked for.
    title = "→ staff (hand-off)" if answer.handoff and verbose else None
    console.print(Panel(answer.answer, title=title, border_style=style, title_align="left"))
    if verbose:
        articles = ", ".join(f"第{a}条" for a in answer.articles[:3]) or "-"
        console.print(f"[dim]confidence {answer.confidence:.2f} · articles {articles}[/dim]")
    for suggestion in answer.suggestions:
        console.print(f"  • {suggestion}")
