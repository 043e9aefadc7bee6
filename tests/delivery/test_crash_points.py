"""SIGKILL at many points of an SMTP send, then a second run: nothing twice, nothing lost
but what is reported unknown (issue 15, point 5).

Each run sends a fresh issue to the same subscribers through four SMTP connections; the
sink kills the sender at a point drawn from a seeded random generator: at the MAIL or the
DATA command of the n-th transaction, after its k-th line of message data, after its
final dot (delivered) or after its reply. The next run settles what the killed one left:
rows still `sending` never had their final dot and are sent again; `handed` rows are
reported unknown (and printed). Run with -s to see the tally.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import tomli_w

from newsletter.config import config_to_dict
from newsletter.models import DeliveryStatus, RenderedIssue
from newsletter.store import Store
from tests.conftest import make_config
from tests.crash import Forker
from tests.pg import store_url
from tests.smtp_sink import KillingSink

FIRST = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 5, tzinfo=UTC)
SUBSCRIBERS = 10
# enough lines of message data for any `body` kill point (QP wraps each line at 76)
TEXT = "".join(f"Ligne {i} du numéro, pour qu'il y ait de quoi couper.\n" for i in range(40))
HTML = "".join(f"<p>Paragraphe {i}.</p>\n" for i in range(40))
RUNS = {"send": 24, "worker": 12}


def plans(mode: str, backend: str) -> list[tuple[int, str, int]]:
    """(n-th transaction, point, line) per run: seeded, so a failure can be replayed."""
    rng = random.Random(f"crash-points-{mode}-{backend}")
    return [(rng.randint(1, SUBSCRIBERS), rng.choice(KillingSink.POINTS), rng.randint(1, 40))
            for _ in range(RUNS[mode])]


@pytest.mark.parametrize("mode", ["send", "worker"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_killed_at_random_points_nothing_twice_nothing_lost_but_the_unknown(
        tmp_path: Path, backend: str, mode: str) -> None:
    tally: Counter[str] = Counter()
    with KillingSink() as sink, store_url(backend, tmp_path) as url, Forker() as fork:
        config = make_config(tmp_path, store={"url": url},
                             delivery={"sender": "smtp", "retries": 0},
                             smtp={"host": "127.0.0.1", "port": sink.port, "tls": "none",
                                   "timeout": 10.0, "connections": 4},
                             workers={"claim_batch": 6})
        path = tmp_path / "newsletter.toml"
        path.write_text(tomli_w.dumps(config_to_dict(config)), encoding="utf-8")
        store = Store.open(url)
        emails = [f"s{i}@example.org" for i in range(SUBSCRIBERS)]
        ids = {store.add_subscriber(e, now=NOW)[0]: e for e in emails}
        flags = ["--worker"] if mode == "worker" else []
        env = {"NEWSLETTER_SECRET": "s" * 40}
        for run, (n, point, line) in enumerate(plans(mode, backend)):
            day = FIRST + timedelta(days=run)
            store.save_issue(RenderedIssue(day, "fr", f"Le numéro {run}", "p",
                                           HTML + '<a href="NL__UNSUBSCRIBE_URL__NL">x</a>',
                                           TEXT + "NL__UNSUBSCRIBE_URL__NL\n"), {}, NOW)
            args = ["send", *flags, "--date", day.isoformat(), "--config", str(path)]
            what = f"run {run}: killed at {point} of message {n} (line {line})"
            sink.arm(n, point, line)
            sink.victim(fork.start(args, tmp_path / "first.out", env))
            assert fork.wait() == -9, what + ": " + (tmp_path / "first.out").read_text()
            assert sink.killed.wait(30), what  # its kill is recorded just after the death
            first = list(sink.delivered)
            sink.arm()  # the second run is left alone
            fork.start(args, tmp_path / "second.out", env)
            code = fork.wait()
            out = (tmp_path / "second.out").read_text()
            printed = int(re.search(r"unknown (\d+)", out).group(1))  # type: ignore[union-attr]
            delivered = first + sink.delivered
            ledger = store.ledger_status(day, list(ids))
            unknown = {ids[sid] for sid, status in ledger.items() if status == "unknown"}
            copies = Counter(r for rcpts, _ in delivered for r in rcpts)
            assert set(copies.values()) <= {1}, f"{what}: sent twice: {copies}"
            assert set(emails) - set(copies) <= unknown, f"{what}: lost: {ledger}"
            assert set(ledger.values()) <= {DeliveryStatus.SENT, DeliveryStatus.UNKNOWN}, what
            assert printed == len(unknown), f"{what}: {out}"
            assert code == (1 if unknown else 0), f"{what}: {out}"
            assert store.issue_status(day, "fr") == "sent", what
            tally[point] += 1
            tally["unknown"] += len(unknown)
            tally["unknown but delivered"] += len(unknown & set(copies))
            tally["resent (final dot never sent)"] += int(
                re.search(r"(\d+) never delivered", out).group(1)  # type: ignore[union-attr]
                if "never delivered" in out else 0)
        store.close()
    points = ", ".join(f"{p} {tally[p]}" for p in KillingSink.POINTS)
    print(f"\n{backend} {mode}: {RUNS[mode]} kills ({points}); "
          f"{SUBSCRIBERS} subscribers a run: unknown {tally['unknown']} "
          f"(of which delivered {tally['unknown but delivered']}), resent because their final "
          f"dot never went {tally['resent (final dot never sent)']}, sent twice 0, lost 0")
