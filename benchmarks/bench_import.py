"""How fast `otasuke customers import` / `payments import` load 50,000 rows, beside plain baselines.

Run: .venv/bin/python benchmarks/bench_import.py [ROWS]
Baselines in the same run: csv.DictReader over the same file (the floor for reading it), and a
raw executemany of the same rows into a bare table (the floor for writing them), per backend.
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from scratch_db import scratch_databases, usable
from sqlalchemy import text

from core import migrate
from core.db import make_engine, session_factory
from core.imports import CUSTOMER_COLUMNS, import_customers
from core.payments_import import import_payments
from knowledge.rules.calendar import DEFAULT_CALENDAR

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
TODAY = date(2026, 5, 1)
OTASUKE = Path(sys.executable).with_name("otasuke")


def write_files(folder: Path, rows: int) -> tuple[Path, Path]:
    """A customers CSV (UTF-8 with BOM, as Excel saves it) and a payments CSV, `rows` rows each."""
    rng = random.Random(7)
    customers, payments = folder / "customers.csv", folder / "payments.csv"
    with customers.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CUSTOMER_COLUMNS)
        for n in range(1, rows + 1):
            applied = date(2020, 1, 1) + timedelta(days=rng.randrange(2200))
            approved = applied + timedelta(days=rng.randrange(20))
            writer.writerow(
                [f"NIG-{n:06d}", f"株式会社テスト{n}", f"担当{n}", f"c{n}@example.jp",
                 rng.choice(["1", "0", "会員", "非会員"]), applied.isoformat(),
                 approved.isoformat(), "active", "", ""]
            )  # fmt: skip
    with payments.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "paid_on", "amount"])
        for n in range(1, rows + 1):
            paid = date(2021, 1, 1) + timedelta(days=rng.randrange(1900))
            writer.writerow([f"NIG-{rng.randrange(1, rows + 1):06d}", paid.isoformat(), 79_200])
            del n
    return customers, payments


def timed(label: str, rows: int, work: Callable[[], object]) -> None:
    """Run once and print seconds and rows per second."""
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    print(f"  {label:<52} {seconds:7.2f} s  {rows / seconds:>10,.0f} rows/s", flush=True)


def new_database(backend: str, folder: Path, new: Callable[[], str]) -> str:
    """A fresh empty database: a file in `folder`, or a scratch PostgreSQL one from `new`."""
    if backend == "sqlite":
        return f"sqlite:///{folder / f'bench_{uuid.uuid4().hex[:8]}.db'}"
    return new()


def raw_executemany(url: str, path: Path) -> None:
    """Baseline: the same rows, read with csv.reader, into a bare table with one executemany."""
    engine = make_engine(url)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = [dict(zip(CUSTOMER_COLUMNS, row, strict=True)) for row in reader]
    columns = ", ".join(f"{c} TEXT" for c in CUSTOMER_COLUMNS)
    names = ", ".join(CUSTOMER_COLUMNS)
    marks = ", ".join(f":{c}" for c in CUSTOMER_COLUMNS)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE bench_raw ({columns})"))
        connection.execute(text(f"INSERT INTO bench_raw ({names}) VALUES ({marks})"), rows)
    engine.dispose()


def service(url: str, path: Path, payments: bool = False) -> None:
    """otasuke's import as a function call in this process."""
    engine = make_engine(url)
    with session_factory(engine).begin() as session:
        if payments:
            import_payments(session, path)
        else:
            import_customers(session, path, today=TODAY, calendar=DEFAULT_CALENDAR)
    engine.dispose()


def cli(url: str, *args: str) -> None:
    """`otasuke …` as a subprocess (interpreter start and imports included)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTASUKE_")}
    env["OTASUKE_DATABASE_URL"] = url
    subprocess.run([str(OTASUKE), *args], env=env, check=True, capture_output=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, scratch_databases() as new:
        folder = Path(tmp)
        customers, payments = write_files(folder, ROWS)
        print(f"{ROWS:,} rows; customers.csv {customers.stat().st_size / 1e6:.1f} MB")

        def read_only() -> None:
            with customers.open(encoding="utf-8-sig", newline="") as handle:
                for _ in csv.DictReader(handle):
                    pass

        timed("baseline: csv.DictReader over customers.csv", ROWS, read_only)
        for backend in usable(("sqlite", "postgresql")):
            print(backend)
            url = new_database(backend, folder, new)
            engine = make_engine(url)
            migrate.upgrade(engine)
            engine.dispose()
            timed(
                "baseline: raw executemany into a bare table",
                ROWS,
                lambda url=url: raw_executemany(url, customers),
            )
            timed(
                "customers import (service): new rows",
                ROWS,
                lambda url=url: service(url, customers),
            )
            timed(
                "customers import (service): again, unchanged",
                ROWS,
                lambda url=url: service(url, customers),
            )
            timed(
                "payments import (service): new rows",
                ROWS,
                lambda url=url: service(url, payments, True),
            )
            timed(
                "payments import (service): again, all known",
                ROWS,
                lambda url=url: service(url, payments, True),
            )
            url = new_database(backend, folder, new)
            cli(url, "db", "upgrade")
            timed(
                "otasuke customers import (CLI subprocess)",
                ROWS,
                lambda url=url: cli(
                    url, "customers", "import", str(customers), "--today", TODAY.isoformat()
                ),
            )
            timed(
                "otasuke payments import (CLI subprocess)",
                ROWS,
                lambda url=url: cli(url, "payments", "import", str(payments)),
            )


if __name__ == "__main__":
    main()
