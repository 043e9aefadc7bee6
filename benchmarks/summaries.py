"""Benchmark: summary quality (ROUGE F1) of our extractive summariser, lead-3 and sumy's LexRank.

Scores each on the article/reference pairs of a JSON Lines file (fields: lang, text,
reference), French and English, with a Unicode-aware tokenizer (lower-cased \\w+ tokens:
rouge-score's default drops every accented letter). Also prints our articles per second.
Last line: one JSON object with every figure.

    pip install rouge-score sumy      # for this benchmark only
    python benchmarks/summaries.py [FILE] [--words 60]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsletter.curate.summarise import summarise  # noqa: E402
from newsletter.text import split_sentences, stopwords  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "eval" / "summaries-dev.jsonl"
_TOKEN = re.compile(r"\w+", re.UNICODE)


class UnicodeTokenizer:
    """For rouge-score: lower-cased \\w+ tokens, accents kept."""

    def tokenize(self, text: str) -> list[str]:
        return _TOKEN.findall(text.lower())


class SumyWords:
    """For sumy: our word splitting, since sumy's own needs NLTK data we cannot download."""

    def __init__(self, language: str) -> None:
        self.language = language

    def to_words(self, text: str) -> list[str]:
        return _TOKEN.findall(text)

    def to_sentences(self, text: str) -> list[str]:
        return split_sentences(text, self.language)


def normalise(text: str) -> str:
    # Some texts have glued sentences ("mardi.Le"); our splitter handles them, the others
    # get the same text.
    return re.sub(r"(?<=[a-zà-ÿ])([.!?])(?=[A-ZÀ-Ý])", r"\1 ", text)


def lead3(text: str, language: str) -> str:
    return " ".join(split_sentences(text, language)[:3])


def lexrank(text: str, language: str) -> str:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.summarizers.lex_rank import LexRankSummarizer

    words = SumyWords(language)
    sentences = [Sentence(s, words) for s in split_sentences(text, language)]
    document = ObjectDocumentModel([Paragraph(sentences)])
    summarizer = LexRankSummarizer()
    summarizer.stop_words = stopwords(language)
    return " ".join(str(s) for s in summarizer(document, 3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--words", type=int, default=60, help="our word budget per summary")
    args = parser.parse_args()
    from rouge_score import rouge_scorer

    rows = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=UnicodeTokenizer())
    systems: dict[str, Any] = {
        "ours": lambda text, lang: summarise(text, lang, max_words=args.words),
        "lead3": lead3,
        "lexrank": lexrank,
    }
    totals: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(
        lambda: defaultdict(float)))
    counts: dict[str, int] = defaultdict(int)
    lengths: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        lang, text = row["lang"], normalise(row["text"])
        counts[lang] += 1
        for name, system in systems.items():
            summary = system(text, lang)
            lengths[lang][name] += len(summary.split())
            for metric, score in scorer.score(row["reference"], summary).items():
                totals[lang][name][metric] += score.fmeasure
    started = time.perf_counter()
    repeats = 3
    for _ in range(repeats):
        for row in rows:
            summarise(normalise(row["text"]), row["lang"], max_words=args.words)
    per_second = repeats * len(rows) / (time.perf_counter() - started)

    figures: dict[str, Any] = {}
    print(f"{args.file.name}: {len(rows)} articles; our word budget {args.words}")
    print(f"{'lang':<5}{'system':<9}{'ROUGE-1':>9}{'ROUGE-2':>9}{'ROUGE-L':>9}{'words':>7}")
    for lang in sorted(totals):
        figures[lang] = {}
        for name in systems:
            scores = {m: round(100 * v / counts[lang], 2) for m, v in totals[lang][name].items()}
            figures[lang][name] = scores
            words = lengths[lang][name] / counts[lang]
            print(f"{lang:<5}{name:<9}{scores['rouge1']:>9.2f}{scores['rouge2']:>9.2f}"
                  f"{scores['rougeL']:>9.2f}{words:>7.0f}")
        ours, lead, lex = (figures[lang][k] for k in ("ours", "lead3", "lexrank"))
        print(f"     targets: ROUGE-L >= lead-3 {'met' if ours['rougeL'] >= lead['rougeL'] else 'MISSED'}"
              f"; ROUGE-1 >= LexRank + 2 "
              f"{'met' if ours['rouge1'] >= lex['rouge1'] + 2 else 'MISSED'}"
              f"; stretch ROUGE-1 >= lead-3 + 1 "
              f"{'met' if ours['rouge1'] >= lead['rouge1'] + 1 else 'not met'}")
    print(f"our summariser: {per_second:.0f} articles/s (target >= 200)")
    figures["articles_per_s"] = round(per_second, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
