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
ROW = "{cid},Surf School K.K.,Jane Doe,{email},0,2025-05-03,2025-05-10,active,,"


def _import(session: Session, tmp_path: Path, header: str, rows: list[str]):
    path = tmp_path / "customers.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return import_customers(session, path, today=TODAY, calendar=DEFAULT_CALENDAR)


def _lang(session: Session, cid: str) -> str | None:
    return session.scalar(select(Customer.lang).where(Customer.customer_id == cid))


def test_the_lang_column_is_read_and_a_bad_value_is_a_row_error(
    session: Session, tmp_path: Path
) -> None:
    header = ",".join((*CUSTOMER_COLUMNS, "lang"))
    rows = [
        ROW.format(cid="NIG-000001", email="a@example.com") + ",en",
        ROW.format(cid="NIG-000002", email="b@example.com") + ",英語",
        ROW.format(cid="NIG-000003", email="c@example.com") + ",",
        ROW.format(cid="NIG-000004", email="d@example.com") + ",日本語",
        ROW.format(cid="NIG-000005", email="e@example.com") + ",fr",
    ]
    report = _import(session, tmp_path, header, rows)
    assert report.errors == [(6, "lang: 'fr' is not ja or en")]
    assert [_lang(session, f"NIG-00000{i}") for i in range(1, 5)] == ["en", "en", None, None]


def test_a_file_without_the_column_keeps_the_language_and_one_with_it_changes_it(
    session: Session, tmp_path: Path
) -> None:
    with_lang = ",".join((*CUSTOMER_COLUMNS, "lang"))
    row = ROW.format(cid="NIG-000001", email="a@example.com")
    _import(session, tmp_path, with_lang, [row + ",en"])
    report = _import(session, tmp_path, ",".join(CUSTOMER_COLUMNS), [row])
    assert (report.unchanged, _lang(session, "NIG-000001")) == (1, "en")
    report = _import(session, tmp_path, with_lang, [row + ",ja"])
    assert (report.updated, _lang(session, "NIG-000001")) == (1, None)


def test_an_english_customer_gets_english_notices_and_the_others_japanese(
    session: Session, tmp_path: Path
) -> None:
    header = ",".join((*CUSTOMER_COLUMNS, "lang"))
    rows = [
        ROW.format(cid="NIG-000001", email="a@example.com") + ",en",
        ROW.format(cid="NIG-000002", email="b@example.com") + ",",
    ]
    assert _import(session, tmp_path, header, rows).errors == []
    # R17: the renewal notice on January 15.
    subjects = {
        n["customer_id"]: n["subject"]
        for n in due(session, NoticeRules(), date(2027, 1, 15))
        if n["kind"] == "renewal_notice"
    }
    assert subjects["NIG-000001"].startswith("[Otasuke-tai service] Your contract renews")
    assert "更新" in subjects["NIG-000002"]
