"""STARTTLS, implicit TLS and login, as OTASUKE_SMTP_* configure them, against aiosmtpd."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import outbox
from core.db import session_factory
from core.models import OutboxMail
from core.settings import load_settings
from integration.smtpd import start_smtpd
from mail.delivery import deliver
from otasuke.mailing import make_sender


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (EC: made in milliseconds)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"otasuke", b"s3cret")
    return AuthResult(success=ok, handled=False)


def _settings(port: int, tls: str, cert: Path, password: str = "s3cret") -> Any:
    return load_settings(
        {
            "OTASUKE_SMTP_HOST": "127.0.0.1",
            "OTASUKE_SMTP_PORT": str(port),
            "OTASUKE_SMTP_TLS": tls,
            "OTASUKE_SMTP_USER": "otasuke",
            "OTASUKE_SMTP_PASSWORD": password,
            "OTASUKE_SMTP_CA_FILE": str(cert),
            "OTASUKE_MAIL_FROM": "otasuke@chamber.example",
        }
    )


def _enqueue(engine: Engine) -> int:
    with session_factory(engine).begin() as session:
        return outbox.enqueue_mail(session, "k", "ack", "a@example.jp", "受付", "本文").id


# aiosmtpd warns about AUTH without STARTTLS even when the socket itself is TLS (implicit).
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("tls", ["starttls", "implicit"])
async def test_mail_goes_over_tls_with_a_login_as_the_settings_say(
    fresh_engine: Engine,
    async_sessions: async_sessionmaker[AsyncSession],
    server_tls: ssl.SSLContext,
    certificate: tuple[Path, Path],
    tls: str,
) -> None:
    # aiosmtpd does not see implicit TLS as TLS when it decides whether to offer AUTH: the
    # socket is TLS all the same (the server listens with the context).
    server = await start_smtpd(
        tls_context=server_tls, implicit_tls=tls == "implicit",
        require_starttls=tls == "starttls", auth_required=True, authenticator=_authenticator,
        auth_require_tls=tls == "starttls",
    )  # fmt: skip
    try:
        _enqueue(fresh_engine)
        settings = _settings(server.port, tls, certificate[0])
        report = await deliver(async_sessions, make_sender(settings), mail_from=settings.mail_from)
        assert (report.sent, report.errors) == (1, []), report.errors
        assert len(server.handler.received) == 1
    finally:
        await server.stop()


async def test_a_wrong_password_keeps_the_mail_for_a_retry_instead_of_giving_it_up(
    fresh_engine: Engine,
    async_sessions: async_sessionmaker[AsyncSession],
    server_tls: ssl.SSLContext,
    certificate: tuple[Path, Path],
) -> None:
    server = await start_smtpd(
        tls_context=server_tls, require_starttls=True, auth_required=True,
        authenticator=_authenticator,
    )  # fmt: skip
    try:
        mail_id = _enqueue(fresh_engine)
        settings = _settings(server.port, "starttls", certificate[0], password="wrong")
        report = await deliver(async_sessions, make_sender(settings), mail_from=settings.mail_from)
        assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
        with session_factory(fresh_engine)() as session:
            row = session.get_one(OutboxMail, mail_id)
        assert row.status == "pending"
        assert "535" in (row.last_error or "")
    finally:
        await server.stop()
