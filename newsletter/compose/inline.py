"""CSS inlining, run once per issue and language (never per subscriber), network off."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from ..errors import RenderError


@cache
def _premailer() -> Any:
    """premailer, loaded on first use (it brings requests along: composing must not)."""
    import cssutils
    from premailer import Premailer

    # premailer's cssutils would shorten #ffffff to #fff, which some clients (Lotus Notes) misread.
    cssutils.ser.prefs.minimizeColorHash = False
    cssutils.log.setLevel(logging.CRITICAL)
    return Premailer


INLINERS = ("premailer", "css-inline")


def inline_css(html: str, backend: str = "premailer") -> str:
    """Move the stylesheet into style="" attributes; @media rules stay, with !important.

    ``backend`` is premailer (default) or css-inline (optional, much faster:
    `pip install css-inline`); both run with network loading off.
    """
    if backend == "css-inline":
        return _css_inline(html)
    if backend != "premailer":
        raise RenderError(f"unknown inliner {backend!r} (known: {', '.join(INLINERS)})")
    try:
        inliner = _premailer()(
            html,
            allow_network=False,
            strip_important=False,
            keep_style_tags=False,
            remove_classes=False,
            disable_validation=True,
            cssutils_logging_level=logging.CRITICAL,
        )
        result: str = inliner.transform(pretty_print=False)
    except Exception as exc:  # premailer raises many kinds; all mean "this HTML did not inline"
        raise RenderError(f"CSS inlining failed: {exc}") from exc
    if not result.lstrip().lower().startswith("<!doctype"):
        result = "<!DOCTYPE html>\n" + result
    return result


def _css_inline(html: str) -> str:
    try:
        import css_inline
    except ImportError as exc:
        raise RenderError("the css-inline inliner is not installed",
                          hint="pip install css-inline, or set [render] inliner = \"premailer\"") from exc
    try:
        inliner = css_inline.CSSInliner(load_remote_stylesheets=False, keep_style_tags=False,
                                        keep_at_rules=True)
        result: str = inliner.inline(html)
    except Exception as exc:  # css_inline.InlineError and friends
        raise RenderError(f"CSS inlining failed: {exc}") from exc
    return result if result.lstrip().lower().startswith("<!doctype") else "<!DOCTYPE html>\n" + result
