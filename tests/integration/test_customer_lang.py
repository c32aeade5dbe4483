"""A customer's language (the optional `lang` column of `customers import`) sets the language of
the notices mailed to them; a file without the column leaves it as it was."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.imports import CUSTOMER_COLUMNS, import_customers
from core.models import Customer
from core.notice_plan import NoticeRules
from core.notices import due
from knowledge.rules.calendar import DEFAULT_CALENDAR

TODAY = date(2026, 5, 1)
WITH_LANG = ",".join((*CUSTOMER_COLUMNS, "lang"))


def _row(n: int, *lang: str) -> str:
    """Customer NIG-00000n's row, with its `lang` cell when one is given."""
    cells = [f"NIG-00000{n}", "Surf School K.K.", "Jane Doe", f"c{n}@example.com", "0"]
    cells += ["2025-05-03", "2025-05-10", "active", "", "", *lang]
    return ",".join(cells)


def _import(session: Session, tmp_path: Path, header: str, rows: list[str]):
    path = tmp_path / "customers.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return import_customers(session, path, today=TODAY, calendar=DEFAULT_CALENDAR)


def _lang(session: Session, cid: str) -> str | None:
    return session.scalar(select(Customer.lang).where(Customer.customer_id == cid))


def test_the_lang_column_is_read_and_a_bad_value_is_a_row_error(
    session: Session, tmp_path: Path
) -> None:
    rows = [_row(1, "en"), _row(2, "英語"), _row(3, ""), _row(4, "日本語"), _row(5, "fr")]
    report = _import(session, tmp_path, WITH_LANG, rows)
    assert report.errors == [(6, "lang: 'fr' is not ja or en")]
    assert [_lang(session, f"NIG-00000{i}") for i in range(1, 5)] == ["en", "en", None, None]


def test_a_file_without_the_column_keeps_the_language_and_one_with_it_changes_it(
    session: Session, tmp_path: Path
) -> None:
    _import(session, tmp_path, WITH_LANG, [_row(1, "en")])
    report = _import(session, tmp_path, ",".join(CUSTOMER_COLUMNS), [_row(1)])
    assert (report.unchanged, _lang(session, "NIG-000001")) == (1, "en")
    report = _import(session, tmp_path, WITH_LANG, [_row(1, "ja")])
    assert (report.updated, _lang(session, "NIG-000001")) == (1, None)


def test_an_english_customer_gets_english_notices_and_the_others_japanese(
    session: Session, tmp_path: Path
) -> None:
    assert _import(session, tmp_path, WITH_LANG, [_row(1, "en"), _row(2, "")]).errors == []
    # R17: the renewal notice on January 15.
    subjects = {
        n["customer_id"]: n["subject"]
        for n in due(session, NoticeRules(), date(2027, 1, 15))
        if n["kind"] == "renewal_notice"
    }
    assert subjects["NIG-000001"].startswith("[Otasuke-tai service] Your contract renews")
    assert "更新" in subjects["NIG-000002"]
