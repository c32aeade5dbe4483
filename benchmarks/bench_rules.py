"""Benchmark `otasuke rules batch`: 100,000 contracts plus cancel and business-day lines.

Prints evaluations per second for the batch path in-process and as a subprocess, beside a
baseline that only parses and re-serialises the same lines (json.loads + json.dumps).
Run: .venv/bin/python benchmarks/bench_rules.py [--contracts N]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path


def make_lines(contracts: int, seed: int = 20260401) -> list[str]:
    """`contracts` varied contract requests, plus a fifth as many cancel and business-day ones."""
    rng = random.Random(seed)
    first, span = date(2024, 1, 1), 365 * 6
    lines = []
    for _ in range(contracts):
        applied = first + timedelta(days=rng.randrange(span))
        approved = applied + timedelta(days=rng.randrange(45))
        member_key = rng.choice(("member", "non_member", "non-member"))
        value = True if member_key != "member" else rng.random() < 0.6
        request = {
            "cmd": "contract",
            "applied": applied.isoformat(),
            "approved": approved.isoformat(),
            member_key: value,
        }
        lines.append(json.dumps(request))
    for _ in range(contracts // 5):
        received = first + timedelta(days=rng.randrange(span))
        desired = received + timedelta(days=rng.randrange(-30, 200))
        clock = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:00"
        offset = rng.choice(("", "Z", "+09:00", "-05:00"))
        lines.append(
            json.dumps(
                {
                    "cmd": "cancel",
                    "received": f"{received.isoformat()}T{clock}{offset}",
                    "desired": desired.isoformat(),
                }
            )
        )
        day = first + timedelta(days=rng.randrange(span))
        lines.append(json.dumps({"cmd": "business-day", "date": day.isoformat()}))
    rng.shuffle(lines)
    return lines


def timed(label: str, count: int, action: object) -> float:
    """Run `action()` once, print its rate, and return the seconds it took."""
    started = time.perf_counter()
    action()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    print(f"{label:<42} {seconds:7.3f} s  {count / seconds:12,.0f} lines/s")
    return seconds


def main() -> None:
    """Generate the lines, time the baseline and both batch paths, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=100_000)
    args = parser.parse_args()

    from knowledge.rules.requests import answer_lines

    lines = make_lines(args.contracts)
    count = len(lines)
    print(f"{count:,} lines ({args.contracts:,} contracts, the rest cancel and business-day)")

    baseline = timed(
        "baseline: json.loads + json.dumps",
        count,
        lambda: [json.dumps(json.loads(x)) for x in lines],
    )
    results: list[str] = []
    in_process = timed(
        "batch in-process (answer_lines)", count, lambda: results.extend(answer_lines(lines))
    )
    errors = sum('"error"' in line for line in results)
    assert len(results) == count, f"{len(results)} results for {count} lines"
    assert errors == 0, f"{errors} errors in {len(results)} results"

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "requests.jsonl"
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        command = [sys.executable, "-m", "otasuke", "rules", "batch", str(source)]
        startup = [sys.executable, "-m", "otasuke", "rules", "--help"]
        idle = timed(
            "subprocess: otasuke rules --help (startup)",
            1,
            lambda: subprocess.run(startup, capture_output=True, check=True),
        )
        done: list[subprocess.CompletedProcess[bytes]] = []
        whole = timed(
            "subprocess: otasuke rules batch FILE",
            count,
            lambda: done.append(subprocess.run(command, capture_output=True, check=True)),
        )
        assert done[0].stdout.count(b"\n") == count

    print(f"in-process / baseline: {in_process / baseline:.1f}x the time of bare JSON round-trips")
    print(f"subprocess total {whole:.2f} s, of which startup ~{idle:.2f} s")


if __name__ == "__main__":
    main()
