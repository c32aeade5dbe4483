"""Settings from a TOML file: read, overridden by the environment, and never holding a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import UserError
from core.settings import load_settings


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "otasuke.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_toml_file_sets_values_and_the_environment_wins(tmp_path: Path) -> None:
    path = _toml(
        tmp_path,
        'mail_from = "desk@cci.example.jp"\nimap_port = 993\nstaff_telegram_ids = [1, 2]\n',
    )
    settings = load_settings({"OTASUKE_IMAP_PORT": "1143"}, toml_path=path)
    assert settings.mail_from == "desk@cci.example.jp"
    assert settings.imap_port == 1143
    assert settings.staff_telegram_ids == [1, 2]


def test_otasuke_config_names_the_file(tmp_path: Path) -> None:
    path = _toml(tmp_path, 'renewal_notice_day = "01-16"\n')
    assert load_settings({"OTASUKE_CONFIG": str(path)}).renewal_notice_day == (1, 16)


def test_otasuke_toml_in_the_cwd_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _toml(tmp_path, 'mail_from = "cwd@example.jp"\n')
    monkeypatch.chdir(tmp_path)
    assert load_settings({}).mail_from == "cwd@example.jp"


@pytest.mark.parametrize("secret", ["telegram_token", "imap_password", "smtp_password"])
def test_a_secret_in_the_file_is_refused(tmp_path: Path, secret: str) -> None:
    path = _toml(tmp_path, f'{secret} = "x"\n')
    with pytest.raises(UserError, match=f"OTASUKE_{secret.upper()} in the environment"):
        load_settings({}, toml_path=path)


def test_a_bad_value_in_the_file_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = _toml(tmp_path, 'smtp_port = "twenty-five"\n')
    with pytest.raises(UserError, match=r"otasuke\.toml: smtp_port: not a valid integer"):
        load_settings({}, toml_path=path)


def test_a_file_that_is_not_toml_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a readable TOML file"):
        load_settings({}, toml_path=_toml(tmp_path, "mail_from = \n"))


def test_a_missing_config_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        load_settings({"OTASUKE_CONFIG": str(tmp_path / "none.toml")})


def test_an_unknown_key_in_the_file_is_refused_with_its_name(tmp_path: Path) -> None:
    path = _toml(tmp_path, 'imap_hots = "imap.example.jp"\nmail_from = "a@b.jp"\ncolour = 1\n')
    with pytest.raises(UserError) as caught:
        load_settings({}, toml_path=path)
    assert str(caught.value) == (
        f"{path}: unknown setting(s) colour, imap_hots (did you mean imap_host?)"
    )


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://otasuke:hunter2@db.example.jp:5432/otasuke",
        "postgresql://otasuke:p@ss:w/rd@db.example.jp/otasuke",
    ],
)
def test_a_database_url_with_a_password_in_the_file_is_refused(tmp_path: Path, url: str) -> None:
    path = _toml(tmp_path, f'database_url = "{url}"\n')
    with pytest.raises(UserError, match="OTASUKE_DATABASE_URL in the environment") as caught:
        load_settings({}, toml_path=path)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://postgres@127.0.0.1:5432/test", "sqlite:///var/other.db"],
)
def test_a_database_url_without_a_password_may_be_in_the_file(tmp_path: Path, url: str) -> None:
    path = _toml(tmp_path, f'database_url = "{url}"\n')
    assert load_settings({}, toml_path=path).database_url == url


def test_a_month_day_in_the_file_that_is_not_there_every_year_names_the_key(
    tmp_path: Path,
) -> None:
    path = _toml(tmp_path, "renewal_notice_day = [2, 29]\n")
    with pytest.raises(UserError, match=r"otasuke\.toml: renewal_notice_day: 2-29 is not a day"):
        load_settings({}, toml_path=path)
