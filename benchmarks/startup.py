"""Benchmark: how fast `newsletter --help` and `newsletter check-config` start, beside a bare
`python -c pass` and beside importing the whole pipeline (what every command used to load).

Each command runs N times in a fresh subprocess; the median wall time counts. Then
`python -X importtime` names the slowest imports of `check-config`, and whether SQLAlchemy,
Alembic, requests, premailer, jinja2 or Flask were loaded at all (they should not be).
Last line: one JSON object with every figure.

    python benchmarks/startup.py [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("sqlalchemy", "alembic", "requests", "premailer", "jinja2", "flask", "feedparser")
TARGET_S = 0.4


def newsletter_command() -> list[str]:
    """The installed `newsletter` script beside this Python, else `python -m newsletter`."""
    script = Path(sys.executable).parent / "newsletter"
    return [str(script)] if script.exists() else [sys.executable, "-m", "newsletter"]


def median_seconds(argv: list[str], runs: int, env: dict[str, str], cwd: Path) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True)
        times.append(time.perf_counter() - start)
        if done.returncode:
            raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): "
                             f"{done.stderr.decode(errors='replace')}")
    return statistics.median(times)


def import_times(argv: list[str], env: dict[str, str], cwd: Path) -> list[tuple[str, float]]:
    """(module, cumulative ms) from `python -X importtime`, slowest first."""
    done = subprocess.run([sys.executable, "-X", "importtime", *argv], env=env, cwd=cwd,
                          capture_output=True, text=True, check=True)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self_us, cumulative_us, name = (part.strip() for part in line[12:].split("|"))
        rows.append((name, int(cumulative_us) / 1000))
    return sorted(rows, key=lambda row: -row[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = folder / "newsletter.toml"
        config.write_text('[newsletter]\nname = "Startup benchmark"\n'
                          '[store]\nurl = "sqlite:///newsletter.sqlite3"\n', encoding="utf-8")
        env = {**os.environ, "NEWSLETTER_SECRET": "s" * 48, "NEWSLETTER_CONFIG": str(config)}
        cli = newsletter_command()
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import newsletter.pipeline": [sys.executable, "-c", "import newsletter.pipeline"],
            "newsletter --help": [*cli, "--help"],
            "newsletter check-config": [*cli, "check-config"],
        }
        seconds = {name: median_seconds(argv, args.runs, env, folder)
                   for name, argv in commands.items()}
        imports = import_times(["-m", "newsletter", "check-config"], env, folder)
    bare = seconds["python -c pass"]
    loaded = {name for name, _ in imports}
    figures = {
        "runs": args.runs,
        "seconds": {name: round(s, 4) for name, s in seconds.items()},
        "ratio_to_bare_python": {name: round(s / bare, 1) for name, s in seconds.items()},
        "target_seconds": TARGET_S,
        "under_target": all(seconds[n] < TARGET_S for n in commands if n.startswith("newsletter")),
        "heavy_loaded_by_check_config": sorted(m for m in HEAVY if m in loaded),
        "top_imports_ms": {name: round(ms, 1) for name, ms in imports[:10]},
    }
    print(f"median of {args.runs} runs, each in a fresh process")
    for name, s in seconds.items():
        print(f"  {name:<28} {s * 1000:>7.0f} ms  {s / bare:>5.1f}x bare python")
    print(f"  target: newsletter commands under {TARGET_S * 1000:.0f} ms -> "
          f"{'met' if figures['under_target'] else 'NOT met'}")
    print("slowest imports of `newsletter check-config` (python -X importtime, cumulative):")
    for name, ms in imports[:10]:
        print(f"  {ms:>7.1f} ms  {name}")
    heavy = figures["heavy_loaded_by_check_config"]
    print(f"heavy libraries loaded: {', '.join(heavy) if heavy else 'none of ' + ', '.join(HEAVY)}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
