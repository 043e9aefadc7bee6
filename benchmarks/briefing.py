"""Benchmark: what leads the briefing, on real publishers' feeds and on the demo's samples.

Each real feed of --real (served on 127.0.0.1 by a tiny http.server) is one publisher's day:
the 24 hours up to its newest item, collected and built through the pipeline with no
configuration beyond the feed (its language, as an editor would set it; no article pages
fetched: the network stays on 127.0.0.1). The demo's samples are a multi-publisher morning.

For each issue it prints the chosen items with their signals, the minutes filled (words
read / the reading time), the share of events told by two or more publishers that made the
issue, and how many captions, rubric labels and live blogs reached it (newsletter/text/
furniture.py decides). Beside it, the same day in plain time order with max_items = 10 (the
old defaults): its three leads and its minutes. The last line is one JSON object with
every figure.

    python benchmarks/briefing.py [--real /work/shared/eval/real-feeds/feeds]

The real feeds belong to their publishers: this script reads them, nothing else may copy them.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsletter import pipeline  # noqa: E402
from newsletter.config import load_config  # noqa: E402
from newsletter.curate.briefing import briefing_from_ranked, rank_stories  # noqa: E402
from newsletter.curate.newsvalue import NewsValue  # noqa: E402
from newsletter.curate.rank import site_of  # noqa: E402
from newsletter.errors import NewsletterError  # noqa: E402
from newsletter.models import Briefing, BriefingItem, ScoredCluster  # noqa: E402
from newsletter.text import split_sentences  # noqa: E402
from newsletter.text.furniture import is_live_blog, looks_like_caption, strip_rubric  # noqa: E402

DEFAULT_REAL = Path("/work/shared/eval/real-feeds/feeds")
# What an editor would write in [[feeds]]: a name and the language (some feeds declare a
# wrong one: Le Monde's 2014 feed says "en").
PUBLISHERS = {
    "lemonde": ("Le Monde", "fr"), "lefigaro": ("Le Figaro", "fr"),
    "theguardian": ("The Guardian", "en"), "dailymail": ("Daily Mail", "en"),
    "nytimes": ("The New York Times", "en"), "nbcnewyork": ("NBC New York", "en"),
    "reuters": ("Reuters", "en"), "uol": ("UOL", None),
}
SIGNALS = ("freshness", "coverage", "placement", "section", "magnitude", "service", "live")
SHORT = {"freshness": "fresh", "coverage": "cov", "placement": "place", "section": "sect",
         "magnitude": "mag", "service": "svc", "live": "live"}


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """The folder on http://127.0.0.1:<port>, quietly."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def newest_item(path: Path) -> datetime | None:
    import calendar

    import feedparser

    parsed = feedparser.parse(path.read_bytes())
    times = [calendar.timegm(e.published_parsed) for e in parsed.entries
             if e.get("published_parsed")]
    return datetime.fromtimestamp(max(times), tz=UTC) if times else None


def feed_config(folder: Path, url: str, name: str, language: str | None, end: datetime) -> Path:
    """A config whose issue window is the 24 hours up to ``end`` (UTC)."""
    lang = language or "en"
    feed_language = f'language = "{language}"\n' if language else ""
    path = folder / "newsletter.toml"
    path.write_text(
        f'[newsletter]\nlanguage = "{lang}"\ntimezone = "UTC"\nname = "Bench"\n'
        f'[store]\nurl = "sqlite:///{folder / "bench.sqlite3"}"\n'
        f'[schedule]\ncutoff = "{end:%H:%M}"\n[collect]\nwindow_hours = 24\nparse_processes = 1\n'
        f'[[feeds]]\nurl = "{url}"\nname = "{name}"\nfull_text = "never"\n{feed_language}',
        encoding="utf-8")
    return path


def furniture(items: list[BriefingItem], language: str) -> dict[str, Any]:
    """Captions, rubric labels and live blogs that reached the issue (and which)."""
    found: dict[str, list[str]] = {"captions": [], "rubric_labels": [], "live_blogs": []}
    for item in items:
        sentences = split_sentences(item.summary, language) if item.summary else []
        found["captions"] += [s for s in sentences if looks_like_caption(s, language)]
        found["rubric_labels"] += [t for t in (item.headline, item.summary)
                                   if t and strip_rubric(t, language) != t]
        if is_live_blog(item.headline, item.url):
            found["live_blogs"].append(item.headline)
    return {**{k: len(v) for k, v in found.items()}, "furniture_found": found}


def old_defaults(settings: Any) -> Any:
    """The ranking before news value: time order, no lexicon, no placement, 10 items."""
    plain = NewsValue(weights=(("front_page_top", 1.0), ("live_blog", 1.0)))
    return replace(settings, news_value=plain, max_items=10, half_life_hours=12.0)


def measure(name: str, config_path: Path, issue_date: date, clock: datetime) -> dict[str, Any]:
    config = load_config(config_path)
    store = pipeline.open_store(config)
    try:
        pipeline.collect_stage(config, store, issue_date=issue_date, clock=lambda: clock)
        start, end = pipeline.issue_window(config, issue_date)
        stories = store.stories_between(start, end)
        try:
            briefing, _ = pipeline.build_stage(config, store, issue_date, clock=lambda: clock)
        except NewsletterError as exc:
            return {"issue": name, "date": issue_date.isoformat(), "stories": len(stories),
                    "error": exc.message}
        ranked, _ = pipeline.rank_stage(config, store, issue_date)
        settings = pipeline.curate_settings(config)
        old = briefing_from_ranked(rank_stories(stories, old_defaults(settings), end),
                                   old_defaults(settings), issue_date=issue_date,
                                   stories_seen=len(stories))
    finally:
        store.close()
    return describe(name, issue_date, stories, briefing, ranked, settings, old)


def describe(name: str, issue_date: date, stories: list[Any], briefing: Briefing,
             ranked: list[ScoredCluster], settings: Any, old: Briefing) -> dict[str, Any]:
    budget = settings.reading_minutes * settings.words_per_minute
    by_lead = {s.cluster.lead.id: s for s in ranked}
    placed = {i.story_id for i in (*briefing.items, *briefing.in_brief)}
    multi = [s for s in ranked if len({site_of(x.url) for x in s.cluster.stories}) > 1]
    chosen = []
    for part, items in (("item", briefing.items), ("brief", briefing.in_brief)):
        for item in items:
            scored = by_lead.get(item.story_id)
            values = dict(scored.components) if scored else {}
            chosen.append({"rank": item.rank, "part": part, "headline": item.headline,
                           "signals": {k: round(values.get(k, 1.0), 3) for k in SIGNALS},
                           "score": item.score})
    return {
        "issue": name, "date": issue_date.isoformat(), "stories": len({s.id for s in stories}),
        "candidates": len(ranked), "items": len(briefing.items), "in_brief": len(briefing.in_brief),
        "words": briefing.word_count, "budget_words": budget,
        "filled": round(briefing.word_count / budget, 3), "minutes_shown": briefing.reading_minutes,
        "multi_publisher_events": len(multi),
        "multi_publisher_in_issue": sum(1 for s in multi if s.cluster.lead.id in placed),
        **furniture([*briefing.items, *briefing.in_brief], briefing.language),
        "leads": [i.headline for i in briefing.items[:3]], "chosen": chosen,
        "old_leads": [i.headline for i in old.items[:3]],
        "old_filled": round(old.word_count / budget, 3),
    }


def real_days(folder: Path, base_url: str, work: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(folder.glob("*.xml")):
        name, language = PUBLISHERS.get(path.name.split("-")[0], (path.stem, None))
        newest = newest_item(path)
        end = (newest or datetime.now(UTC)) + timedelta(minutes=1)
        end = end.replace(second=0, microsecond=0) + timedelta(minutes=1)
        here = work / path.stem
        here.mkdir()
        config = feed_config(here, f"{base_url}/{path.name}", name, language, end)
        yield measure(path.stem, config, end.date(), end)


def demo_day(work: Path) -> dict[str, Any]:
    from newsletter.demo import SAMPLE_DATE
    from newsletter.demo.run import demo_config

    config = demo_config(work / "demo", "fr", SAMPLE_DATE)  # "today" pinned to the samples' day
    clock = datetime.combine(SAMPLE_DATE, datetime.min.time(), tzinfo=UTC) + timedelta(hours=6)
    return measure("demo samples (fr)", config, SAMPLE_DATE, clock)


def show(result: dict[str, Any]) -> None:
    print(f"\n== {result['issue']} — {result['date']}")
    if "error" in result:
        print(f"   {result['stories']} stories in the window; no issue: {result['error']}")
        return
    share = (f"{result['multi_publisher_in_issue']}/{result['multi_publisher_events']}"
             if result["multi_publisher_events"] else "n/a (one publisher)")
    print(f"   {result['stories']} stories, {result['candidates']} candidates, "
          f"{result['items']} items + {result['in_brief']} in brief, "
          f"{result['words']}/{result['budget_words']} words = {result['filled']:.0%} "
          f"of the reading time ({result['minutes_shown']} min shown); old defaults "
          f"{result['old_filled']:.0%}")
    print(f"   events told by 2+ publishers in the issue: {share}; captions "
          f"{result['captions']}, rubric labels {result['rubric_labels']}, live blogs "
          f"{result['live_blogs']}")
    for kind, texts in result["furniture_found"].items():
        for text in texts:
            print(f"   ! {kind[:-1].replace('_', ' ')}: {text[:100]}")
    print(f"   {'#':>3} {'part':5} {'score':>7}  {'signals':44}  headline")
    for c in result["chosen"]:
        signals = " ".join(f"{SHORT[k]} {v:.2f}" for k, v in c["signals"].items()
                           if v != 1.0 or k in ("freshness",))
        print(f"   {c['rank']:>3} {c['part']:5} {c['score']:7.3f}  {signals:44}  "
              f"{c['headline'][:80]}")
    print("   old defaults' leads: " + " | ".join(h[:60] for h in result["old_leads"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", type=Path, default=DEFAULT_REAL)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.real.is_dir():
            with serve(args.real) as base_url:
                for result in real_days(args.real, base_url, work):
                    show(result)
                    results.append(result)
        else:
            print(f"(no real feeds at {args.real}: the demo's samples only)")
        result = demo_day(work)
        show(result)
        results.append(result)
    built = [r for r in results if "error" not in r]
    multi = sum(r["multi_publisher_events"] for r in built)
    # Where the day had more candidates than the issue took, the reading time was the limit.
    limited = [r for r in built if r["candidates"] > r["items"] + r["in_brief"]]
    totals = {
        "issues": len(results), "built": len(built),
        "mean_filled": round(sum(r["filled"] for r in built) / max(1, len(built)), 3),
        "mean_filled_old_defaults": round(sum(r["old_filled"] for r in built) / max(1, len(built)), 3),
        "issues_with_candidates_left": len(limited),
        "min_filled_with_candidates_left": min((r["filled"] for r in limited), default=None),
        "min_filled_old_defaults_same_issues": min((r["old_filled"] for r in limited),
                                                   default=None),
        "multi_publisher_share": round(sum(r["multi_publisher_in_issue"] for r in built)
                                       / multi, 3) if multi else None,
        "captions": sum(r["captions"] for r in built),
        "rubric_labels": sum(r["rubric_labels"] for r in built),
        "live_blogs": sum(r["live_blogs"] for r in built),
    }
    print(f"\ntotals: {totals}")
    print(json.dumps({"issues": results, "totals": totals}, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
