"""`otasuke faq …`: what the chat's FAQ did not serve."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(help="The FAQ as customers used it.", no_args_is_help=True)


@app.command("gaps")
def gaps(
    limit: Annotated[int, typer.Option(help="How many questions.", min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a line.")] = False,
) -> None:
    """Questions handed off to staff and answers voted 👎, most frequent first."""
    from core.chat_answers import gaps as find_gaps
    from core.session import unit_of_work
    from core.settings import load_settings

    with unit_of_work(load_settings()) as session:
        found = find_gaps(session, limit)
    for gap in found:
        if as_json:
            record = {
                "question": gap.question, "count": gap.count,
                "handed_off": gap.handed_off, "thumbs_down": gap.thumbs_down,
            }  # fmt: skip
            typer.echo(json.dumps(record, ensure_ascii=False))
        else:
            typer.echo(
                f"{gap.count:>4}  (→staff {gap.handed_off}, 👎 {gap.thumbs_down})  {gap.question}"
            )
    if not found and not as_json:
        typer.echo("No gaps: nothing was handed off or voted 👎 yet.")


@app.command("asked")
def asked() -> None:
    """Staff-labelled chat questions as JSON lines in knowledge/data/asked/'s format.

    Save them as a new set (`> knowledge/data/asked/chat_2027-01.jsonl`), then `make analyses`:
    the refit learns from them.
    """
    from core.chat_answers import labelled_questions
    from core.session import unit_of_work
    from core.settings import load_settings

    with unit_of_work(load_settings()) as session:
        for record in labelled_questions(session):
            typer.echo(json.dumps(record, ensure_ascii=False))
