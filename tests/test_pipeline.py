"""`newsletter run` from a config file: broken feeds, re-runs, the ledger."""

from __future__ import annotations

from pathlib import Path

import tomli_w
from click.testing import CliRunner

from newsletter.cli import main
from newsletter.config import config_to_dict
from newsletter.demo import SampleFeedServer
from newsletter.pipeline import issue_window, open_store
from tests.conftest import DEMO_DATE, make_config, new_store, parse_eml
from tests.smtp_sink import SmtpSink

SAMPLE_CSV = Path(__file__).parent.parent / "subscribers" / "sample.csv"


def write_config(tmp_path: Path, base_url: str, **sections: dict[str, object]) -> Path:
    config = make_config(tmp_path, base_url, **sections)
    data = config_to_dict(config)
    data["feeds"].append({"url": f"{base_url}/feeds/gone.xml", "name": "Gone"})
    path = tmp_path / "newsletter.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return new_store(path)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_run_twice_sends_once_and_says_so(tmp_path: Path, feed_server: SampleFeedServer) -> None:
    path = write_config(tmp_path, feed_server.base_url)
    code, out = invoke("subscribers", "import", str(SAMPLE_CSV), "--config", str(path))
    assert code == 0 and "added 5" in out
    code, out = invoke("run", "--config", str(path), "--date", DEMO_DATE.isoformat())
    assert code == 1  # broken.xml and gone.xml failed ...
    assert f"FAILED {feed_server.base_url}/feeds/gone.xml: HTTP 404" in out
    assert f"FAILED {feed_server.base_url}/feeds/broken.xml" in out
    assert "messages: 5 written" in out  # ... and the issue still went out
    outbox = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(outbox) == 5
    before = [p.read_bytes() for p in outbox]
    code, out = invoke("run", "--config", str(path), "--date", DEMO_DATE.isoformat())
    assert "messages: 0 written" in out and "nothing to send" in out
    assert "already sent: not rebuilt" in out or "already sent" in out
    assert [p.read_bytes() for p in sorted((tmp_path / "outbox").glob("*.eml"))] == before
    store = open_store(make_config(tmp_path))
    assert store.delivery_counts(DEMO_DATE) == {"sent": 5}


def test_a_new_subscriber_gets_the_issue_on_the_next_run(tmp_path: Path,
                                                         feed_server: SampleFeedServer) -> None:
    path = write_config(tmp_path, feed_server.base_url)
    invoke("subscribers", "import", str(SAMPLE_CSV), "--config", str(path))
    invoke("run", "--config", str(path), "--date", DEMO_DATE.isoformat())
    code, out = invoke("subscribers", "add", "late@example.org", "--config", str(path))
    assert code == 0
    code, out = invoke("run", "--config", str(path), "--date", DEMO_DATE.isoformat())
    assert "messages: 1 written" in out
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 6


def test_run_through_smtp(tmp_path: Path, feed_server: SampleFeedServer) -> None:
    with SmtpSink() as sink:
        path = write_config(tmp_path, feed_server.base_url,
                            delivery={"sender": "smtp"},
                            smtp={"host": "127.0.0.1", "port": sink.port, "tls": "none"})
        invoke("subscribers", "import", str(SAMPLE_CSV), "--config", str(path))
        code, out = invoke("run", "--config", str(path), "--date", DEMO_DATE.isoformat())
        assert "messages: 5 sent" in out
    assert sorted(r for _, rcpts, _ in sink.messages for r in rcpts) == sorted(
        line.split(",")[0] for line in SAMPLE_CSV.read_text().splitlines()[1:])
    raw = sink.messages[0][2]
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw


def test_unsubscribed_people_are_skipped_and_never_reimported(
        tmp_path: Path, feed_server: SampleFeedServer) -> None:
    path = write_config(tmp_path, feed_server.base_url)
    invoke("subscribers", "import", str(SAMPLE_CSV), "--config", str(path))
    code, out = invoke("subscribers", "remove", "julien.morel@example.org", "--config", str(path))
    assert code == 0
    code, out = invoke("subscribers", "import", str(SAMPLE_CSV), "--config", str(path))
    assert "refused 1" in out and "julien.morel@example.org" in out
    invoke("run", "--config", str(path), "--date", DEMO_DATE.isoformat())
    recipients = {parse_eml(p)["To"].addresses[0].addr_spec
                  for p in (tmp_path / "outbox").glob("*.eml")}
    assert "julien.morel@example.org" not in recipients and len(recipients) == 4


def test_issue_window_is_local_cutoff(tmp_path: Path) -> None:
    config = make_config(tmp_path, schedule={"cutoff": "06:00"},
                         newsletter={"timezone": "Europe/Paris"})
    start, end = issue_window(config, DEMO_DATE)
    assert end.isoformat() == "2026-11-27T05:00:00+00:00"
    assert (end - start).total_seconds() == 24 * 3600


def test_bad_subscriber_rows_are_reported_by_line(tmp_path: Path) -> None:
    csv = tmp_path / "list.csv"
    csv.write_text("email,name,language\nok@example.org,Ok,fr\nnot-an-address,X,fr\n"
                   "ok@example.org,Dup,fr\nlang@example.org,L,de\nOther@Example.ORG,,en\n",
                   encoding="utf-8")
    path = tmp_path / "newsletter.toml"
    path.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n', encoding="utf-8")
    new_store(path)
    result = CliRunner().invoke(main, ["subscribers", "import", str(csv), "--config", str(path)])
    assert result.exit_code == 1
    assert "added 2" in result.output
    assert f"{csv}:3: invalid email address" in result.output
    assert f"{csv}:4: duplicate" in result.output
    assert f"{csv}:5: language must be one of" in result.output
    listing = CliRunner().invoke(main, ["subscribers", "list", "--config", str(path)])
    assert "other@example.org" in listing.output
