"""Newsroom furniture around a story's words: live blogs, rubric labels, photo captions.

Pure functions over strings, shared by collection (feeds) and curation; imports nothing of ours.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# A live blog says so in its address (/live/, Le Monde and the Guardian) or in its headline.
_LIVE_PATH = re.compile(r"(?:^|/)(?:live|direct|en-direct|live-news|liveblog)(?:/|$)", re.I)
_LIVE_TITLE = re.compile(
    r"""
      (?i:\ben\s+direct\b)                   # « Suivez en direct … », « … EN DIRECT »
    | (?i:^\s*(?:direct|live)\s*(?:[.:|\-–—]|$))  # « DIRECT. … », « Live: … »
    | [-–—|]\s*(?:[\w'’ ]{0,30}\s)?live!?\s*$  # « … – live! », « … – UK politics live »
    | \blive\s*(?:updates?|blog|coverage)\b  # « … live updates »
    | \bas\s+it\s+happened\s*$               # a live blog, once closed
    | \blive\s*:                             # « Ukraine war live: … »
    | \bLIVE\b                               # the capitals are the label
    | (?<!غير\s)\bمباشر\b(?!\s*(?:ة|ا))       # « مباشر: … », not « غير مباشر » (indirect)
    | \bبث\s+مباشر                           # « بث مباشر » (live broadcast)
    | \bتغطية\s+مباشرة                        # « تغطية مباشرة » (live coverage)
    """,
    re.X,
)


def is_live_blog(title: str, url: str) -> bool:
    """Whether a story is a live blog (« en direct », « … – live », « مباشر », /live/ in its URL)."""
    path = urlsplit(url).path if url else ""
    return bool(_LIVE_PATH.search(path) or _LIVE_TITLE.search(title or ""))
