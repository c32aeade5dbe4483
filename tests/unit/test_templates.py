"""Mail texts from templates: subject line, filters in both languages, no silent gaps."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import jinja2
import pytest

from core import templates
from knowledge.formatting import format_date


def test_japanese_dates_carry_the_weekday_customers_expect() -> None:
    assert format_date(date(2027, 1, 29), "ja", weekday=True) == "2027年1月29日(金)"
    assert format_date(date(2027, 1, 29), "en", weekday=True) == "Fri, January 29, 2027"
    assert format_date(date(2027, 1, 29), "ja") == "2027年1月29日"


@pytest.fixture
def mail_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A template folder of our own in place of the package's."""
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "probe.ja.j2").write_text(
        "Subject: 【確認】{{ company }} 様\n\n期限は{{ deadline|date }}、{{ fee|yen }}です。\n",
        encoding="utf-8",
    )
    (folder / "probe.en.j2").write_text(
        "Subject: Notice for {{ company }}\n\nDue {{ deadline|date }}: {{ fee|yen }}.\n",
        encoding="utf-8",
    )
    (folder / "nosubject.ja.j2").write_text("本文だけ\n", encoding="utf-8")
    loader = jinja2.FileSystemLoader(str(tmp_path))
    templates._environment.cache_clear()
    monkeypatch.setattr(jinja2, "PackageLoader", lambda *_: loader)
    yield folder
    templates._environment.cache_clear()


def test_a_mail_template_gives_subject_and_body_with_formatted_figures(mail_templates) -> None:
    mail = templates.render_mail(
        "probe", "ja", company="株式会社テスト", deadline=date(2027, 1, 29), fee=79200
    )
    assert mail.subject == "【確認】株式会社テスト 様"
    assert mail.body == "期限は2027年1月29日(金)、79,200円です。\n"
    english = templates.render_mail(
        "probe", "en", company="Test KK", deadline=date(2027, 1, 29), fee=79200
    )
    assert english.body == "Due Fri, January 29, 2027: ¥79,200.\n"


def test_a_missing_figure_is_an_error_not_a_gap(mail_templates) -> None:
    with pytest.raises(jinja2.UndefinedError):
        templates.render_mail("probe", "ja", company="株式会社テスト", fee=79200)


def test_a_template_without_a_subject_line_is_refused(mail_templates) -> None:
    with pytest.raises(ValueError, match="must begin with 'Subject: '"):
        templates.render_mail("nosubject", "ja")


def test_an_unknown_language_falls_back_to_japanese(mail_templates) -> None:
    mail = templates.render_mail("probe", "fr", company="X", deadline=date(2027, 1, 29), fee=1)
    assert mail.subject.startswith("【確認】")
