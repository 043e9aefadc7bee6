"""What the CLI reports when things go wrong, as text and as JSON, with the README's exit codes."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w
from click.testing import CliRunner, Result

from newsletter.cli import main
from newsletter.config import config_to_dict, load_config
from newsletter.demo import SampleFeedServer
from newsletter.store import Store
from tests.conftest import DEMO_DATE, make_config, new_store, run_cli

Demo = tuple[Path, subprocess.CompletedProcess[str]]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def closed_port() -> int:
    """A loopback port nobody listens on (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- 1. `run` prints what it did when the build stops it ------------------------------------


def test_a_run_with_no_story_still_names_the_feeds_that_failed(tmp_path: Path) -> None:
    """The newcomer's path: init with an OPML of two feeds that refuse connections, then run."""
    port = closed_port()
    feeds = [f"http://127.0.0.1:{port}/a.xml", f"http://127.0.0.1:{port}/b.xml"]
    opml = tmp_path / "feeds.opml"
    opml.write_text('<?xml version="1.0"?>\n<opml version="2.0"><head><title>t</title></head>'
                    "<body>" + "".join(f'<outline text="{u[-5:]}" type="rss" xmlUrl="{u}"/>'
                                       for u in feeds) + "</body></opml>\n", encoding="utf-8")
    done = run_cli("init", "site", "--yes", "--opml", str(opml), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    cfg = "site/newsletter.toml"

    text = run_cli("run", "--dry-run", "--config", cfg, cwd=tmp_path)
    assert text.returncode == 1, text.stderr
    assert "Traceback" not in text.stderr
    for url in feeds:
        assert f"FAILED {url}: connection refused" in text.stdout, text.stdout
    assert "feeds:   0 ok, 2 failed" in text.stdout
    assert "stories: 0 seen in the issue window" in text.stdout
    # Stages the run never reached are left out, not shown as zeros.
    assert "items:" not in text.stdout and "messages:" not in text.stdout, text.stdout
    # The error and its hint, once, on stderr (not repeated as a note of the report).
    assert "error: no story for the" in text.stderr
    assert f"hint: check the feeds (newsletter --config {cfg} feeds check)" in text.stderr
    assert "no story" not in text.stdout

    as_json = run_cli("run", "--dry-run", "--json", "--config", cfg, cwd=tmp_path)
    assert as_json.returncode == 1, as_json.stderr
    report = json.loads(as_json.stdout)  # one JSON object, nothing else on stdout
    assert sorted(f["url"] for f in report["feeds_failed"]) == feeds
    assert {f["reason"] for f in report["feeds_failed"]} == {"connection refused"}
    assert report["feeds_ok"] == [] and report["stories_seen"] == 0
    assert report["error"]["message"].startswith("no story for the ")
    assert report["error"]["hint"] == (f"check the feeds (newsletter --config {cfg} feeds "
                                       "check) and the date")


def test_a_failed_build_reports_the_stories_seen_and_keeps_the_run_record(
        tmp_path: Path, feed_server: SampleFeedServer) -> None:
    """Stories collected, every one blocked by the editors: the build finds none to use."""
    config = make_config(tmp_path, feed_server.base_url,
                         overrides={"block_domains": ["example", "127.0.0.1"]})
    path = tmp_path / "newsletter.toml"
    path.write_text(tomli_w.dumps(config_to_dict(config)), encoding="utf-8")
    new_store(path)
    result = invoke("run", "--dry-run", "--json", "--date", DEMO_DATE.isoformat(),
                    "--config", str(path))
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["stories_seen"] >= 20 and report["stories_new"] >= 20
    assert len(report["feeds_ok"]) == 10
    assert [f["url"] for f in report["feeds_failed"]] == [f"{feed_server.base_url}"
                                                          "/feeds/broken.xml"]
    assert report["error"]["message"].startswith(f"no story for the {DEMO_DATE} issue")
    # The run is recorded as before: an error, with the same report.
    store = Store.open(load_config(path).database_url)
    last = store.last_runs(1)[0]
    assert last["command"] == "run" and last["outcome"] == "error"
    stored = json.loads(last["report_json"])
    assert stored["stories_seen"] == report["stories_seen"]
    assert stored["notes"][-1] == f"error: {report['error']['message']}"
    store.close()


# -- 2. `demo --json` carries the commands to try and the desk line --------------------------


def test_demo_json_has_the_commands_to_try_and_the_desk(tmp_path: Path, demo_run: Demo) -> None:
    text_out, text = demo_run
    out = tmp_path / "out"
    done = run_cli("demo", "--json", "--out", str(out), "--date", DEMO_DATE.isoformat(),
                   cwd=tmp_path, env={"NEWSLETTER_SECRET": "", "NEWSLETTER_CONFIG": "",
                                      "NEWSLETTER_DEMO_EDITOR_PASSWORD": "pass-" + "w" * 20})
    assert done.returncode == 1, done.stderr  # the sample's broken feed
    demo = json.loads(done.stdout)["demo"]
    cfg = shlex.quote(str(out / "newsletter.toml"))
    # The same lines as the text output prints (there, for its own folder).
    lines = text.stdout.splitlines()
    tries = lines[lines.index("try:") + 1 : next(i for i, line in enumerate(lines)
                                                 if line.startswith("desk:"))]
    assert demo["try"] == [line.strip().replace(str(text_out), str(out)) for line in tries]
    assert demo["try"][0] == f"export NEWSLETTER_CONFIG={cfg}"
    assert "newsletter approve --as editor" in demo["try"]
    assert demo["desk"] == {"command": f"newsletter serve --config {cfg}",
                            "url": demo["desk"]["url"], "username": "editor",
                            "password": "pass-" + "w" * 20}
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/editor/", demo["desk"]["url"])
    desk_line = next(line for line in lines if line.startswith("desk:"))
    assert desk_line.startswith("desk:    newsletter serve --config "
                                f"{shlex.quote(str(text_out / 'newsletter.toml'))}  then "
                                f"{demo['desk']['url']}  (editor / ")


# -- 3. exit code 2 for what was typed wrong ----------------------------------------------


def write_config(folder: Path, store_url: str = "sqlite:///db.sqlite3") -> Path:
    path = folder / "newsletter.toml"
    path.write_text(f'[store]\nurl = "{store_url}"\n', encoding="utf-8")
    return path


def test_enabling_a_feed_the_store_does_not_know_is_bad_usage(tmp_path: Path) -> None:
    path = new_store(write_config(tmp_path))
    store = Store.open(load_config(path).database_url)
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    store.record_feed_failure("http://127.0.0.1:9/feed.xml", "Feed", error="HTTP 410", now=now)
    store.close()
    near = invoke("feeds", "enable", "http://127.0.0.1:9/feed.xm", "--config", str(path))
    assert near.exit_code == 2, near.output
    assert "http://127.0.0.1:9/feed.xm is not known to the store" in near.output
    assert "did you mean http://127.0.0.1:9/feed.xml?" in near.output
    far = run_cli("feeds", "enable", "http://127.0.0.1:9/other", "--config", str(path),
                  cwd=tmp_path)
    assert far.returncode == 2, far.stderr
    assert "Traceback" not in far.stderr
    assert f"newsletter --config {path} feeds check" in far.stderr
    known = invoke("feeds", "enable", "http://127.0.0.1:9/feed.xml", "--config", str(path))
    assert known.exit_code == 0 and "enabled: http://127.0.0.1:9/feed.xml" in known.output


def test_db_backup_of_a_postgresql_store_is_bad_usage(tmp_path: Path) -> None:
    # Refused before connecting: no server needs to listen there.
    path = write_config(tmp_path, f"postgresql://nobody@127.0.0.1:{closed_port()}/news")
    done = run_cli("db", "backup", str(tmp_path / "copy.db"), "--config", str(path),
                   cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "db backup copies SQLite stores only" in done.stderr and "pg_dump" in done.stderr
    assert not (tmp_path / "copy.db").exists()


def test_the_readme_says_which_refusals_exit_1_and_which_2() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    paragraph = " ".join(readme[readme.index("Exit codes: 0 done"):].split("\n\n")[0].split())
    assert "1 done with failures" in paragraph
    assert "issue already sent or sending, which is not rebuilt" in paragraph
    assert "a store not migrated yet" in paragraph
    assert "2 bad usage or configuration" in paragraph
    assert "a feed URL the store does not know" in paragraph
    assert "`db backup` on a PostgreSQL store" in paragraph


# -- 4. the JSON export is typed like `subscribers list --json` ----------------------------


KEPT = ("email", "name", "language", "sections", "timezone", "status", "consent_at",
        "consent_ip", "consent_user_agent", "consent_text_version")  # what an import carries
NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def two_subscribers(tmp_path: Path) -> Path:
    """A store with one subscriber with every field set and one with none; its config."""
    path = new_store(write_config(tmp_path))
    store = Store.open(load_config(path).database_url)
    store.add_subscriber("a@example.org", name="Ali", language="ar",
                         sections="Politique,Économie", timezone="Africa/Casablanca",
                         consent_source="form", consent_at=NOW, now=NOW, consent_ip="192.0.2.1",
                         consent_user_agent="Mozilla/5.0", consent_text_version="v3")
    store.add_subscriber("b@example.org", now=NOW)
    store.close()
    return path


def import_elsewhere(folder: Path, name: str, text: str) -> tuple[Path, Any]:
    """``text`` as file ``name`` imported into a new store in ``folder``: its config, result."""
    folder.mkdir()
    path = new_store(write_config(folder))
    (folder / name).write_text(text, encoding="utf-8")
    return path, invoke("subscribers", "import", str(folder / name), "--config", str(path))


def carried(path: Path) -> list[dict[str, Any]]:
    """The store's subscribers as the JSON export gives them, the imported fields only."""
    rows = json.loads(invoke("subscribers", "export", "--format", "json", "--config",
                             str(path)).output)
    return [{k: r[k] for k in KEPT} for r in rows]


def test_the_json_export_is_typed_and_the_csv_still_round_trips(tmp_path: Path) -> None:
    path = two_subscribers(tmp_path)
    now = NOW
    exported = invoke("subscribers", "export", "--format", "json", "--config", str(path))
    assert exported.exit_code == 0, exported.output
    rows: list[dict[str, Any]] = json.loads(exported.output)
    listed = {r["id"]: r for r in json.loads(invoke("subscribers", "list", "--json",
                                                    "--config", str(path)).output)}
    a, b = rows
    assert isinstance(a["id"], int) and a["id"] in listed and b["id"] == a["id"] + 1
    assert a["sections"] == ["Politique", "Économie"] and b["sections"] == []
    assert a["language"] == "ar" and a["consent_ip"] == "192.0.2.1"
    for key in ("language", "timezone", "consent_at", "consent_ip", "consent_user_agent",
                "consent_text_version"):
        assert b[key] is None, key  # null, as `subscribers list --json` gives it
        assert listed[b["id"]][key] is None, key
    assert b["name"] == "" and b["status"] == "active"
    assert datetime.fromisoformat(a["consent_at"]) == now
    assert datetime.fromisoformat(a["created_at"]) == now

    # CSV: text as before (sections joined, empty cells), and it imports back as the same people.
    out = invoke("subscribers", "export", "--config", str(path)).output
    cells = list(csv.DictReader(io.StringIO(out)))
    assert cells[0]["sections"] == "Politique,Économie" and cells[0]["id"] == str(a["id"])
    assert cells[1]["language"] == "" and cells[1]["consent_at"] == ""
    path2, imported = import_elsewhere(tmp_path / "again", "list.csv", out)
    assert imported.exit_code == 0 and "added 2," in imported.output, imported.output
    assert carried(path2) == [{k: r[k] for k in KEPT} for r in rows]


def test_the_json_export_imports_back_unchanged_and_names_bad_items(tmp_path: Path) -> None:
    """Our own export, either format, moves a list: the JSON one too, its bad entries named
    by their place in the list."""
    path = two_subscribers(tmp_path)
    rows = json.loads(invoke("subscribers", "export", "--format", "json", "--config",
                             str(path)).output)
    again = tmp_path / "again"
    path2, imported = import_elsewhere(again, "list.json", json.dumps(rows, ensure_ascii=False))
    assert imported.exit_code == 0 and "added 2," in imported.output, imported.output
    assert carried(path2) == [{k: r[k] for k in KEPT} for r in rows]

    bad = [{**rows[0], "email": "c@example.org"}, {**rows[1], "email": "not an address"}]
    (again / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    some = invoke("subscribers", "import", str(again / "bad.json"), "--config", str(path2))
    assert some.exit_code == 1 and "added 1," in some.output, some.output
    assert f"{again / 'bad.json'}: item 2: " in some.output, some.output
    (again / "broken.json").write_text('[{"email": "d@example.org"', encoding="utf-8")
    broken = invoke("subscribers", "import", str(again / "broken.json"), "--config", str(path2))
    assert broken.exit_code != 0 and "not valid JSON (line 1" in broken.output, broken.output
    assert "Traceback" not in broken.output
