"""The command line (click): parses options, builds dependencies, calls the pipeline; maps errors once.

Owns every `newsletter …` command. May import every other wing; nothing imports it.
main.py holds the group and the registry of commands (loaded lazily); options.py the
shared options; one module per command group (run, issue, feeds, subscribers, db,
editors, ops).
"""

from .main import main

__all__ = ["main"]
