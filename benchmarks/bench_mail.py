"""Mail understanding: intent, customer and date accuracy per labelled folder, and throughput.

Run: .venv/bin/python benchmarks/bench_mail.py [-v] [DIR ...]
Default folders: tests/data/mail, and every labelled tests/data/mail_* (the held-out set). Each
holds *.eml, customers.csv and labels.jsonl (mail/labelled.py); the customer is identified
against a scratch SQLite database loaded from that folder's customers.csv. Throughput: mails per
second through read_mail (decode + strip + classify) beside bare `email.message_from_bytes`
(compat32) on the same mails, in the same run. Targets (issue 12, on the held-out set): intent
≥ 95 %, customer ≥ 95 %, date ≥ 90 %, no reply where none is due, throughput ≥ 1/5 of bare.
"""

from __future__ import annotations

import argparse
import email
import sys
import time
from datetime import date
from pathlib import Path

from mail.labelled import FIELDS, Score, predict, read_folder, scratch_customers
from mail.reading import read_mail

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
DEFAULT_DIRS = [DATA / "mail", *sorted(DATA.glob("mail_*"))]
# Contracts are read as of this day only to import the customers; decisions are not scored here.
IMPORT_DAY = date(2027, 1, 1)
ROUND_SECONDS = 0.5  # each timing round runs at least this long
ROUNDS = 5  # alternating rounds; the best of each is kept (the machine is shared)


def score_folder(folder: Path, verbose: bool) -> Score:
    """Score every labelled mail of the folder."""
    score = Score()
    labelled = read_folder(folder)
    with scratch_customers(folder, IMPORT_DAY) as session:
        for item in labelled:
            score.add(item.file.name, item.expected, predict(session, item.file.read_bytes()))
    print(f"{folder}: {score.total} mails")
    for key in FIELDS:
        print(f"  {key:<16} {score.accuracy(key):6.1%}  ({score.right[key]}/{score.total})")
    print(f"  replies where none is due: {len(score.unwanted_replies)} {score.unwanted_replies}")
    if verbose:
        for name, key, expected, got in score.wrong:
            print(f"    {name}: {key} expected {expected!r}, got {got!r}")
    return score


def rate(work, mails: list[bytes]) -> float:  # type: ignore[no-untyped-def]
    """Mails per CPU second of `work` over the mails, repeated for at least ROUND_SECONDS.

    CPU time of this process, not wall time: on a shared machine the other processes' load
    would otherwise decide the figures more than the code does.
    """
    done, started = 0, time.process_time()
    while True:
        for raw in mails:
            work(raw)
        done += len(mails)
        elapsed = time.process_time() - started
        if elapsed >= ROUND_SECONDS:
            return done / elapsed


def throughput(folders: list[Path]) -> None:
    """read_mail beside bare compat32 parsing, on the same mails."""
    mails = [path.read_bytes() for folder in folders for path in sorted(folder.glob("*.eml"))]
    if not mails:
        return
    read_mail(mails[0])  # warm caches (regexes, codecs) before timing
    # Alternate the two and keep each one's best round: what other work on a shared machine
    # still costs us (caches, frequency) lands in some rounds; the best one it touched least.
    bare = ours = 0.0
    for _ in range(ROUNDS):
        bare = max(bare, rate(email.message_from_bytes, mails))
        ours = max(ours, rate(read_mail, mails))
    size = sum(map(len, mails)) / len(mails)
    print(f"throughput over {len(mails)} mails (mean {size:,.0f} bytes), best of {ROUNDS} rounds:")
    print(f"  bare email.message_from_bytes (compat32)  {bare:10,.0f} mails per CPU second")
    print(f"  read_mail (decode + strip + classify)     {ours:10,.0f} mails per CPU second  "
          f"({ours / bare:.2f} of bare; target ≥ 0.20)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every wrong field")
    args = parser.parse_args()
    folders = args.dirs or [d for d in DEFAULT_DIRS if (d / "labels.jsonl").is_file()]
    missing = [d for d in folders if not (d / "labels.jsonl").is_file()]
    if missing:
        sys.exit(f"no labels.jsonl in {', '.join(map(str, missing))}")
    for folder in folders:
        score_folder(folder, args.verbose)
    throughput(folders)


if __name__ == "__main__":
    main()
