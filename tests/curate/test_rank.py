from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner

from newsletter.cli import main
from newsletter.curate import EditorialRules, build_briefing
from newsletter.curate.cluster import cluster_stories
from newsletter.curate.rank import score_clusters, select
from tests.curate.test_briefing import CUTOFF, STORIES, settings, story

DAY = date(2026, 11, 27)


def headlines(**overrides: object) -> list[str]:
    briefing = build_briefing(STORIES, settings(**overrides), issue_date=DAY, now=CUTOFF)
    return [i.headline for i in briefing.items + briefing.in_brief]


def test_section_and_keyword_weights_move_stories() -> None:
    base = headlines()
    assert base.index("Le Raja gagne le derby") > 0
    boosted = headlines(rules=EditorialRules(section_weights=(("sport", 5.0),)))
    assert boosted[0] == "Le Raja gagne le derby"  # section names match case-insensitively
    sunk = headlines(rules=EditorialRules(keyword_weights=(("Tempête", 0.01),)))
    assert not sunk[0].startswith("Tempête")


def test_pins_lead_in_order_and_blocks_remove() -> None:
    rules = EditorialRules(pins=("https://atlas.example/21?utm_source=x", "https://gazette.example/3"),
                           block_domains=("sport.example",), block_keywords=("Tanger",))
    items = headlines(rules=rules)
    assert items[:2] == ["Nouvelle locale 11 sur le marché de Settat",
                         "Bank Al-Maghrib maintient son taux directeur"]
    assert "Le Raja gagne le derby" not in items
    assert not any("Tanger" in h for h in items)


def test_redundancy_keeps_one_event_from_filling_the_issue() -> None:
    near = [story(60 + i, f"Tempête Mirna : nouveau bilan à Casablanca, épisode {i}", f"S{i}", 1)
            for i in range(4)]
    stories = near + [story(70, "Le Raja gagne le derby", "Sport", 2, section="Sport"),
                      story(71, "Bank Al-Maghrib maintient son taux", "Gazette", 3)]
    clusters = cluster_stories(stories, threshold=1.01, language="fr")  # keep them apart
    ranked = score_clusters(clusters, now=CUTOFF, half_life_hours=12, language="fr")
    plain = select(ranked, max_per_source=9, max_per_section=9, redundancy=0.0, limit=3)
    mmr = select(ranked, max_per_source=9, max_per_section=9, redundancy=1.0, limit=3)
    assert sum("Tempête" in s.cluster.lead.title for s in plain[:3]) == 3
    assert sum("Tempête" in s.cluster.lead.title for s in mmr[:3]) == 1
    assert {s.cluster.lead.title for s in mmr[1:3]} == {"Le Raja gagne le derby",
                                                       "Bank Al-Maghrib maintient son taux"}


def test_rank_explain_shows_components_and_blocked(tmp_path: Path) -> None:
    from newsletter.store import Store

    config = tmp_path / "newsletter.toml"
    config.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n[schedule]\ncutoff = "06:00"\n'
                      '[newsletter]\ntimezone = "UTC"\n[keywords]\n"derby" = 2.0\n')
    (tmp_path / "overrides.toml").write_text('block_keywords = ["Oujda"]\n')
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    store.add_stories(STORIES, CUTOFF)
    result = CliRunner().invoke(main, ["rank", "--explain", "--date", "2026-11-27",
                                       "--config", str(config)])
    assert result.exit_code == 0, result.output
    out = result.output
    for signal in ("freshness", "source", "coverage", "placement", "section", "magnitude",
                   "service", "live", "keywords"):
        assert f"{signal} " in out  # every signal with its value
    assert "keywords 2.000" in out
    assert "place: highest value left" in out  # every place has its reason
    assert "the issue as the email shows it" in out and "ESSENTIALS" in out
    assert "grouped under «Société» with #1" in out  # the final order, sections and all
    assert "blocked:" in out and "keyword 'Oujda' blocked" in out


def test_a_story_below_a_better_scored_one_says_why() -> None:
    """Caps and redundancy move stories against their score: the reason is recorded."""
    atlas = [story(80 + i, f"Atlas, nouvelle {w}", "Atlas", 1 + i)
             for i, w in enumerate(["un", "deux", "trois"])]
    other = story(90, "Gazette, une nouvelle plus ancienne", "Gazette", 9)
    clusters = cluster_stories([*atlas, other], threshold=1.01, language="fr")
    ranked = score_clusters(clusters, now=CUTOFF, half_life_hours=12, language="fr")
    chosen = select(ranked, max_per_source=2, max_per_section=9, redundancy=0.0, limit=4)
    titles = [c.cluster.lead.title for c in chosen]
    assert titles.index("Gazette, une nouvelle plus ancienne") < titles.index("Atlas, nouvelle trois")
    held = dict(chosen[titles.index("Atlas, nouvelle trois")].reasons)["place"]
    assert "Atlas already leads 2 stories ([curate] max_per_source)" in held
    # Three of four stories name Mirna and Casablanca: no rare names, so selection does not join
    # them as one event (curate/same_event.py) and the penalty is what moves them.
    near = [story(60 + i, f"Tempête Mirna : nouveau bilan à Casablanca, épisode {i}", f"S{i}", 1)
            for i in range(3)]
    clusters = cluster_stories([*near, other], threshold=1.01, language="fr")
    ranked = score_clusters(clusters, now=CUTOFF, half_life_hours=12, language="fr")
    mmr = select(ranked, max_per_source=9, max_per_section=9, redundancy=1.0, limit=4)
    second = next(dict(c.reasons)["place"] for c in mmr[1:] if "Tempête" in c.cluster.lead.title)
    assert "redundancy" in second and "close to «Tempête Mirna" in second


def test_section_names_map_categories_to_headings() -> None:
    briefing = build_briefing(STORIES, settings(section_names=(("société", "À la une"),)),
                              issue_date=DAY, now=CUTOFF)
    sections = {i.section for i in briefing.items}
    assert "À la une" in sections and "Société" not in sections
