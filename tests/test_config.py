from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import main
from newsletter.config import Config, config_from_dict, config_to_dict, load_config
from newsletter.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newsletter.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_valid_and_round_trip(tmp_path: Path) -> None:
    config = Config()
    again = config_from_dict(config_to_dict(config), source="x", base_dir=tmp_path)
    assert config_to_dict(again) == config_to_dict(config)


def test_example_config_loads() -> None:
    example = Path(__file__).parent.parent / "config.example.toml"
    config = load_config(example)
    assert config.newsletter.language in ("fr", "en", "ar")
    assert config.feeds


def test_example_config_documents_every_key() -> None:
    text = (Path(__file__).parent.parent / "config.example.toml").read_text(encoding="utf-8")
    for section, values in config_to_dict(Config()).items():
        if section == "feeds":
            continue
        assert f"[{section}]" in text, section
        for key in values:
            assert f"\n{key} =" in text or f"\n# {key} =" in text, f"[{section}] {key}"


def test_unknown_key_names_key_section_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[newsletter]\nlanguagee = "fr"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "languagee" in info.value.message
    assert "[newsletter]" in info.value.message
    assert str(path) in info.value.message


@pytest.mark.parametrize(("text", "needle"), [
    ('[newsletter]\nreading_minutes = "five"\n', "[newsletter] reading_minutes"),
    ('[newsletter]\nlanguage = "de"\n', "[newsletter] language"),
    ('[newsletter]\ntimezone = "Mars/Olympus"\n', "[newsletter] timezone"),
    ('[schedule]\nsend_at = "7h"\n', "[schedule] send_at"),
    ('[delivery]\nsender = "pigeon"\n', "[delivery] sender"),
    ('[smtp]\nhost = "mail.example.org"\ntls = "none"\n', "[smtp] tls"),
    ('[[feeds]]\nurl = "ftp://x"\n', "[[feeds]] #1 url"),
    ('[[feeds]]\nurl = "https://a.example/rss"\nwieght = 2\n', "'wieght'"),
    ('[bogus]\nx = 1\n', "[bogus]"),
    ('[newsletter\n', "not valid TOML"),
])
def test_wrong_values_name_the_key(tmp_path: Path, text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert needle in info.value.message


def test_cli_exits_2_on_a_bad_config(tmp_path: Path) -> None:
    path = write(tmp_path, '[store]\nurll = "sqlite:///x"\n')
    result = CliRunner().invoke(main, ["status", "--config", str(path)])
    assert result.exit_code == 2
    assert "urll" in result.output and str(path) in result.output


def test_relative_paths_follow_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[store]\nurl = "sqlite:///var/x.sqlite3"\n[delivery]\noutbox_dir = "out"\n')
    config = load_config(path)
    assert config.database_url == f"sqlite:///{tmp_path / 'var' / 'x.sqlite3'}"
    assert config.path(config.delivery.outbox_dir) == tmp_path / "out"


def test_secret_must_be_long_enough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLETTER_SECRET", "short")
    with pytest.raises(ConfigError, match="NEWSLETTER_SECRET"):
        Config().secret()


@pytest.mark.parametrize("zone", ["Europe", "America/Argentina", "x" * 5_000, "../zoneinfo/UTC",
                                  "Europe/", "UTC\x00"])
def test_a_time_zone_that_is_a_folder_or_no_name_at_all_is_a_config_error(
        tmp_path: Path, zone: str) -> None:
    """ZoneInfo raises IsADirectoryError for "Europe" and OSError for 5,000 characters."""
    quoted = zone.replace("\x00", "\\u0000")  # TOML's escape for the NUL
    path = write(tmp_path, f'[newsletter]\ntimezone = "{quoted}"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "[newsletter] timezone" in info.value.message and str(path) in info.value.message
    assert len(info.value.message) < 400  # the culprit is named, not 5,000 characters of it
    result = CliRunner().invoke(main, ["check-config", "--config", str(path)])
    assert result.exit_code == 2 and "[newsletter] timezone" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
