"""The newsletter's look: the frozen ``Brand`` a render receives, and the colour arithmetic
its checks use (WCAG 2.x relative luminance and contrast ratio).

The defaults are the house look, and with them the email renders exactly as it always
has. A brand's own colours get their tints (muted text, rules, the L'essentiel box, the
dark-mode accents) mixed from them, each kept readable against what it is drawn on.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property

# The house look.
ACCENT = "#1f2a44"  # masthead, headlines, links, footer
TEXT = "#2b2f38"
BACKGROUND = "#ffffff"
FONT_STACK = "Georgia, Times, serif"
HOUSE_HIGHLIGHT = "#b3261e"  # section labels and L'essentiel's numbers, with the house accent
WHITE = "#ffffff"  # the footer's links on the accent, when they read there
BLACK = "#000000"  # ... else: every colour reads at 4.58:1 or more with white or black
DARK_BACKGROUNDS = ("#1b1e25", "#232733")  # the dark-mode card and L'essentiel box
# The public pages in dark mode, whatever the brand (as the email): page, panel, text,
# headings, muted text, hairlines, fields' ink and border.
DARK_PAGE, DARK_PANEL, DARK_TEXT, DARK_HEADING = "#111318", "#1b1e25", "#d5d8df", "#f1f2f5"
DARK_MUTED, DARK_RULE, DARK_FIELD_BORDER, DARK_ON_BUTTON = ("#a9afbd", "#343946", "#9aa1b2",
                                                            "#111318")

MIN_CONTRAST = 4.5  # WCAG 2.x AA for text under 18.66 px bold / 24 px: every pair here
LOGO_WIDTH = (16, 536)  # the masthead's inner width at 600 px (32 px padding either side)
LOGO_HEIGHT = (16, 300)
FOOTER_TEXT_MAX = 300
FONT_STACK_MAX = 200

# The logo's host: DNS labels (ASCII: an international name in its xn-- form) and an optional
# port; nothing else, so its origin can stand in a Content-Security-Policy as it is.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})*(?::[0-9]{{1,5}})?\Z")
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})\Z")
# One family: a bare name (letters, digits, spaces, hyphens, underscores) or a quoted one,
# quotes matched. Nothing else can appear, so nothing can leave the CSS value (; { } < >
# url( expression( backslashes and stray quotes all fail).
_FAMILY = re.compile(r"""\s*(?:"[A-Za-z0-9 _-]+"|'[A-Za-z0-9 _-]+'"""
                     r"""|[A-Za-z0-9_-]+(?: [A-Za-z0-9_-]+)*)\s*\Z""")


def hex_color(value: str) -> str:
    """'#ABC' or '#aabbcc' as '#aabbcc'; ValueError for anything else."""
    if not isinstance(value, str) or not _HEX.match(value):
        raise ValueError(f"not a #rgb or #rrggbb colour: {value!r}")
    digits = value[1:].lower()
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)


def _rgb(color: str) -> tuple[int, int, int]:
    c = hex_color(color)
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


def luminance(color: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour (0 black .. 1 white)."""
    def linear(channel: int) -> float:
        s = channel / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio of two colours, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ratio_text(ratio: float) -> str:
    """'4.4:1' — rounded down, so a ratio shown as 4.5:1 always passes 4.5."""
    return f"{math.floor(ratio * 10) / 10:.1f}:1"


def mix(a: str, b: str, share: float) -> str:
    """``a`` with ``share`` (0..1) of ``b`` mixed in, channel by channel."""
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(_rgb(a), _rgb(b),
                                                                             strict=True))


def readable(color: str, towards: str, share: float, on: tuple[str, ...],
             minimum: float = MIN_CONTRAST) -> str:
    """``color`` moved up to ``share`` of the way to ``towards``, as far as it stays
    ``minimum`` against every colour of ``on`` (``color`` itself when no step does)."""
    for step in range(10, -1, -1):
        candidate = mix(color, towards, share * step / 10)
        if all(contrast(candidate, o) >= minimum for o in on):
            return candidate
    return color


def lifted(color: str, on: tuple[str, ...], minimum: float = MIN_CONTRAST) -> str:
    """The least mix of ``color`` with white that reads against every colour of ``on``."""
    for step in range(0, 11):
        candidate = mix(color, WHITE, step / 10)
        if all(contrast(candidate, o) >= minimum for o in on):
            return candidate
    return WHITE


def font_stack_problem(value: str) -> str | None:
    """Why ``value`` is not a plain CSS font-family list, or None."""
    if not value.strip():
        return "must name at least one font family"
    if len(value) > FONT_STACK_MAX:
        return f"must be at most {FONT_STACK_MAX} characters"
    for family in value.split(","):
        if not _FAMILY.match(family):
            return (f"must be font family names separated by commas, a name with spaces in "
                    f"matched quotes (letters, digits, spaces, - and _ only): {family.strip()!r}")
    return None


def logo_url_problem(value: str) -> str | None:
    """Why ``value`` is not a logo address an email may load, or None ("" is no logo)."""
    if not value:
        return None
    if not value.startswith("https://") or len(value) <= len("https://"):
        return "must be an https:// URL (mail clients block or warn about others)"
    if any(c.isspace() or c in "\"'<>\\" or ord(c) < 32 for c in value):
        return "must not contain spaces, quotes, < > or backslashes"
    if not _HOST.match(_authority(value)):
        return ("must name its host after https:// (letters, digits, dots and hyphens, "
                "an optional :port; no user name)")
    return None


def _authority(url: str) -> str:
    return re.split(r"[/?#]", url[len("https://"):], maxsplit=1)[0]


def logo_origin(url: str) -> str:
    """The origin of a checked logo address ('https://cdn.example:8443'), what a page's
    Content-Security-Policy must allow for it; "" for no logo."""
    return f"https://{_authority(url).lower()}" if url else ""


def on_accent(accent: str) -> str:
    """The ink of text on the accent (the footer, the pages' buttons): white when it reads
    there, else black."""
    return WHITE if contrast(WHITE, accent) >= MIN_CONTRAST else BLACK


def contrast_failures(accent: str, text: str, background: str
                      ) -> list[tuple[str, str, str, str, float]]:
    """Each pair under MIN_CONTRAST: (key, colour, on key, on colour, ratio).

    Both pairs colour small text somewhere (brief links at 16 px, section labels at
    12 px), so neither qualifies for the 3:1 large-text minimum. Text on the accent
    needs no check: its ink is chosen to read (``on_accent``).
    """
    pairs = (("text_color", text, "background_color", background),
             ("accent_color", accent, "background_color", background))
    out = []
    for key, color, on_key, on in pairs:
        ratio = contrast(color, on)
        if ratio < MIN_CONTRAST:
            out.append((key, color, on_key, on, ratio))
    return out


@dataclass(frozen=True)
class Brand:
    """What a newsletter's email and pages look like ([brand] of the config).

    Built from a checked config; built directly (tests, scripts) it checks itself, since
    its font stack is written into a stylesheet unescaped.
    """

    logo_url: str = ""  # https; "" = the newsletter's name as a text masthead
    logo_width: int = 0
    logo_height: int = 0
    logo_alt: str = ""
    accent_color: str = ACCENT
    text_color: str = TEXT
    background_color: str = BACKGROUND
    font_stack: str = FONT_STACK
    footer_text: str = ""  # plain text, one paragraph

    def __post_init__(self) -> None:
        for name in ("accent_color", "text_color", "background_color"):
            object.__setattr__(self, name, hex_color(getattr(self, name)))
        object.__setattr__(self, "footer_text", " ".join(self.footer_text.split()))
        why = font_stack_problem(self.font_stack) or logo_url_problem(self.logo_url)
        if why:
            raise ValueError(f"brand: {why}")
        if self.logo_url and not (LOGO_WIDTH[0] <= self.logo_width <= LOGO_WIDTH[1]
                                  and LOGO_HEIGHT[0] <= self.logo_height <= LOGO_HEIGHT[1]
                                  and self.logo_alt.strip()):
            raise ValueError("brand: a logo needs its width, height and alt text")

    @property
    def house(self) -> bool:
        """True when every colour is the house one (the email renders as it always has)."""
        return (self.accent_color, self.text_color, self.background_color) == (
            ACCENT, TEXT, BACKGROUND)

    @cached_property
    def colors(self) -> dict[str, str]:
        """Every colour the templates use, by role."""
        accent, text, background = self.accent_color, self.text_color, self.background_color
        house_text = (text, background) == (TEXT, BACKGROUND)
        highlight = HOUSE_HIGHLIGHT if accent == ACCENT else accent
        tint = "#f7f3ea" if house_text and accent == ACCENT else mix(background, accent, 0.06)
        if min(contrast(c, tint) for c in (accent, text, highlight)) < MIN_CONTRAST:
            tint = background  # the box keeps its border; its text stays readable
        return {
            "accent": accent,
            "text": text,
            "background": background,
            "highlight": highlight,
            "muted": "#5c6270" if house_text else readable(text, background, 0.4,
                                                           (background,)),
            "rule": "#e4dfd3" if house_text else mix(background, text, 0.15),
            "page": "#f3efe6" if house_text else mix(background, text, 0.06),
            "tint": tint,
            "on_accent": on_accent(accent),
            "footer_text": "#d9dce3" if accent == ACCENT else readable(on_accent(accent),
                                                                       accent, 0.15, (accent,)),
            "dark_accent": "#8ea2d8" if accent == ACCENT else lifted(accent, DARK_BACKGROUNDS),
            "dark_highlight": "#ff8a80" if accent == ACCENT else lifted(highlight,
                                                                        DARK_BACKGROUNDS),
        }

    @cached_property
    def site_palette(self) -> dict[str, tuple[str, str]]:
        """The public pages' colours by role, as (light, dark): templates/web/palette.css
        makes each a CSS custom property (``--nl-<role>``) of base.html and site_base.html,
        issue_bar.css reads them directly.

        Laid out as the email: the page (mixed from the colours) behind panels of
        ``background_color``, the accent for links, headings, buttons and the header. The
        page is kept readable for every ink drawn on it. With our colours every role is
        what the pages always had; dark mode keeps our dark neutrals whatever the brand,
        the accent's roles take the accent lifted until it reads there.
        """
        c = self.colors
        accent, text, background = self.accent_color, self.text_color, self.background_color
        highlight = c["highlight"]
        house_accent = accent == ACCENT
        house_text = (text, background) == (TEXT, BACKGROUND)
        inks = (text, accent, highlight)
        page = "#f3efe6" if house_text else c["page"]
        if min(contrast(ink, page) for ink in inks) < MIN_CONTRAST:
            page = readable(background, text, 0.06, inks)
        muted = c["muted"] if contrast(c["muted"], page) >= MIN_CONTRAST else readable(
            text, background, 0.4, (background, page))
        ink = on_accent(accent)
        focus = (HOUSE_HIGHLIGHT, "#ffb4ab") if house_accent else (highlight,
                                                                  c["dark_highlight"])
        if highlight != accent:  # the header's call to action: ours is red on the navy
            cta, on_cta = highlight, on_accent(highlight)
        else:  # the accent's own header: the background's colour, inked with the accent
            cta, on_cta = background, accent
        return {
            "page": (page, DARK_PAGE),
            "text": (text, DARK_TEXT),
            "muted": (muted, DARK_MUTED),
            "panel": (background, DARK_PANEL),
            "rule": ("#d9d3c4" if house_text else c["rule"], DARK_RULE),
            "panel-rule": (c["rule"], DARK_RULE),
            "link": (accent, "#b9c7ee" if house_accent else c["dark_accent"]),
            "heading": (accent, DARK_HEADING),
            "highlight": (highlight, c["dark_highlight"]),
            "focus": focus,
            "problem": focus,
            "mark": (accent, c["dark_accent"]),
            "signup-top": (accent, accent if house_accent else c["dark_accent"]),
            "card-top": (highlight, highlight if house_accent else c["dark_highlight"]),
            "button": (accent, c["dark_accent"]),
            "on-button": (ink, DARK_ON_BUTTON),
            "header": (accent, "#0b0d11" if house_accent else accent),
            "on-header": (ink, ink),
            "header-focus": focus if house_accent else (ink, ink),
            "bar-focus": ("#ffb4ab", "#ffb4ab") if house_accent else (ink, ink),
            "cta": (cta, cta),
            "on-cta": (on_cta, on_cta),
            "field": (background, DARK_PAGE),
            "field-text": (text, DARK_HEADING),
            "field-border": ("#5b6170" if house_text else muted, DARK_FIELD_BORDER),
            "logo-plate": (background, background),
        }
