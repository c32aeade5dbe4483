"""Mail and chat texts from templates: `core/templates/<folder>/<name>.<lang>.j2`.

A mail template's first line is its subject (after `Subject: `), then a blank line, then the
body. Filters write dates and yen as customers read them (knowledge.formatting): `{{ d|date }}`
→ 2027年1月29日(金), `{{ n|yen }}` → 79,200円; in an English template the same filters give
English. Every name a template uses must be given (StrictUndefined): a missing figure is an
error, never an empty gap in a customer's mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import jinja2

from knowledge.formatting import format_date, format_yen

LANGUAGES = ("ja", "en")


@dataclass(frozen=True)
class RenderedMail:
    """A mail's subject and body, ready for the outbox."""

    subject: str
    body: str


@cache
def _environment(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("core", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,  # shipped with the package: no stat() of the file at every render
        autoescape=False,  # plain-text mail and chat, never HTML
    )

    def _date(value: date, weekday: bool = True) -> str:
        return format_date(value, lang, weekday=weekday)

    def _yen(value: int) -> str:
        return format_yen(value, lang)

    env.filters["date"] = _date
    env.filters["yen"] = _yen
    return env


def render_text(folder: str, name: str, lang: str, **context: Any) -> str:
    """The template `folder/name.lang.j2` filled in (Japanese when `lang` is not one we have)."""
    lang = lang if lang in LANGUAGES else "ja"
    return _environment(lang).get_template(f"{folder}/{name}.{lang}.j2").render(**context)


def render_subject(kind: str, lang: str, **context: Any) -> str:
    """Only the subject of `mail/<kind>.<lang>.j2`: rendering stops at the end of its first line."""
    lang = lang if lang in LANGUAGES else "ja"
    template = _environment(lang).get_template(f"mail/{kind}.{lang}.j2")
    first = ""
    for chunk in template.generate(**context):
        first += chunk
        if "\n" in first:
            break
    line = first.partition("\n")[0]
    if not line.startswith("Subject: "):
        raise ValueError(f"mail/{kind}.{lang}.j2 must begin with 'Subject: '")
    return line.removeprefix("Subject: ").strip()


def render_mail(kind: str, lang: str, **context: Any) -> RenderedMail:
    """The mail template `mail/<kind>.<lang>.j2`: its first line the subject, the rest the body."""
    text = render_text("mail", kind, lang, **context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"mail/{kind}.{lang}.j2 must begin with 'Subject: '")
    return RenderedMail(subject=first.removeprefix("Subject: ").strip(), body=body.lstrip("\n"))
