"""`newsletter init [DIR]`: a commented config, a 0600 secret, a migrated store, check-config.

Driven through click's CliRunner (prompts answered with ``input=``) and, as a new user would,
through the installed console script against the sample feeds served on 127.0.0.1.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from newsletter.cli import main
from newsletter.config import load_config
from newsletter.demo import SampleFeedServer, sample_feeds
from newsletter.resources import config_example
from tests.conftest import DEMO_DATE, run_cli

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_secret_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new user has no NEWSLETTER_SECRET: init's secret file must be what is read."""
    monkeypatch.delenv("NEWSLETTER_SECRET", raising=False)
    monkeypatch.delenv("NEWSLETTER_CONFIG", raising=False)


def init(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, ["init", *args], input=input, catch_exceptions=False)


SCRIPTED = ["--name", "Le Petit Matin", "--language", "fr", "--timezone", "Europe/Paris",
            "--sender-address", "Le Petit Matin <matin@news.example.fr>",
            "--postal-address", "3 rue de l'Exemple, 69001 Lyon",
            "--public-url", "https://news.example.fr/", "--sender", "smtp",
            "--feed", "https://www.example.fr/rss.xml", "--feed", "https://news.example.net/atom"]


def test_config_example_resolves_in_the_checkout_and_ships_in_the_wheel(tmp_path: Path) -> None:
    assert config_example().read_bytes() == (REPO / "config.example.toml").read_bytes()
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
                   cwd=REPO, check=True, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as z:
        shipped = z.read("newsletter/_bundled/config.example.toml")
    assert shipped == (REPO / "config.example.toml").read_bytes()


def test_scripted_init_writes_a_commented_config_that_passes_check_config(tmp_path: Path) -> None:
    site = tmp_path / "site"
    old_umask = os.umask(0)  # the secret is 0600 whatever the umask
    try:
        result = init(str(site), *SCRIPTED)
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.output
    text = (site / "newsletter.toml").read_text(encoding="utf-8")
    assert "# IANA time zone of the newsroom" in text  # the example's comments are kept
    config = load_config(site / "newsletter.toml")
    n = config.newsletter
    assert (n.name, n.language, n.timezone) == ("Le Petit Matin", "fr", "Europe/Paris")
    assert n.sender_address == "Le Petit Matin <matin@news.example.fr>"
    assert n.postal_address == "3 rue de l'Exemple, 69001 Lyon"
    assert n.public_url == "https://news.example.fr"
    assert config.delivery.sender == "smtp"
    assert [f.url for f in config.feeds] == ["https://www.example.fr/rss.xml",
                                             "https://news.example.net/atom"]
    secret_file = site / "newsletter.secret"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert config.secret() == secret_file.read_text(encoding="utf-8").strip().encode()
    assert len(config.secret()) >= 32
    db = sqlite3.connect(site / "var" / "newsletter.sqlite3")
    assert db.execute("select version_num from alembic_version").fetchone()  # migrated
    db.close()
    assert f"{site / 'newsletter.toml'}: ok — 2 feeds, sender smtp" in result.output
    assert f"newsletter run --dry-run --config {site / 'newsletter.toml'}" in result.output
    assert "$NEWSLETTER_SMTP_PASSWORD" in result.output


def test_interactive_init_asks_again_after_each_bad_answer(tmp_path: Path) -> None:
    opml = tmp_path / "mine.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>'
                    '<outline text="A" xmlUrl="https://a.example.org/rss"/>'
                    '<outline text="B" xmlUrl="https://b.example.org/rss"/></body></opml>',
                    encoding="utf-8")
    answers = ["Al-Sabah", "de", "ar", "Mars/Olympus", "Africa/Casablanca", "nope",
               "sabah@news.example.ma", "", "12 rue Exemple, Rabat", "http://news.example.ma",
               "https://news.example.ma", "pigeon", "outbox", "ftp://feeds.example.ma",
               "https://feeds.example.ma/rss", str(tmp_path / "missing.opml"), str(opml), ""]
    result = init(str(tmp_path / "site"), input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    out = result.output
    for complaint in ("'de' is not one of", "'Mars/Olympus' is not an IANA time zone",
                      "'nope' is not an email address",
                      "must start with https://", "'pigeon' is not one of",
                      "'ftp://feeds.example.ma' is not a feed URL", "missing.opml' is not a file"):
        assert complaint in out
    config = load_config(tmp_path / "site" / "newsletter.toml")
    n = config.newsletter
    assert (n.name, n.language, n.timezone) == ("Al-Sabah", "ar", "Africa/Casablanca")
    assert n.sender_address == "Al-Sabah <sabah@news.example.ma>"  # the name is put in front
    assert (n.postal_address, n.public_url) == ("12 rue Exemple, Rabat", "https://news.example.ma")
    from newsletter.pipeline import all_feeds

    assert [f.url for f in all_feeds(config)] == ["https://feeds.example.ma/rss",
                                                  "https://a.example.org/rss",
                                                  "https://b.example.org/rss"]
    assert "added 2 feed(s) from" in out and ": ok — " in out


@pytest.mark.parametrize(("option", "value", "why"), [
    ("--timezone", "Mars/Olympus", "not an IANA time zone"),
    ("--timezone", "Europe", "not an IANA time zone"),
    ("--sender-address", "brief@localhost", "not a valid email address"),
    ("--public-url", "http://news.example.org", "must start with https://"),
    ("--public-url", "news.example.org", "not a URL"),
    ("--language", "de", "'de' is not one of"),
    ("--sender", "pigeon", "'pigeon' is not one of"),
    ("--feed", "file:///etc/passwd", "not a feed URL"),
    ("--opml", "missing.opml", "is not a file"),
    ("--name", "  ", "needs a name"),
    ("--postal-address", "", "cannot be empty"),
])
def test_a_bad_option_exits_2_naming_it_and_writes_nothing(tmp_path: Path, option: str, value: str,
                                                           why: str) -> None:
    result = init(str(tmp_path / "site"), "--yes", option, value)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}'" in result.output and why in result.output
    assert not (tmp_path / "site").exists()


def test_an_opml_file_that_is_not_opml_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "feeds.xml"
    bad.write_text("<rss><channel/></rss>", encoding="utf-8")
    result = init(str(tmp_path / "site"), "--yes", "--opml", str(bad))
    assert result.exit_code == 2 and "not an OPML file" in result.output


def test_yes_takes_defaults_and_says_what_is_left_to_fill_in(tmp_path: Path) -> None:
    result = init(str(tmp_path), "--yes")
    assert result.exit_code == 0, result.output
    assert "still to fill in before anyone subscribes: [newsletter] sender_address, " \
           "postal_address, public_url" in result.output
    assert "no feed yet" in result.output
    config = load_config(tmp_path / "newsletter.toml")
    assert config.feeds == () and config.delivery.sender == "outbox"
    assert tomllib.loads((tmp_path / "newsletter.toml").read_text())["newsletter"]["language"] == "en"


def test_an_existing_config_is_kept_unless_force_and_force_keeps_secret_and_store(
        tmp_path: Path) -> None:
    assert init(str(tmp_path), "--yes", "--name", "First").exit_code == 0
    config_file, secret_file = tmp_path / "newsletter.toml", tmp_path / "newsletter.secret"
    first_config, first_secret = config_file.read_text(), secret_file.read_text()
    (tmp_path / "var" / "newsletter.sqlite3").touch()
    db = sqlite3.connect(tmp_path / "var" / "newsletter.sqlite3")
    db.execute("create table kept (x)")
    db.commit()
    db.close()

    again = init(str(tmp_path), "--yes", "--name", "Second")
    assert again.exit_code == 2 and "exists already" in again.output and "--force" in again.output
    assert config_file.read_text() == first_config

    forced = init(str(tmp_path), "--yes", "--name", "Second", "--force")
    assert forced.exit_code == 0, forced.output
    assert load_config(config_file).newsletter.name == "Second"
    assert secret_file.read_text() == first_secret  # links already sent stay valid
    assert "kept the signing secret" in forced.output
    db = sqlite3.connect(tmp_path / "var" / "newsletter.sqlite3")
    assert db.execute("select count(*) from kept").fetchone() == (0,)
    db.close()


def test_a_new_user_inits_then_collects_from_the_shell(tmp_path: Path,
                                                       feed_server: SampleFeedServer) -> None:
    good = [f.url for f in sample_feeds(feed_server.base_url) if "broken" not in f.url][:2]
    env = {"NEWSLETTER_SECRET": "", "NEWSLETTER_CONFIG": ""}
    made = run_cli("init", "mine", "--yes", "--feed", good[0], "--feed", good[1],
                   cwd=tmp_path, env=env)
    assert made.returncode == 0, made.stderr
    assert "mine/newsletter.toml: ok — 2 feeds" in made.stdout
    checked = run_cli("check-config", "--config", "mine/newsletter.toml", cwd=tmp_path, env=env)
    assert checked.returncode == 0, checked.stderr
    collected = run_cli("collect", "--config", "mine/newsletter.toml", "--date",
                        DEMO_DATE.isoformat(), "--quiet", cwd=tmp_path, env=env)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert "feeds: 2 ok" in collected.stdout
    db = sqlite3.connect(tmp_path / "mine" / "var" / "newsletter.sqlite3")
    (stories,) = db.execute("select count(*) from stories").fetchone()
    db.close()
    assert stories > 0
