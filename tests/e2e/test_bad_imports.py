"""Hostile CSV files through `otasuke customers import` / `payments import`: each bad line is
named (file and line), the good rows load, nothing is stored garbled, and the exit status says
that something was refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from core.imports import CUSTOMER_COLUMNS
from core.models import Customer, Payment

HEADER = ",".join(CUSTOMER_COLUMNS)
ON_BOTH = pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)


def _row(
    n: int, company: str | None = None, applied: str = "2025-05-03", approved: str = ""
) -> str:
    company = company if company is not None else f"株式会社テスト{n}"
    approved = approved or applied.replace("-03", "-10")
    return f"NIG-{n:06d},{company},山田太郎,c{n}@example.jp,会員,{applied},{approved},active,,"


def _companies(db: Engine) -> dict[str, str]:
    with db.connect() as connection:
        return dict(connection.execute(select(Customer.customer_id, Customer.company)).all())


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@ON_BOTH
def test_a_stray_quote_loses_only_its_own_row(otasuke, db: Engine, cli_env: Path) -> None:
    # Read as one CSV stream, the quote opens a cell that swallows the 989 rows after it.
    rows = [_row(n, '"テスト株式会社' if n == 10 else None) for n in range(1, 1001)]
    path = _write(cli_env / "customers.csv", [HEADER, *rows])
    result = otasuke("customers", "import", str(path))
    assert result.code == 1
    assert result.err == (
        f'{path}: line 11: a quote (") opens a cell that is not closed on this line '
        '(a cell cannot run over lines; a quote inside a cell is written twice, "")\n'
    )
    assert result.out == (
        "customers: 999 of 1000 rows loaded (999 inserted, 0 updated, 0 unchanged), 1 refused\n"
    )
    stored = _companies(db)
    assert len(stored) == 999
    assert "NIG-000010" not in stored
    assert stored["NIG-000011"] == "株式会社テスト11"
    assert max(len(company) for company in stored.values()) < 20


def test_two_stray_quotes_do_not_join_the_rows_between_them(
    otasuke, db: Engine, cli_env: Path
) -> None:
    rows = [_row(n, f'"会社{n}' if n in (3, 7) else None) for n in range(1, 11)]
    result = otasuke("customers", "import", str(_write(cli_env / "c.csv", [HEADER, *rows])))
    assert result.code == 1
    assert [line.split(": ")[1] for line in result.err.splitlines()] == ["line 4", "line 8"]
    assert sorted(_companies(db)) == [f"NIG-{n:06d}" for n in (1, 2, 4, 5, 6, 8, 9, 10)]


def test_quotes_written_as_csv_writes_them_still_load(otasuke, db: Engine, cli_env: Path) -> None:
    rows = [_row(1, '"株式会社""テスト"", 本店"'), _row(2, '株式会社"二"')]
    result = otasuke("customers", "import", str(_write(cli_env / "c.csv", [HEADER, *rows])))
    assert (result.code, result.err) == (0, "")
    assert _companies(db) == {"NIG-000001": '株式会社"テスト", 本店', "NIG-000002": '株式会社"二"'}


def test_text_after_a_closing_quote_is_a_row_error_not_a_silent_join(
    otasuke, db: Engine, cli_env: Path
) -> None:
    rows = [_row(1, '"テスト"株式会社'), _row(2)]
    path = _write(cli_env / "c.csv", [HEADER, *rows])
    result = otasuke("customers", "import", str(path))
    assert result.code == 1
    assert result.err.startswith(f"{path}: line 2: text after a quoted cell's closing quote")
    assert list(_companies(db)) == ["NIG-000002"]


@ON_BOTH
def test_one_invalid_byte_in_a_utf8_file_is_reported_not_stored_as_mojibake(
    otasuke, db: Engine, cli_env: Path
) -> None:
    rows = [_row(n) for n in range(1, 11)]
    data = ("\n".join([HEADER, *rows]) + "\n").encode()
    path = cli_env / "c.csv"
    path.write_bytes(data.replace("テスト5,".encode(), "テスト5".encode() + b"\xff,"))
    result = otasuke("customers", "import", str(path))
    assert result.code == 1
    assert result.err == f"{path}: line 6: not UTF-8 text (byte 0xff at character 20)\n"
    assert result.out.startswith("customers: 9 of 10 rows loaded")
    stored = _companies(db)
    assert "NIG-000005" not in stored
    assert set(stored.values()) == {f"株式会社テスト{n}" for n in (1, 2, 3, 4, 6, 7, 8, 9, 10)}


def test_a_cp932_file_from_excel_still_loads(otasuke, db: Engine, cli_env: Path) -> None:
    rows = [_row(1, "㈱サンプル①"), _row(2, "株式会社髙橋")]
    result = otasuke(
        "customers", "import", str(_write(cli_env / "c.csv", [HEADER, *rows], "cp932"))
    )
    assert (result.code, result.err) == (0, "")
    assert _companies(db) == {"NIG-000001": "㈱サンプル①", "NIG-000002": "株式会社髙橋"}


def test_a_spreadsheet_instead_of_a_csv_is_one_line_naming_it(
    otasuke, db: Engine, cli_env: Path
) -> None:
    path = cli_env / "customers.xlsx"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 8)
    result = otasuke("customers", "import", str(path))
    assert result.code == 1
    assert result.err == (
        f"otasuke: error: {path}: binary data (or UTF-16 text without a BOM), not a text file\n"
    )
    assert _companies(db) == {}


@pytest.mark.parametrize("year", ["2100", "1900", "9999"])
def test_a_date_in_a_year_without_known_holidays_is_a_row_error(
    otasuke, db: Engine, cli_env: Path, year: str
) -> None:
    rows = [_row(1), _row(2, applied=f"{year}-05-03"), _row(3)]
    path = _write(cli_env / "c.csv", [HEADER, *rows])
    result = otasuke("customers", "import", str(path))
    assert result.code == 1
    assert result.err == (
        f"{path}: line 3: applied_on: {year}-05-03: the contract's dates fall in {year}, whose "
        "national holidays are not known (known: 1949-2099), so its deadlines cannot be told\n"
    )
    assert result.out.startswith("customers: 2 of 3 rows loaded")
    assert sorted(_companies(db)) == ["NIG-000001", "NIG-000003"]


def test_an_approval_past_the_last_date_is_a_row_error(otasuke, db: Engine, cli_env: Path) -> None:
    # The first payment would fall due on the 25th of the month after: in the year 10000.
    rows = [_row(1, approved="9999-12-20"), _row(2)]
    result = otasuke("customers", "import", str(_write(cli_env / "c.csv", [HEADER, *rows])))
    assert result.code == 1
    assert result.err.endswith(
        ": line 2: applied_on, approved_on: 2025-05-03, 9999-12-20: the contract's dates cannot "
        "be computed (year 10000 is out of range)\n"
    )
    assert list(_companies(db)) == ["NIG-000002"]


@ON_BOTH
@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("株式会社\x00テスト", "company: holds a NUL byte (U+0000), not text"),
        ("株式会社\x1b[31mテスト", "company: holds an escape character (U+001B), not text"),
        ("\u202eトステ社会式株", "company: holds a direction override (U+202E), not text"),
    ],
)
def test_a_control_character_in_a_cell_is_a_row_error_on_every_backend(
    otasuke, db: Engine, cli_env: Path, cell: str, reason: str
) -> None:
    # PostgreSQL refuses a NUL in text, and with it the whole import, without a line number.
    rows = [_row(1), _row(2, cell), _row(3)]
    path = _write(cli_env / "c.csv", [HEADER, *rows])
    result = otasuke("customers", "import", str(path))
    assert (result.code, result.err) == (1, f"{path}: line 3: {reason}\n")
    assert sorted(_companies(db)) == ["NIG-000001", "NIG-000003"]


def test_an_approval_before_the_application_is_refused_as_rules_contract_refuses_it(
    otasuke, db: Engine, cli_env: Path
) -> None:
    rows = [_row(1, applied="2025-05-20", approved="2025-05-03"), _row(2)]
    path = _write(cli_env / "c.csv", [HEADER, *rows])
    result = otasuke("customers", "import", str(path))
    assert (result.code, result.err) == (
        1,
        f"{path}: line 2: approved_on: 2025-05-03 is before the application date 2025-05-20\n",
    )
    rules = otasuke(
        "rules", "contract", "--applied", "2025-05-20", "--approved", "2025-05-03", "--member"
    )
    assert rules.code == 2
    assert rules.err.endswith("approved: 2025-05-03 is before the application date 2025-05-20\n")


@ON_BOTH
def test_a_partial_import_exits_1_and_says_how_many_loaded_in_json_too(
    otasuke, db: Engine, cli_env: Path
) -> None:
    rows = [_row(1), "NIG-X,B,C,b@example.jp,1,2025-05-03,2025-05-10,active,,", _row(3)]
    path = _write(cli_env / "c.csv", [HEADER, *rows])
    result = otasuke("customers", "import", str(path), "--json")
    assert result.code == 1
    assert json.loads(result.out) == {
        "loaded": 2,
        "inserted": 2,
        "updated": 0,
        "unchanged": 0,
        "errors": [{"line": 3, "reason": "customer_id: 'NIG-X' is not like NIG-000123"}],
    }
    clean = otasuke("customers", "import", str(_write(cli_env / "ok.csv", [HEADER, _row(1)])))
    assert (clean.code, clean.out) == (
        0,
        "customers: 1 of 1 rows loaded (0 inserted, 0 updated, 1 unchanged), 0 refused\n",
    )


@ON_BOTH
def test_payments_a_stray_quote_or_an_unquoted_comma_is_refused_by_line(
    otasuke, db: Engine, cli_env: Path
) -> None:
    otasuke("customers", "import", str(_write(cli_env / "c.csv", [HEADER, _row(1)])))
    lines = [
        "customer_id,paid_on,amount",
        "NIG-000001,2025-05-20,59400",
        'NIG-000001,"2025-05-21,100',
        "NIG-000001,2025-05-22,¥59,400",  # unquoted: the amount would be ¥59
        "NIG-000001,2025-05-23,\x00100",
        'NIG-000001,2025-05-24,"79,200"',
    ]
    path = _write(cli_env / "p.csv", lines)
    result = otasuke("payments", "import", str(path))
    assert result.code == 1
    assert [line.split(": ", 2)[1:] for line in result.err.splitlines()] == [
        ["line 3", 'a quote (") opens a cell that is not closed on this line '
                   '(a cell cannot run over lines; a quote inside a cell is written twice, "")'],
        ["line 4", '4 cells, the header has 3 (a cell holding a comma must be quoted: "79,200")'],
        ["line 5", "amount: holds a NUL byte (U+0000), not text"],
    ]  # fmt: skip
    assert result.out == (
        "payments: 2 of 5 rows loaded (2 inserted, 0 updated, 0 unchanged), 3 refused\n"
    )
    with db.connect() as connection:
        assert sorted(connection.scalars(select(Payment.amount))) == [59_400, 79_200]


def test_a_cell_with_a_line_break_is_refused_as_one_cell_over_two_lines(
    otasuke, db: Engine, cli_env: Path
) -> None:
    # Excel writes Alt+Enter inside a quoted cell: the two halves are named, not read as rows.
    broken = _row(2, '"株式会社テスト\n本店"')
    path = _write(cli_env / "c.csv", [HEADER, _row(1), broken, _row(3)])
    result = otasuke("customers", "import", str(path))
    assert result.code == 1
    assert result.err.splitlines() == [
        f'{path}: line 3: a quote (") opens a cell that is not closed on this line '
        '(a cell cannot run over lines; a quote inside a cell is written twice, "")',
        f"{path}: line 4: closes the quoted cell opened on line 3 "
        '(a cell cannot run over lines; a quote inside a cell is written twice, "")',
    ]
    assert result.out.startswith("customers: 2 of 4 rows loaded")
    assert sorted(_companies(db)) == ["NIG-000001", "NIG-000003"]


@pytest.mark.parametrize(("separator", "name"), [("\t", "tabs"), (";", "semicolons")])
def test_a_file_separated_otherwise_is_one_line_saying_so(
    otasuke, db: Engine, cli_env: Path, separator: str, name: str
) -> None:
    lines = [HEADER.replace(",", separator), _row(1).replace(",", separator)]
    path = _write(cli_env / "c.txt", lines)
    result = otasuke("customers", "import", str(path))
    assert (result.code, result.out) == (1, "")
    assert (
        result.err == f"otasuke: error: {path}: the columns are separated by {name}, not commas\n"
    )
    assert _companies(db) == {}
