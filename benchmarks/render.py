"""Benchmark: per-subscriber messages by substitution into the stored issue, against
re-running jinja2 + premailer for every subscriber.

Messages count only when their complete bytes (MIME headers and encoded parts) are
ready for a sender. Also prints peak Python memory (tracemalloc) while producing the
messages of 10,000 and 100,000 subscribers in batches, as the send loop does.
Last line: one JSON object with every figure.

    python benchmarks/render.py [--subscribers 10000] [--baseline 100] [--big 100000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsletter.compose import MessageFactory, render_issue  # noqa: E402
from newsletter.compose import render as render_module  # noqa: E402
from newsletter.compose.inline import inline_css  # noqa: E402
from newsletter.models import Briefing, BriefingItem, RenderedIssue, SourceRef, Subscriber  # noqa: E402
from newsletter.tokens import UNSUBSCRIBE, Tokens  # noqa: E402

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
TOKENS = Tokens(b"benchmark-secret-" + b"x" * 32)
BATCH = 500


def sample_briefing() -> Briefing:
    words = ("La séance du conseil a duré plus de quatre heures, et les élus ont adopté le texte "
             "après un long débat sur le financement des transports et des écoles de la région.")
    items = tuple(BriefingItem(
        rank=i, headline=f"Titre numéro {i} : un événement important de la journée à Casablanca",
        url=f"https://news.example.org/2026/11/29/article-{i}", summary=f"{words} {words}",
        source="Le Quotidien", also_in=(SourceRef("Dépêches", f"https://dep.example/{i}",
                                                  "https://dep.example/rss"),),
        section=("Politique", "Économie", "Sport", "Société")[i % 4], reading_minutes=3,
        summary_words=60, score=1.0, story_id=f"s{i}") for i in range(1, 11))
    brief = tuple(BriefingItem(
        rank=10 + i, headline=f"En bref numéro {i} : une autre nouvelle de la matinée",
        url=f"https://news.example.org/brief/{i}", summary="", source="Sport Matin", also_in=(),
        section="", reading_minutes=None, summary_words=0, score=0.5, story_id=f"b{i}")
        for i in range(6))
    return Briefing(issue_date=date(2026, 11, 29), language="fr", title="Le Brief",
                    subject="Titre numéro 1 : un événement important", preheader="Titre 2 · Titre 3",
                    items=items, in_brief=brief, reading_minutes=4, word_count=900,
                    stories_seen=200)


def unsubscribe_url(subscriber: Subscriber) -> str:
    return f"https://news.example.org/unsubscribe/{TOKENS.make(UNSUBSCRIBE, subscriber.id)}"


def factory_for(issue: RenderedIssue) -> MessageFactory:
    return MessageFactory(issue, sender_address="Le Brief <brief@news.example.org>",
                          list_name="Le Brief", domain="news.example.org",
                          unsubscribe_url=unsubscribe_url,
                          unsubscribe_mailto=lambda s: f"mailto:unsubscribe@news.example.org"
                                                       f"?subject={s.id}")


def subscribers(count: int) -> list[Subscriber]:
    return [Subscriber(i, f"reader{i}@example.org", f"Lecteur {i}") for i in range(1, count + 1)]


def ours(issue: RenderedIssue, count: int) -> tuple[float, int]:
    factory = factory_for(issue)
    total = 0
    started = time.perf_counter()
    for start in range(1, count + 1, BATCH):
        batch = [factory.build(Subscriber(i, f"reader{i}@example.org", f"Lecteur {i}"), NOW)
                 for i in range(start, min(count + 1, start + BATCH))]
        total += sum(len(m.data) for m in batch)
    return time.perf_counter() - started, total


def baseline(briefing: Briefing, count: int) -> float:
    """Per subscriber: jinja2 with the subscriber's link, premailer, then the same MIME."""
    env = render_module._environment(True)
    context = render_module._context(briefing, postal_address="12 rue Exemple, Casablanca",
                                     web_url="https://news.example.org/issues/2026-11-29")
    context["more_online"] = 0
    started = time.perf_counter()
    for subscriber in subscribers(count):
        html = inline_css(env.get_template("email/briefing.html").render(
            {**context, "unsubscribe_url": unsubscribe_url(subscriber)}))
        issue = RenderedIssue(briefing.issue_date, "fr", briefing.subject, briefing.preheader,
                              html, "texte")
        factory_for(issue).build(subscriber, NOW)
    return time.perf_counter() - started


def peak_memory(issue: RenderedIssue, count: int) -> float:
    tracemalloc.start()
    ours(issue, count)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=100,
                        help="subscribers for the slow baseline (its rate is what counts)")
    parser.add_argument("--big", type=int, default=100_000)
    args = parser.parse_args()
    briefing = sample_briefing()
    issue = render_issue(briefing, postal_address="12 rue Exemple, Casablanca",
                         web_url="https://news.example.org/issues/2026-11-29")
    sample = factory_for(issue).build(Subscriber(1, "reader1@example.org"), NOW).data
    ours_s, total_bytes = ours(issue, args.subscribers)
    base_s = baseline(briefing, args.baseline)
    ours_rate = args.subscribers / ours_s
    base_rate = args.baseline / base_s
    small_mb = peak_memory(issue, args.subscribers)
    big_mb = peak_memory(issue, args.big)
    figures = {
        "message_kb": round(len(sample) / 1024, 1), "html_kb": round(len(issue.html) / 1024, 1),
        "ours_messages_per_s": round(ours_rate), "baseline_messages_per_s": round(base_rate, 1),
        "speedup": round(ours_rate / base_rate, 1), "subscribers": args.subscribers,
        "baseline_subscribers": args.baseline,
        "peak_mb_small": round(small_mb, 2), "peak_mb_big": round(big_mb, 2),
        "big_subscribers": args.big, "memory_growth": round(big_mb / small_mb, 2),
        "bytes_produced": total_bytes,
    }
    print(f"one message: {figures['message_kb']} KB (HTML {figures['html_kb']} KB)")
    print(f"  {'substitution into the stored issue':<44} {ours_rate:>9.0f} msg/s "
          f"({args.subscribers} subscribers)")
    print(f"  {'jinja2 + premailer per subscriber':<44} {base_rate:>9.1f} msg/s "
          f"({args.baseline} subscribers)")
    print(f"  speed-up {figures['speedup']}x (target >= 100)")
    print(f"  peak memory {small_mb:.2f} MB for {args.subscribers}, {big_mb:.2f} MB for "
          f"{args.big} (target: flat)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
