"""CSS inlining, run once per issue and language (never per subscriber), network off."""

from __future__ import annotations

import logging

import cssutils
from premailer import Premailer

from ..errors import RenderError

# premailer's cssutils would shorten #ffffff to #fff, which some clients (Lotus Notes) misread.
cssutils.ser.prefs.minimizeColorHash = False
cssutils.log.setLevel(logging.CRITICAL)


def inline_css(html: str) -> str:
    """Move the stylesheet into style="" attributes; @media rules stay, with !important."""
    try:
        inliner = Premailer(
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
