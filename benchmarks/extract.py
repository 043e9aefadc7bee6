"""Benchmark: article text extraction (trafilatura) against known main text, and its speed.

Sets:
  ours       the demo's article pages (newsletter/demo/articles.py): invented news in
             French, English and Arabic with realistic clutter; the exact expected text is known.
  reference  real pages with a reference extraction (the mozilla/readability
             ``*.source.html`` / ``*.expected.html`` pairs in --real, when the folder exists).
  timing     every other real page in --real (no reference): pages per second only.

For each trafilatura configuration, and for two baselines measured in the same run (all
<p> text via lxml; readability-lxml when installed), prints word-level F1 (bag of words)
per set and pages per second of extraction (bytes in memory: no network, one process).
The last line is one JSON object with every figure.

    python benchmarks/extract.py [--real /work/shared/eval/real-feeds/pages] [--repeat 3]

The real pages belong to their publishers: this script reads them, nothing else may copy them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsletter.demo import articles as demo  # noqa: E402
from newsletter.feeds.articles import ExtractOptions, extract_article  # noqa: E402

DEFAULT_REAL = Path("/work/shared/eval/real-feeds/pages")
_WORD = re.compile(r"\w+")

Page = tuple[str, bytes, str | None, str, str]  # name, html, expected text or None, url, language


def words(text: str) -> Counter[str]:
    return Counter(w.casefold() for w in _WORD.findall(text))


def f1(got: str, expected: str) -> tuple[float, float, float]:
    """Word-level precision, recall and F1 (bags of words, case-folded)."""
    g, e = words(got), words(expected)
    common = sum((g & e).values())
    if not common:
        return 0.0, 0.0, 0.0
    precision, recall = common / sum(g.values()), common / sum(e.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def html_text(fragment: bytes) -> str:
    """The text of a reference extraction (readability's expected.html)."""
    import lxml.html

    tree = lxml.html.fromstring(fragment.decode("utf-8", "replace"))  # no charset declared
    for bad in tree.xpath("//script|//style|//iframe"):
        bad.drop_tree()
    return " ".join(tree.text_content().split())


def our_pages() -> list[Page]:
    return [(link, demo.article_page(link), demo.expected_text(link), link, demo.article(link)["lang"])
            for link in demo.article_links()]


def real_pages(folder: Path) -> tuple[list[Page], list[Page]]:
    """(pages with a reference extraction, pages without), read from ``folder``."""
    if not folder.is_dir():
        return [], []
    reference, timing = [], []
    for source in sorted(folder.glob("*.html")):
        if source.name.endswith(".expected.html"):
            continue
        expected = source.with_name(source.name.replace(".source.html", ".expected.html"))
        url = f"https://{source.name.split('.source')[0]}.example/"
        page: Page = (source.name, source.read_bytes(),
                      html_text(expected.read_bytes()) if expected.is_file() and expected != source else None,
                      url, "fr")
        (reference if page[2] is not None else timing).append(page)
    return reference, timing


# --- extractors ---------------------------------------------------------------------------

def trafilatura_with(**kwargs: Any) -> Callable[[bytes, str, str], str]:
    import trafilatura

    def run(html: bytes, url: str, language: str) -> str:
        return trafilatura.extract(html, url=url, output_format="txt", **kwargs) or ""
    return run


def ours(options: ExtractOptions) -> Callable[[bytes, str, str], str]:
    def run(html: bytes, url: str, language: str) -> str:
        return extract_article(html, url=url, language=language, standfirst="", options=options).text
    return run


def naive_paragraphs(html: bytes, url: str, language: str) -> str:
    """Baseline: the text of every <p> of the page (lxml)."""
    import lxml.html

    tree = lxml.html.fromstring(html)
    return "\n\n".join(t for p in tree.iter("p") if (t := " ".join(p.text_content().split())))


def readability_lxml() -> Callable[[bytes, str, str], str] | None:
    try:
        from readability import Document  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        return None

    def run(html: bytes, url: str, language: str) -> str:
        return html_text(Document(html.decode("utf-8", "replace"), url=url).summary().encode())
    return run


def extractors() -> dict[str, Callable[[bytes, str, str], str]]:
    found: dict[str, Callable[[bytes, str, str], str]] = {
        "ours (extract_article defaults)": ours(ExtractOptions()),
        "ours, with fallbacks (fast=False)": ours(ExtractOptions(fast=False)),
        "trafilatura defaults (comments on)": trafilatura_with(),
        "trafilatura include_comments=False": trafilatura_with(include_comments=False),
        "  + favor_precision": trafilatura_with(include_comments=False, favor_precision=True),
        "  + favor_recall": trafilatura_with(include_comments=False, favor_recall=True),
        "  + fast (no fallback)": trafilatura_with(include_comments=False, fast=True),
        "  + favor_precision + fast": trafilatura_with(include_comments=False, favor_precision=True,
                                                       fast=True),
        "  + include_tables=False": trafilatura_with(include_comments=False, favor_precision=True,
                                                     include_tables=False),
        "  + deduplicate=True": trafilatura_with(include_comments=False, favor_precision=True,
                                                 deduplicate=True),
        "  + target_language=fr (a filter)": trafilatura_with(include_comments=False,
                                                             favor_precision=True, target_language="fr"),
        "baseline: all <p> (lxml)": naive_paragraphs,
    }
    if (readability := readability_lxml()) is not None:
        found["baseline: readability-lxml"] = readability
    return found


# --- measuring ----------------------------------------------------------------------------

def measure(run: Callable[[bytes, str, str], str], pages: list[Page], repeat: int) -> dict[str, Any]:
    """Mean F1/precision/recall over pages with expected text, and pages per second."""
    texts = [run(html, url, lang) for _, html, _, url, lang in pages]  # also the warm-up
    scores = [f1(text, expected) for text, (_, _, expected, _, _) in zip(texts, pages, strict=True)
              if expected is not None]
    best = float("inf")
    rounds = 0
    spent = 0.0
    while rounds < repeat or spent < 1.0:  # small sets: repeat until a second was measured
        started = time.perf_counter()
        for _, html, _, url, lang in pages:
            run(html, url, lang)
        elapsed = time.perf_counter() - started
        best, spent, rounds = min(best, elapsed), spent + elapsed, rounds + 1
    out: dict[str, Any] = {"pages": len(pages), "pages_per_s": round(len(pages) / best, 1) if best else None}
    if scores:
        out["precision"] = round(sum(s[0] for s in scores) / len(scores), 4)
        out["recall"] = round(sum(s[1] for s in scores) / len(scores), 4)
        out["f1"] = round(sum(s[2] for s in scores) / len(scores), 4)
        out["f1_min"] = round(min(s[2] for s in scores), 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--real", type=Path, default=DEFAULT_REAL)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import trafilatura  # noqa: F401 - imported once here, not inside the first timing

    sets = {"ours": our_pages()}
    sets["reference"], sets["timing"] = real_pages(args.real)
    print(f"pages: ours {len(sets['ours'])}, reference {len(sets['reference'])}, "
          f"timing {len(sets['timing'])} (1 process, 2 cores on this machine)")
    figures: dict[str, dict[str, Any]] = {}
    for name, run in extractors().items():
        figures[name] = {s: measure(run, pages, args.repeat) for s, pages in sets.items() if pages}
        print(_line(name, figures[name]))
    print(_ratios(figures))
    print(json.dumps({"sets": {s: len(p) for s, p in sets.items()}, "figures": figures},
                     ensure_ascii=False))


def _line(name: str, figure: dict[str, Any]) -> str:
    parts = []
    for set_name, m in figure.items():
        score = f" F1 {m['f1']:.3f} (P {m['precision']:.3f} R {m['recall']:.3f})" if "f1" in m else ""
        parts.append(f"{set_name}:{score} {m['pages_per_s']} p/s")
    return f"{name:<40} " + " | ".join(parts)


def _ratios(figures: dict[str, dict[str, Any]]) -> str:
    ours_ = figures["ours (extract_article defaults)"]
    base = figures["baseline: all <p> (lxml)"]
    lines = ["ratios, ours / baseline all <p>:"]
    for set_name, m in ours_.items():
        b = base[set_name]
        f1_ratio = f"F1 x{m['f1'] / b['f1']:.2f}" if "f1" in m and b.get("f1") else ""
        speed = f"speed x{m['pages_per_s'] / b['pages_per_s']:.2f}" if b["pages_per_s"] else ""
        lines.append(f"  {set_name}: {f1_ratio} {speed}".rstrip())
    return "\n".join(lines)


if __name__ == "__main__":
    main()
