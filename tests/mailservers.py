"""A private Dovecot for the tests, set up as shared/notes/mail-servers.md says (tested there)."""

from __future__ import annotations

import contextlib
import imaplib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

PASSWORD = "secret"
USERS = 300

_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
passdb {{
  driver = passwd-file
  args = {dir}/passwd
}}
userdb {{
  driver = passwd-file
  args = {dir}/passwd
}}
mail_uid = nobody
mail_gid = nogroup
mail_location = maildir:{dir}/mail/%u
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
auth_failure_delay = 0
mail_max_userip_connections = 50
service imap-login {{
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
}}
"""


class DovecotUnavailable(Exception):
    """Dovecot is not installed here, or cannot run (not root)."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Account:
    """One test's own mailbox on the server."""

    server: Dovecot
    user: str
    password: str = PASSWORD

    def imap(self) -> imaplib.IMAP4:
        """A plain stdlib connection for the test's own looks (logged in)."""
        connection = imaplib.IMAP4("127.0.0.1", self.server.imap_port, timeout=10)
        connection.login(self.user, self.password)
        return connection

    def append(self, raw: bytes, folder: str = "INBOX", when: datetime | None = None) -> None:
        """Deliver a mail (APPEND), as the MTA would."""
        connection = self.imap()
        try:
            stamp = imaplib.Time2Internaldate(when.timestamp()) if when else None
            status, data = connection.append(folder, None, stamp, raw)
            if status != "OK":
                raise RuntimeError(f"APPEND failed: {data!r}")
        finally:
            connection.logout()

    def flags(self, folder: str = "INBOX") -> dict[int, str]:
        """UID → its FLAGS text, for every mail in `folder`."""
        connection = self.imap()
        try:
            connection.select(folder, readonly=True)
            _status, data = connection.uid("FETCH", "1:*", "(FLAGS)")
            found = {}
            for item in data:
                if isinstance(item, bytes) and b"UID" in item:
                    text = item.decode()
                    uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                    found[uid] = text.split("FLAGS (")[1].split(")")[0]
            return found
        finally:
            connection.logout()


class Dovecot:
    """A Dovecot of its own: a mkdtemp dir under /tmp (0755, for the `dovecot` user), free ports."""

    def __init__(self) -> None:
        if shutil.which("dovecot") is None:
            raise DovecotUnavailable(
                "dovecot is not installed (make test installs it: .ci/test-servers)"
            )
        if os.geteuid() != 0:
            raise DovecotUnavailable("Dovecot's mail processes need a root start (not root here)")
        # Short: base_dir plus socket names must stay under ~100 characters.
        self.dir = Path(tempfile.mkdtemp(prefix="otdc-", dir="/tmp"))
        self.dir.chmod(0o755)
        self.imap_port = _free_port()
        self.imaps_port = _free_port()
        self.conf = self.dir / "dovecot.conf"
        self.cert = self.dir / "cert.pem"
        self._process: subprocess.Popen[bytes] | None = None
        # All users up front: Dovecot misses a passwd-file edit made within the same second.
        self._users = [f"u{uuid.uuid4().hex[:10]}" for _ in range(USERS)]
        (self.dir / "passwd").write_text(
            "".join(f"{user}:{{PLAIN}}{PASSWORD}::::::\n" for user in self._users)
        )
        (self.dir / "passwd").chmod(0o644)
        mail = self.dir / "mail"
        mail.mkdir()
        shutil.chown(mail, "nobody", "nogroup")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", str(self.dir / "key.pem"), "-out", str(self.cert), "-days", "2"],
            check=True, capture_output=True,
        )  # fmt: skip
        self.conf.write_text(
            _CONF.format(dir=self.dir, imap_port=self.imap_port, imaps_port=self.imaps_port)
        )

    def start(self) -> None:
        """Start and wait for the banner (checking the process did not die meanwhile)."""
        with (self.dir / "stderr.log").open("ab") as stderr:
            self._process = subprocess.Popen(
                ["dovecot", "-F", "-c", str(self.conf)], start_new_session=True, stderr=stderr
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise DovecotUnavailable(f"dovecot exited: {self.log_tail()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.imap_port), timeout=1) as probe,
            ):
                if probe.recv(100).startswith(b"* OK"):
                    return
            time.sleep(0.02)
        raise DovecotUnavailable(f"dovecot did not answer: {self.log_tail()}")

    def stop(self, signum: int = signal.SIGTERM) -> None:
        """Stop the whole process group (each session gets BYE with SIGTERM; nothing with KILL)."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signum)
        self._process.wait(timeout=10)
        self._process = None

    def cleanup(self) -> None:
        """Stop and remove the directory."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def add_user(self) -> Account:
        """A mailbox no test has used yet."""
        return Account(self, self._users.pop())

    def doveadm(self, *args: str) -> str:
        """Run `doveadm -c conf ARGS…` (the server must be running)."""
        done = subprocess.run(
            ["doveadm", "-c", str(self.conf), *args], capture_output=True, text=True, timeout=30
        )
        if done.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def ssl_context(self) -> ssl.SSLContext:
        """A context trusting this server's own certificate."""
        return ssl.create_default_context(cafile=str(self.cert))

    def log_tail(self) -> str:
        """The end of the server's logs, for a failure message."""
        parts = []
        for name in ("stderr.log", "dovecot.log"):
            path = self.dir / name
            if path.exists():
                parts.append(path.read_text(errors="replace")[-1500:])
        return "\n".join(parts)
