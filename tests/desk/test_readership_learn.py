"""End to end: clicks recorded through the store move tomorrow's ranking, within the bound;
`rank --explain` says by how much and why; major news keeps its place."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter import pipeline
from newsletter.cli import main
from newsletter.config import Config, load_config
from newsletter.models import ClickCount, DeliveryStatus, ScoredCluster
from newsletter.store import Store
from tests.compose.test_checks import briefing, item
from tests.curate.test_briefing import CUTOFF, story

DAY = date(2026, 11, 27)  # the issue being ranked (cut-off 06:00 UTC)
TODAY = [
    story(1, "Le Raja bat le Wydad dans un derby animé", "Atlas", 1, section="Sport"),
    story(2, "Nouvelle halle pour le marché de Settat", "Gazette", 12, section="Société"),
    story(3, "Incendie à Fès : au moins 12 morts dans un entrepôt", "Gazette", 20,
          section="Société"),
]


def write_config(tmp_path: Path, learn: bool) -> Config:
    path = tmp_path / f"newsletter-{learn}.toml"
    path.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n[schedule]\ncutoff = "06:00"\n'
                    '[newsletter]\nlanguage = "fr"\ntimezone = "UTC"\n'
                    '[delivery]\noutbox_dir = "outbox"\n'
                    f'[readership]\nclicks = true\nlearn = {str(learn).lower()}\n',
                    encoding="utf-8")
    return load_config(path)


def past_issues(config: Config, store: Store) -> None:
    """Three sent issues (200 messages each) where Sport drew three times the clicks of
    Société at the same places, whichever led."""
    store.add_subscribers([{"email": f"r{i}@example.org"} for i in range(200)],
                          datetime(2026, 11, 1, tzinfo=UTC))
    ids = [r["id"] for r in store.list_subscribers()]
    for back in (1, 2, 3):
        day = DAY - timedelta(days=back)
        first, second = ("Sport", "Société") if back % 2 else ("Société", "Sport")
        items = tuple(item(n, section=first if n % 2 else second,
                           source="Atlas" if n % 2 else "Gazette", story_id=f"{day}-{n}")
                      for n in range(1, 9))
        b = briefing(issue_date=day, language="fr", items=items[:6], in_brief=items[6:])
        store.save_issue(pipeline.render_briefing(config, b), pipeline.briefing_to_dict(b),
                         datetime.combine(day, datetime.min.time(), UTC))
        sent = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=7)
        store.claim_deliveries(day, [(i, f"<{day}-{i}@x.example>") for i in ids], sent)
        store.record_deliveries(day, [(i, DeliveryStatus.SENT, "") for i in ids], sent)
        store.set_issue_status(day, "sent")
        store.add_clicks(ClickCount(day, "fr", i.story_id, sent + timedelta(hours=1), "reader",
                                    (60 if i.section == "Sport" else 20) // (1 + n // 3))
                         for n, i in enumerate(items))
    # Clicks counted after the issue's cut-off are not what its ranking could know.
    late = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    store.add_clicks([ClickCount(DAY - timedelta(days=1), "fr", f"{DAY - timedelta(days=1)}-2",
                                 late, "reader", 50_000)])


def ranked(config: Config, store: Store) -> dict[str, ScoredCluster]:
    candidates, _ = pipeline.rank_stage(config, store, DAY)
    return {s.cluster.lead.title: s for s in candidates}


def test_clicks_in_the_store_move_tomorrows_ranking_within_the_bound(tmp_path: Path) -> None:
    off, on = write_config(tmp_path, False), write_config(tmp_path, True)
    store = Store.open(on.database_url)
    store.add_stories(TODAY, CUTOFF)
    past_issues(on, store)
    plain, nudged = ranked(off, store), ranked(on, store)
    derby, market, fire = (s.title for s in TODAY)
    # without the nudge the market story leads the derby; readers' clicks turn it round
    assert plain[market].score > plain[derby].score
    assert nudged[derby].score > nudged[market].score
    sport = dict(nudged[derby].components)["readership"]
    society = dict(nudged[market].components)["readership"]
    assert 1.0 < sport <= 1.25 and 1 / 1.25 <= society < 1.0
    for title in (derby, market, fire):
        ratio = nudged[title].score / plain[title].score
        assert 1 / 1.25 * (1 - 1e-5) <= ratio <= 1.25 * (1 + 1e-5)
    assert all("readership" not in dict(s.components) for s in plain.values())
    # the deadly fire is Société too, but major news: never lowered
    assert dict(nudged[fire].components)["readership"] == 1.0
    assert "major news" in dict(nudged[fire].reasons)["readership"]
    # the 50,000 clicks counted after the cut-off did not lift Société
    why = dict(nudged[market].reasons)["readership"]
    assert "section «Société» ×0." in why and "2026-11-24 – 2026-11-26" in why


def test_rank_explain_shows_the_nudge_and_where_it_came_from(tmp_path: Path) -> None:
    config = write_config(tmp_path, True)
    store = Store.open(config.database_url)
    store.add_stories(TODAY, CUTOFF)
    past_issues(config, store)
    result = CliRunner().invoke(main, ["rank", "--explain", "--date", str(DAY), "--config",
                                       str(config.source)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("readership nudge: 3 issues 2026-11-24 – 2026-11-26, 600 delivered "
                          "messages")
    assert "bounded to [0.800, 1.25]" in out
    lines = out.splitlines()
    derby = lines.index(next(line for line in lines if "Le Raja bat le Wydad" in line))
    block = "\n".join(lines[derby: derby + 14])
    assert "readership 1.2" in block  # in the product of the score
    reason = next(line for line in lines[derby:] if line.strip().startswith("readership:"))
    assert "section «Sport» ×1." in reason and "source Atlas ×" in reason
    assert "600 delivered" in reason and "reader clicks on 12 stories" in reason
    assert "2026-11-24 – 2026-11-26" in reason


@pytest.mark.parametrize("factor", [1.0, 2.5])
def test_the_bound_is_checked_to_lie_above_1_and_at_most_2(tmp_path: Path, factor: float
                                                            ) -> None:
    from newsletter.errors import ConfigError

    path = tmp_path / "newsletter.toml"
    path.write_text(f'[readership]\nlearn = true\nlearn_max_factor = {factor}\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[readership\] learn_max_factor"):
        load_config(path)
