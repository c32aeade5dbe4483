"""Settings: `OTASUKE_*` environment variables over an optional TOML file; secrets: env only."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from core.errors import UserError
from knowledge.rules.calendar import BusinessCalendar

ENV_PREFIX = "OTASUKE_"
DEFAULT_TOML = Path("otasuke.toml")
# A secret in a file that is copied, committed or backed up leaks: these come from the env only.
SECRET_SETTINGS = frozenset(
    {"telegram_token", "telegram_webhook_secret", "imap_password", "smtp_password"}
)

Tls = Literal["implicit", "starttls", "none"]
MonthDay = Annotated[tuple[int, int], NoDecode]
_MONTH_DAY = re.compile(r"^\s*(\d{1,2})[-/](\d{1,2})\s*$")
# A yearly date must exist every year: checked against a common year, so 2-29 is refused too.
_COMMON_YEAR = 2025
# The password of a database URL (SQLAlchemy's own split: user, then `:password@`).
_URL_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]+@")


def _month_day(value: Any) -> Any:
    """'12-29' or '12/29' (or a [12, 29] pair from TOML) → (12, 29); the day must exist yearly."""
    if isinstance(value, str):
        match = _MONTH_DAY.match(value)
        if not match:
            raise ValueError("not a month-day like 12-29")
        value = (int(match[1]), int(match[2]))
    try:
        month, day = value
        date(_COMMON_YEAR, month, day)
    except (TypeError, ValueError):
        shown = "-".join(map(str, value)) if isinstance(value, tuple | list) else repr(value)
        raise ValueError(f"{shown} is not a day of every year (a month-day like 12-29)") from None
    return (month, day)


class Settings(BaseSettings):
    """Every knob otasuke has; names are the SPEC's (`OTASUKE_` + the field name, upper case)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    database_url: str = "sqlite:///var/otasuke.db"

    telegram_token: SecretStr | None = None
    telegram_api_url: str | None = None
    staff_telegram_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # Webhook instead of polling when set: the public https URL Telegram posts updates to, the
    # local address the bot listens on behind the chamber's reverse proxy, and the secret
    # Telegram sends back in X-Telegram-Bot-Api-Secret-Token.
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "127.0.0.1:8443"
    telegram_webhook_secret: SecretStr | None = None

    imap_host: str | None = None
    imap_port: int | None = None
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_tls: Tls = "implicit"
    imap_folder: str = "INBOX"
    # Processed mail is moved here instead of staying in the folder flagged \Seen and $Otasuke.
    imap_processed_folder: str | None = None
    # A private CA for the IMAP server's certificate; none → the system's CAs.
    imap_ca_file: Path | None = None

    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_tls: Tls = "starttls"
    # A private CA for the SMTP server's certificate; none → the system's CAs.
    smtp_ca_file: Path | None = None
    # How long one SMTP step may take before the mail is retried later.
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)

    mail_from: str = "otasuke@localhost"
    mail_inbox_dir: Path = Path("var/mail/inbox")
    mail_outbox_dir: Path = Path("var/mail/outbox")
    # Only Authentication-Results written by this server are trusted (SPEC); None → the topmost.
    mail_authserv_id: str | None = None
    # Acknowledgements to one sender in 24 hours, at most: a loop with another robot stops here.
    mail_max_replies_per_sender_per_day: int = Field(default=5, ge=0)
    # Staff addresses for the morning digest (SPEC "Alerts and staff"), comma-separated.
    staff_emails: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # The terms to answer from and reason with; None → knowledge/data/terms_ja.txt.
    terms_file: Path | None = None
    # The FAQ to answer from (knowledge/data/faq.yaml's format); None → the shipped one, of
    # which only the entries whose clauses read the same in `terms_file` are used.
    faq_file: Path | None = None
    # Answers whose confidence is below this go to staff. None → the fitted threshold
    # (knowledge/faq/confidence.py): higher hands off more of what the terms do not answer, and
    # more good answers too; a chamber sets it to what its staff can take.
    faq_handoff_threshold: float | None = Field(default=None, ge=0.0, le=1.0)

    # 営業日 (第2条(7)): the year-end break is the chamber's own; 8/15 is named by the terms.
    year_end_break_start: MonthDay = (12, 29)
    year_end_break_end: MonthDay = (1, 3)
    closed_days: Annotated[list[tuple[int, int]], NoDecode] = Field(
        default_factory=lambda: [(8, 15)]
    )

    # Notices (SPEC "Notices"): R17 renewal notice day, reminders and overdue cadence.
    renewal_notice_day: MonthDay = (1, 15)
    payment_reminder_days_before: int = Field(default=7, ge=0)
    payment_overdue_interval_days: int = Field(default=7, ge=1)
    payment_overdue_max: int = Field(default=3, ge=1)
    utm_return_interval_days: int = Field(default=14, ge=1)
    # The catch-up horizon: a sweep does not send a notice scheduled more than this many days
    # before the day it sweeps (customers imported before their payments: years-old debts).
    notice_catch_up_days: int = Field(default=14, ge=0)
    # How often the workers look for work (mail, due notices), in seconds; the outbox is
    # looked at every second (SPEC: a queued mail leaves within 5 s).
    poll_interval_seconds: float = Field(default=30.0, gt=0, allow_inf_nan=False)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("staff_telegram_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(re.fullmatch(r"-?\d+", part) for part in parts):
                raise ValueError("not a comma-separated list of integers like 9001,9002")
            return [int(part) for part in parts]
        return value

    @field_validator("staff_emails", mode="before")
    @classmethod
    def _split_emails(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if any("@" not in part or any(ch.isspace() for ch in part) for part in value):
            raise ValueError("not a comma-separated list of mail addresses")
        return value

    @field_validator(
        "year_end_break_start", "year_end_break_end", "renewal_notice_day", mode="before"
    )
    @classmethod
    def _parse_month_day(cls, value: Any) -> Any:
        return _month_day(value)

    @field_validator("closed_days", mode="before")
    @classmethod
    def _parse_closed_days(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part for part in value.split(",") if part.strip()]
        return [_month_day(item) for item in value]

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        env, toml_path = _SOURCES.get()
        sources: list[PydanticBaseSettingsSource] = [
            init_settings,
            _MappingEnvSource(settings_cls, env),
        ]
        if toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """As pydantic shows them, with the database URL's password masked like other secrets."""
        for name, value in super().__repr_args__():
            if name == "database_url" and isinstance(value, str):
                value = _URL_PASSWORD.sub(r"\1***@", value)
            yield name, value

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is a SQLite file (the embedded default)."""
        return self.database_url.startswith("sqlite")


class _MappingEnvSource(EnvSettingsSource):
    """The env source reading a given mapping instead of `os.environ` (tests, subprocess envs)."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._mapping = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # Variables set to "" count as unset: `OTASUKE_IMAP_HOST=` in a shell script means none.
        return {key.lower(): value for key, value in self._mapping.items() if value != ""}


_SOURCES: ContextVar[tuple[Mapping[str, str], Path | None]] = ContextVar("otasuke_settings_sources")


@contextmanager
def _sources(env: Mapping[str, str], toml_path: Path | None) -> Iterator[None]:
    token = _SOURCES.set((env, toml_path))
    try:
        yield
    finally:
        _SOURCES.reset(token)


def load_settings(
    env: Mapping[str, str] | None = None, toml_path: Path | str | None = None
) -> Settings:
    """The settings: `env` (default os.environ) over the TOML file (OTASUKE_CONFIG or default)."""
    env = dict(os.environ if env is None else env)
    path = _toml_path(env, toml_path)
    toml_keys = _check_toml(path) if path is not None else set()
    try:
        with _sources(env, path):
            return Settings()
    except ValidationError as exc:
        raise UserError(_describe(exc, env, path, toml_keys)) from None


def _toml_path(env: Mapping[str, str], explicit: Path | str | None) -> Path | None:
    if explicit is not None:
        path = Path(explicit)
    elif env.get(f"{ENV_PREFIX}CONFIG"):
        path = Path(env[f"{ENV_PREFIX}CONFIG"])
    else:
        return DEFAULT_TOML if DEFAULT_TOML.is_file() else None
    if not path.is_file():
        raise UserError(f"{path}: the settings file does not exist")
    return path


def _check_toml(path: Path) -> set[str]:
    """The keys the file sets; not TOML, an unknown key or a secret → refused."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{path}: not a readable TOML file ({exc})") from None
    keys = {key.lower() for key in data}
    # A typo (`imap_hots`) would otherwise leave the default in force without a word.
    unknown = sorted(keys - set(Settings.model_fields))
    if unknown:
        described = ", ".join(_with_suggestion(key) for key in unknown)
        raise UserError(f"{path}: unknown setting(s) {described}")
    secrets = sorted(SECRET_SETTINGS & keys)
    url = next((value for key, value in data.items() if key.lower() == "database_url"), None)
    if isinstance(url, str) and _URL_PASSWORD.search(url):
        secrets.append("database_url")
    if secrets:
        names = ", ".join(f"{ENV_PREFIX}{key.upper()}" for key in secrets)
        raise UserError(
            f"{path}: {', '.join(secrets)} must not be in a file (a password is a secret); "
            f"set {names} in the environment"
        )
    return keys


def _with_suggestion(key: str) -> str:
    close = difflib.get_close_matches(key, Settings.model_fields, n=1)
    return f"{key} (did you mean {close[0]}?)" if close else key


_MESSAGES = {
    "int_parsing": "not a valid integer",
    "int_from_float": "not a valid integer",
    "float_parsing": "not a valid number",
    "bool_parsing": "not a valid boolean (true/false)",
    "literal_error": None,  # pydantic's own text lists the allowed values
}


def _describe(
    exc: ValidationError, env: Mapping[str, str], path: Path | None, toml_keys: set[str]
) -> str:
    """One line naming each bad variable and what is wrong with it."""
    parts = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        env_name = f"{ENV_PREFIX}{field.upper()}"
        from_env = any(key.upper() == env_name for key in env)
        name = env_name if from_env or field not in toml_keys else f"{path}: {field}"
        message = _MESSAGES.get(error["type"]) or str(error["msg"]).removeprefix("Value error, ")
        message = message.replace("Input should be", "should be")
        parts.append(f"{name}: {message}")
    return "; ".join(dict.fromkeys(parts))


# 年末年始 is a week or so; a longer "break" is a typo (1-29 for 12-29) or start and end swapped,
# which would close most of the year and move every deadline without a word.
MAX_YEAR_END_BREAK_DAYS = 31


def business_calendar(settings: Settings) -> BusinessCalendar:
    """The 営業日 calendar (第2条(7)) with this chamber's closures; a break of more than
    MAX_YEAR_END_BREAK_DAYS → UserError."""
    start, end = settings.year_end_break_start, settings.year_end_break_end
    first, last = date(_COMMON_YEAR, *start), date(_COMMON_YEAR, *end)
    days = (last - first).days + 1 if first <= last else 365 - (first - last).days + 1
    if days > MAX_YEAR_END_BREAK_DAYS:
        raise UserError(
            f"{ENV_PREFIX}YEAR_END_BREAK_START, _END: {start[0]}-{start[1]} to {end[0]}-{end[1]} "
            f"closes {days} days a year (at most {MAX_YEAR_END_BREAK_DAYS}; "
            "a break over New Year runs from a December day to a January day, e.g. 12-29 to 1-3)"
        )
    return BusinessCalendar(
        year_end_break_start=settings.year_end_break_start,
        year_end_break_end=settings.year_end_break_end,
        closed_days=tuple(settings.closed_days),
    )
