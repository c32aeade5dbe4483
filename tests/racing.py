"""Racing two or more "processes" over one database: each with its own engine, started together."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, session_factory

T = TypeVar("T")


def race(
    url: str,
    names: Sequence[str],
    work: Callable[[sessionmaker[Session], str, Callable[[], object]], T],
) -> dict[str, T]:
    """Run `work(sessions, name, go)` for every name in its own thread with its own engine on
    `url` (as separate processes would have); `go()` returns once every racer has called it, so
    what follows runs at the same moment. The results by name; the first error is raised."""
    barrier = threading.Barrier(len(names))
    results: dict[str, T] = {}
    errors: list[BaseException] = []

    def run(name: str) -> None:
        engine = make_engine(url)
        try:
            results[name] = work(session_factory(engine), name, barrier.wait)
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
            barrier.abort()  # the others must not wait for a racer that has stopped
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
