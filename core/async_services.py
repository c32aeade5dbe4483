"""THE way an asyncio worker calls a service of core: `await call_service(sessions, service, …)`.

Services stay plain functions of a sync SQLAlchemy `Session` (`tell_staff(session, …)`,
`enqueue_mail(session, …)`, `take_in(session, …)`), so the CLI, the tests and the workers share
them. A worker (mail, scheduler, bot) does not write an async twin of a service, does not run
one in a thread, and does not open a sync engine: it calls

    await call_service(sessions, tell_staff, "mail", "…", key="…")

with `sessions` the runner's `core.db.async_session_factory(engine)`. That is

    async with sessions.begin() as session:          # one AsyncSession for this call
        return await session.run_sync(service, *args, **kwargs)

`AsyncSession.run_sync` hands the service the session's own sync `Session`, on the same
connection and transaction; the service's queries go through the asyncio driver (aiosqlite,
psycopg's async mode), so a query waiting for a lock does not block the loop. The work commits
when the service returns and rolls back when it raises (the exception reaches the worker).

What a service called so must not do: block on anything but the database (no network, no
`time.sleep`: those belong in the worker's async code), or hand back objects whose unloaded
attributes the worker reads later (the session is closed by then; sessions are made with
`expire_on_commit=False`, so what was loaded stays readable). Several steps that must commit
together are one service (a function of the session calling the others), called once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

P = ParamSpec("P")
T = TypeVar("T")


async def call_service(
    sessions: async_sessionmaker[AsyncSession],
    service: Callable[Concatenate[Session, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """`service(session, *args, **kwargs)` in a transaction of its own: committed when it
    returns, rolled back when it raises."""
    async with sessions.begin() as session:
        return await session.run_sync(service, *args, **kwargs)
