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


# -- every problem at once, numbers, ports, store URLs and paths -----------------------------


def test_every_problem_is_reported_at_once_each_naming_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[newsletter]\nreading_minutes = "five"\ntimezone = "Mars/Olympus"\n'
                           '[smtp]\nport = 70000\ntimeout = inf\n[store]\nurl = "mysql://u@h/db"\n'
                           '[bogus]\nx = 1\n[schedule]\nsend_at = "7h"\n'
                           '[[feeds]]\nurl = "ftp://x"\n[[feeds]]\nurl = "https://ok.example/rss"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = info.value.message
    keys = ["[newsletter] reading_minutes", "[newsletter] timezone", "[smtp] port",
            "[smtp] timeout", "[store] url", "[bogus]", "[schedule] send_at", "[[feeds]] #1 url"]
    assert message.startswith(f"{len(keys)} problems in {path}:")
    lines = [line for line in message.splitlines() if line.startswith("  - ")]
    assert len(lines) == len(keys)
    for key in keys:
        (line,) = [line for line in lines if key in line]
        assert line.startswith(f"  - {path}: "), line  # each names the file
    assert "hint: a Region/City name" in message  # hints stay beside their problem
    result = CliRunner().invoke(main, ["check-config", "--config", str(path)])
    assert result.exit_code == 2
    assert all(key in result.output for key in keys)


@pytest.mark.parametrize(("text", "key"), [
    ("[smtp]\ntimeout = inf\n", "[smtp] timeout"),
    ("[collect]\nread_timeout = nan\n", "[collect] read_timeout"),
    ("[curate]\nhalf_life_hours = -inf\n", "[curate] half_life_hours"),
    ("[workers]\nlease_seconds = inf\n", "[workers] lease_seconds"),
    ("[sections]\nSport = inf\n", "[sections] 'Sport'"),
    ('[[feeds]]\nurl = "https://a.example/rss"\nweight = nan\n', "[[feeds]] #1 weight"),
])
def test_non_finite_numbers_are_refused(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert key in info.value.message and "finite number" in info.value.message
    assert str(path) in info.value.message


@pytest.mark.parametrize(("text", "key"), [
    ("[smtp]\nport = 70000\n", "[smtp] port"),
    ("[smtp]\nport = 0\n", "[smtp] port"),
    ("[web]\nport = 65536\n", "[web] port"),
    ("[web]\nport = -1\n", "[web] port"),
    ("[demo]\nsample_feeds_port = 70000\n", "[demo] sample_feeds_port"),
    ("[demo]\nsample_feeds_port = -5\n", "[demo] sample_feeds_port"),
])
def test_ports_outside_1_to_65535_are_refused(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError, match=r"between 1 and 65535") as info:
        load_config(write(tmp_path, text))
    assert key in info.value.message


def test_ports_at_the_edges_are_accepted(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[smtp]\nport = 65535\n[web]\nport = 1\n"
                                         "[demo]\nsample_feeds_port = 0\n"))
    assert (config.smtp.port, config.web.port, config.demo.sample_feeds_port) == (65535, 1, 0)


@pytest.mark.parametrize("url", ["mysql://u@h/db", "sqlite://relative.db", "var/db.sqlite3",
                                 "mssql+pyodbc://x", ""])
def test_unsupported_store_urls_are_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, f'[store]\nurl = "{url}"\n'))
    assert "[store] url must start with sqlite:/// or postgresql://" in info.value.message
    assert info.value.hint and "sqlite:///" in info.value.hint


@pytest.mark.parametrize("url", ["sqlite:///db.sqlite3", "postgresql://u@127.0.0.1/db",
                                 "postgresql+psycopg://u@127.0.0.1/db", "sqlite:///:memory:"])
def test_supported_store_urls_are_accepted(tmp_path: Path, url: str) -> None:
    assert load_config(write(tmp_path, f'[store]\nurl = "{url}"\n')).store.url == url


def test_check_config_counts_the_feeds_of_the_opml_file_too(tmp_path: Path) -> None:
    from newsletter import pipeline
    from tests.conftest import new_store

    path = write(tmp_path, '[store]\nurl = "sqlite:///db.sqlite3"\n'
                           '[[feeds]]\nurl = "https://known.example/rss"\nname = "Known"\n')
    new_store(path)
    opml = tmp_path / "in.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body>'
                    '<outline text="A" xmlUrl="https://a.example/rss"/>'
                    '<outline text="B" xmlUrl="https://b.example/atom.xml"/>'
                    '<outline text="Known" xmlUrl="https://known.example/rss"/>'
                    '</body></opml>', encoding="utf-8")
    runner = CliRunner()
    before = runner.invoke(main, ["check-config", "--config", str(path)])
    assert "ok — 1 feeds" in before.output, before.output
    added = runner.invoke(main, ["feeds", "import-opml", str(opml), "--config", str(path)])
    assert "added 2 feed(s)" in added.output, added.output
    after = runner.invoke(main, ["check-config", "--config", str(path)])
    assert after.exit_code == 0 and "ok — 3 feeds" in after.output, after.output
    assert len(pipeline.all_feeds(load_config(path))) == 3  # what collect fetches


def test_check_config_reads_the_files_a_build_reads(tmp_path: Path) -> None:
    """[curate] news_value_file and the editors' overrides file are read as the build reads
    them: a missing lexicon, an unknown weight, a wrong override are reported together by
    check-config, not first by the morning's build."""
    from tests.conftest import new_store

    path = write(tmp_path, '[store]\nurl = "sqlite:///db.sqlite3"\n'
                           '[curate]\nnews_value_file = "missing.toml"\n'
                           '[overrides]\nfile = "overrides.toml"\n')
    new_store(path)
    (tmp_path / "overrides.toml").write_text('pin = "notalist"\n', encoding="utf-8")
    runner = CliRunner()
    both = runner.invoke(main, ["check-config", "--config", str(path)])
    assert both.exit_code == 2 and "2 problems" in both.output, both.output
    assert "missing.toml not found" in both.output and "pin" in both.output
    (tmp_path / "missing.toml").write_text("[weights]\nservce = 0.2\n", encoding="utf-8")
    (tmp_path / "overrides.toml").write_text('pin = ["https://a.example/1"]\n',
                                             encoding="utf-8")
    typo = runner.invoke(main, ["check-config", "--config", str(path)])
    assert typo.exit_code == 2 and "servce" in typo.output, typo.output
    (tmp_path / "missing.toml").write_text("[weights]\nservice = 0.4\n", encoding="utf-8")
    good = runner.invoke(main, ["check-config", "--config", str(path)])
    assert good.exit_code == 0 and "ok —" in good.output, good.output


# -- [readership] (issue 19) ------------------------------------------------------------------


def test_readership_networks_and_bounds_are_checked_each_naming_its_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[readership]\nclicks = true\nrobot_networks = ["192.0.2.0/24", '
                           '"10.0.0.1/8", "gateway.example"]\nscan_seconds = -1\n'
                           'flush_clicks = 0\nlearn_max_factor = 0.5\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = info.value.message
    assert message.startswith(f"5 problems in {path}:")
    assert "'10.0.0.1/8'" in message and "host bits set" in message  # the culprit, and why
    assert "'gateway.example'" in message
    for key in ("[readership] scan_seconds", "[readership] flush_clicks",
                "[readership] learn_max_factor"):
        assert key in message
    good = write(tmp_path, '[readership]\nclicks = true\nrobot_networks = ["192.0.2.0/24", '
                           '"2001:db8::/32"]\nrobot_user_agents = ["ExampleGateway/"]\n')
    config = load_config(good)
    assert config.readership.clicks and config.readership.robot_user_agents == ("ExampleGateway/",)
