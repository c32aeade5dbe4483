"""`otasuke doctor`: check the settings a chamber gave, one line each: what works, what is wrong."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import typer

from core.settings import Settings

TIMEOUT_SECONDS = 8.0

Check = Callable[[Settings], Awaitable[str]]


class Problem(Exception):
    """What is wrong, in one line a chamber's staff can act on."""


def doctor() -> None:
    """Check the database, the Telegram token (getMe), the IMAP login and the SMTP greeting."""
    from core.settings import load_settings

    settings = load_settings()
    results = asyncio.run(_run_checks(settings))
    for name, ok, line in results:
        typer.echo(f"{'ok  ' if ok else 'FAIL'}  {name}: {line}")
    if not all(ok for _, ok, _ in results):
        raise typer.Exit(1)


async def _run_checks(settings: Settings) -> list[tuple[str, bool, str]]:
    checks: list[tuple[str, Check]] = [("database", _database), ("telegram", _telegram)]
    checks += [("imap", _imap), ("smtp", _smtp)]
    results = []
    for name, check in checks:
        try:
            line = await asyncio.wait_for(check(settings), TIMEOUT_SECONDS)
            results.append((name, True, line))
        except Problem as exc:
            results.append((name, False, str(exc)))
        except TimeoutError:
            results.append((name, False, f"no answer within {TIMEOUT_SECONDS:.0f} s"))
    return results


async def _database(settings: Settings) -> str:
    from core.errors import UserError
    from core.migrate import open_engine

    def check() -> str:
        try:
            engine = open_engine(settings.database_url)
        except UserError as exc:
            raise Problem(str(exc)) from None
        except Exception as exc:
            raise Problem(f"cannot connect ({' '.join(str(exc).split())[:200]})") from None
        engine.dispose()
        return "reachable and migrated"

    return await asyncio.to_thread(check)


async def _telegram(settings: Settings) -> str:
    if settings.telegram_token is None:
        return "no OTASUKE_TELEGRAM_TOKEN: the console chat runs instead"
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    kwargs = {"base_url": settings.telegram_api_url} if settings.telegram_api_url else {}
    bot = Bot(settings.telegram_token.get_secret_value(), **kwargs)
    try:
        async with bot:  # initialize() calls getMe
            me = bot.bot
    except InvalidToken:
        raise Problem(
            "Telegram rejected OTASUKE_TELEGRAM_TOKEN (getMe): check it with BotFather"
        ) from None
    except TelegramError as exc:
        raise Problem(f"cannot reach Telegram ({exc})") from None
    return f"token accepted: @{me.username}"


async def _reachable(host: str, port: int) -> None:
    try:
        _reader, writer = await asyncio.open_connection(host, port)
    except OSError as exc:
        raise Problem(f"cannot connect to {host}:{port} ({exc.strerror or exc})") from None
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


async def _imap(settings: Settings) -> str:
    if not settings.imap_host:
        return f"no OTASUKE_IMAP_HOST: mail is read from {settings.mail_inbox_dir}"
    import aioimaplib

    port = settings.imap_port or (993 if settings.imap_tls == "implicit" else 143)
    await _reachable(settings.imap_host, port)
    if settings.imap_tls == "implicit":
        client = aioimaplib.IMAP4_SSL(settings.imap_host, port, timeout=TIMEOUT_SECONDS)
    else:
        client = aioimaplib.IMAP4(settings.imap_host, port, timeout=TIMEOUT_SECONDS)
    try:
        await client.wait_hello_from_server()
        if settings.imap_tls == "starttls":
            return (
                f"{settings.imap_host}:{port} greets (login is tried over STARTTLS by the worker)"
            )
        if not settings.imap_user or settings.imap_password is None:
            raise Problem("OTASUKE_IMAP_USER and OTASUKE_IMAP_PASSWORD are needed to log in")
        response = await client.login(settings.imap_user, settings.imap_password.get_secret_value())
        if response.result != "OK":
            raise Problem(f"login as {settings.imap_user} refused: {_imap_text(response.lines)}")
        with contextlib.suppress(Exception):
            await client.logout()
    except (OSError, aioimaplib.Abort) as exc:
        raise Problem(f"{settings.imap_host}:{port}: {exc}") from None
    return f"logged in to {settings.imap_host}:{port} as {settings.imap_user}"


def _imap_text(lines: list[bytes | str]) -> str:
    text = " ".join(
        line.decode(errors="replace") if isinstance(line, bytes) else line for line in lines
    )
    return " ".join(text.split())[:200]


async def _smtp(settings: Settings) -> str:
    if not settings.smtp_host:
        return f"no OTASUKE_SMTP_HOST: mail is written to {settings.mail_outbox_dir}"
    import aiosmtplib

    port = settings.smtp_port or (465 if settings.smtp_tls == "implicit" else 587)
    await _reachable(settings.smtp_host, port)
    client = aiosmtplib.SMTP(
        hostname=settings.smtp_host, port=port, use_tls=settings.smtp_tls == "implicit",
        start_tls=False, timeout=TIMEOUT_SECONDS,
    )  # fmt: skip
    try:
        greeting = await client.connect()
    except (OSError, aiosmtplib.SMTPException) as exc:
        raise Problem(f"{settings.smtp_host}:{port}: {exc}") from None
    with contextlib.suppress(Exception):
        await client.quit()
    return f"{settings.smtp_host}:{port} greets: {' '.join(greeting.message.split())[:80]}"
