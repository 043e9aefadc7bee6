"""Benchmark: same-story grouping against scikit-learn TF-IDF + average linkage, on labelled days.

Data: a CSV of headlines with the gold group of each (columns id, day, title, publisher,
category, story), by default ../shared/eval/clusters-dev.csv. Each day is scored on its own,
as the product sees one day: B-cubed precision/recall/F1 and pairwise precision/recall.

Thresholds are tuned held out: each day is scored with the setting that was best on the other
day(s). Ours tunes its threshold; the baseline (TfidfVectorizer, then AgglomerativeClustering
with cosine distance and average linkage) tunes its distance threshold and picks among three
vectoriser variants on the same rule. The in-sample best of each is shown too, and ours at the
product's default threshold (which aims at single events, where the aggregator's labels group
whole topics: all pieces on one game launch or one Fed meeting share a label).

The file lists each story's headlines together; our grouping visits stories in order, so every
day is scored under --orders shuffles of its rows (seeded) and the mean is reported. The
baseline does not depend on the order.

Then both are timed on 1,000 / 5,000 / 20,000 stories (--sizes): the days pooled and repeated
with fresh ids, so word frequencies grow with the size. The baseline builds a dense n x n
distance matrix (minutes at 5,000), so it is timed only up to --baseline-max stories.
The last line is one JSON object with every figure.

    pip install '.[bench]'     # scikit-learn
    python benchmarks/clusters.py [FILE] [--orders 3] [--sizes 1000 5000 20000] [--baseline-max 5000]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsletter.config.sections import CurateSection  # noqa: E402
from newsletter.curate.cluster import cluster_stories  # noqa: E402
from newsletter.models import SourceRef, Story  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "eval" / "clusters-dev.csv"
# Mean similarity (ours) and 1 - cosine distance (baseline): the same cut points for both.
GRID = [0.005, 0.0075, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.025, 0.03, 0.04, 0.05, 0.07, 0.1,
        0.15, 0.2, 0.3]
VARIANTS: dict[str, dict[str, Any]] = {
    "stop": {"stop_words": "english"},
    "stop+sublinear": {"stop_words": "english", "sublinear_tf": True},
    "stop+pairs+sublinear": {"stop_words": "english", "sublinear_tf": True, "ngram_range": (1, 2)},
}
Row = dict[str, str]
Labels = list[int]
Scores = dict[str, float]


def read_days(path: Path) -> dict[str, list[Row]]:
    days: dict[str, list[Row]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            days[row["day"]].append(row)
    return dict(sorted(days.items()))


def shuffled(rows: Sequence[Row], seed: int) -> list[Row]:
    out = list(rows)
    random.Random(seed).shuffle(out)
    return out


def to_stories(rows: Sequence[Row]) -> list[Story]:
    """Headlines as English stories without summaries, one minute apart, newest first."""
    start = datetime(2014, 1, 1, tzinfo=UTC)
    return [Story(id=r["id"], url=f"https://example.org/{r['id']}", title=r["title"], summary="",
                  published=start - timedelta(minutes=i),
                  source=SourceRef(r["publisher"], f"https://example.org/{r['id']}", ""), language="en")
            for i, r in enumerate(rows)]


def ours(rows: Sequence[Row], threshold: float) -> Labels:
    clusters = cluster_stories(to_stories(rows), threshold=threshold, language="en")
    label = {s.id: k for k, c in enumerate(clusters) for s in c.stories}
    return [label[r["id"]] for r in rows]


def baseline_tree(rows: Sequence[Row], variant: str) -> tuple[Any, Any]:
    """scikit-learn's full average-linkage tree of the headlines (children, merge distances)."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(**VARIANTS[variant]).fit_transform([r["title"] for r in rows])
    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                    distance_threshold=0.0, compute_full_tree=True)
    model.fit(matrix.toarray())
    return model.children_, model.distances_


def baseline(rows: Sequence[Row], variant: str, similarity: float) -> Labels:
    """scikit-learn fitted with distance_threshold = 1 - similarity (what the sweep's cut stands for)."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(**VARIANTS[variant]).fit_transform([r["title"] for r in rows])
    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                    distance_threshold=1.0 - similarity)
    return [int(x) for x in model.fit_predict(matrix.toarray())]


def cut(children: Any, distances: Any, n: int, similarity: float) -> Labels:
    """The tree's merges below distance 1 - similarity applied in order (sklearn's own cut)."""
    parent = list(range(2 * n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for k, ((a, b), distance) in enumerate(zip(children, distances, strict=True)):
        if distance >= 1.0 - similarity:
            break
        parent[root(int(a))] = parent[root(int(b))] = n + k
    return [root(i) for i in range(n)]


def scores(gold: Sequence[str], labels: Labels) -> Scores:
    """B-cubed precision, recall and F1; pairwise precision and recall; the number of groups."""
    both = Counter(zip(gold, labels, strict=True))
    by_gold, by_label = Counter(gold), Counter(labels)
    p = sum(both[g, k] / by_label[k] for g, k in zip(gold, labels, strict=True)) / len(gold)
    r = sum(both[g, k] / by_gold[g] for g, k in zip(gold, labels, strict=True)) / len(gold)
    agree = sum(c * (c - 1) for c in both.values())
    return {"P": p, "R": r, "F1": 2 * p * r / (p + r) if p + r else 0.0,
            "pairP": agree / (sum(c * (c - 1) for c in by_label.values()) or 1),
            "pairR": agree / (sum(c * (c - 1) for c in by_gold.values()) or 1),
            "groups": float(len(by_label))}


def mean_scores(runs: Sequence[Scores]) -> Scores:
    return {key: statistics.fmean(run[key] for run in runs) for key in runs[0]}


def held_out(table: dict[str, dict[Any, Scores]]) -> dict[str, dict[str, Any]]:
    """For each day: the setting best on the other day(s), its score here, and the in-sample best."""
    result = {}
    for day, settings in table.items():
        others = [d for d in table if d != day] or [day]
        chosen = max(settings, key=lambda s: (statistics.fmean(table[d][s]["F1"] for d in others), str(s)))
        best = max(settings, key=lambda s: (settings[s]["F1"], str(s)))
        result[day] = {"tuned_on": others, "setting": chosen, **settings[chosen],
                       "in_sample_setting": best, "in_sample_F1": settings[best]["F1"]}
    return result


def build_day(days: dict[str, list[Row]], size: int) -> list[Row]:
    """``size`` rows: the days pooled (shuffled) and repeated as needed, each copy with a fresh id."""
    pool = shuffled([r for rows in days.values() for r in rows], 0)
    return [{**pool[i % len(pool)], "id": f"{i // len(pool)}-{pool[i % len(pool)]['id']}"}
            for i in range(size)]


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--orders", type=int, default=3, help="row orders each day is scored under")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 5000, 20000])
    parser.add_argument("--baseline-max", type=int, default=5000,
                        help="largest day the baseline is timed on (its memory and time grow with n²)")
    args = parser.parse_args()
    days = read_days(args.file)
    default = CurateSection().cluster_threshold
    grid = sorted({*GRID, default})

    mine: dict[str, dict[Any, Scores]] = {}
    for day, rows in days.items():
        orders = [shuffled(rows, seed) for seed in range(1, args.orders + 1)]
        mine[day] = {t: mean_scores([scores([r["story"] for r in o], ours(o, t)) for o in orders])
                     for t in grid}
    theirs: dict[str, dict[Any, Scores]] = {day: {} for day in days}
    for day, rows in days.items():
        gold = [r["story"] for r in rows]
        for variant in VARIANTS:
            children, distances = baseline_tree(rows, variant)
            for t in GRID:
                theirs[day][variant, t] = scores(gold, cut(children, distances, len(rows), t))
    mine_held, theirs_held = held_out(mine), held_out(theirs)
    for day, rows in days.items():  # the chosen settings, fitted by scikit-learn itself
        variant, t = theirs_held[day]["setting"]
        direct = scores([r["story"] for r in rows], baseline(rows, variant, t))
        assert abs(direct["F1"] - theirs_held[day]["F1"]) < 1e-9, (day, direct, theirs_held[day])

    print("Held-out B-cubed scores (setting tuned on the other day); "
          f"ours: mean of {args.orders} row orders\n")
    print(f"{'day':<11} {'method':<8} {'setting':<36} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6} "
          f"{'pairP':>6} {'pairR':>6} {'groups':>6} {'in-sample F1':>12}")
    figures: dict[str, Any] = {"data": str(args.file), "orders": args.orders, "default_threshold": default,
                               "days": {}, "timing": {}, "baseline_max": args.baseline_max}
    for day in days:
        for name, held in (("ours", mine_held[day]), ("sklearn", theirs_held[day])):
            setting = (f"mean sim > {held['setting']}" if name == "ours"
                       else f"{held['setting'][0]}, sim > {held['setting'][1]}")
            print(f"{day:<11} {name:<8} {setting:<36} {held['P']:6.3f} {held['R']:6.3f} {held['F1']:6.3f} "
                  f"{held['pairP']:6.3f} {held['pairR']:6.3f} {held['groups']:6.0f} "
                  f"{held['in_sample_F1']:12.3f}")
        figures["days"][day] = {"ours": mine_held[day], "baseline": theirs_held[day],
                                "ours_at_default": mine[day][default],
                                "F1_gain": mine_held[day]["F1"] - theirs_held[day]["F1"]}
    mean_mine = statistics.fmean(mine_held[d]["F1"] for d in days)
    mean_theirs = statistics.fmean(theirs_held[d]["F1"] for d in days)
    at_default = statistics.fmean(mine[d][default]["F1"] for d in days)
    print(f"\nMean held-out B-cubed F1: ours {mean_mine:.3f}, sklearn {mean_theirs:.3f}, "
          f"gain {mean_mine - mean_theirs:+.3f} (target +0.05)")
    print(f"Ours at the product default threshold {default} (single events, not the labels' topics): "
          + ", ".join(f"{d} {mine[d][default]['F1']:.3f}" for d in days) + f", mean {at_default:.3f}")
    figures.update(mean_F1_ours=mean_mine, mean_F1_baseline=mean_theirs,
                   mean_F1_gain=mean_mine - mean_theirs, mean_F1_ours_at_default=at_default,
                   ratio_F1=mean_mine / mean_theirs if mean_theirs else None)

    tuned = statistics.median(mine_held[d]["setting"] for d in days)
    variant, similarity = theirs_held[next(iter(days))]["setting"]
    print(f"\nSeconds to group one day (ours at {tuned} and at the default {default}; "
          f"sklearn {variant} at {similarity}, up to {args.baseline_max} stories)")
    print(f"{'stories':>8} {'ours':>8} {'default':>8} {'sklearn':>9} {'speed-up':>9}")
    for size in args.sizes:
        rows = build_day(days, size)
        mine_s = timed(lambda rows=rows: ours(rows, tuned))
        default_s = timed(lambda rows=rows: ours(rows, default))
        theirs_s = (timed(lambda rows=rows: baseline(rows, variant, similarity))
                    if size <= args.baseline_max else None)
        ratio = theirs_s / mine_s if theirs_s is not None else None
        print(f"{size:8d} {mine_s:8.2f} {default_s:8.2f} "
              f"{'not run' if theirs_s is None else f'{theirs_s:.2f}':>9} "
              f"{'' if ratio is None else f'{ratio:.0f}x':>9}")
        figures["timing"][str(size)] = {"ours_s": mine_s, "ours_default_s": default_s,
                                        "baseline_s": theirs_s, "speedup": ratio}
    print(json.dumps(figures, default=str, sort_keys=True))


if __name__ == "__main__":
    main()
