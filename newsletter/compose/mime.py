"""Encoding message parts: quoted-printable at C speed."""

from __future__ import annotations

import binascii

CRLF = "\r\n"


def qp(text: str) -> bytes:
    """Quoted-printable of UTF-8 text with CRLF line ends (binascii: C speed)."""
    data = text.replace("\r\n", "\n").replace("\n", CRLF).encode("utf-8")
    return binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)


def encoded_size(html: str, sample_url: str) -> int:
    """Bytes of the HTML part as it travels in a message (one subscriber's link in it)."""
    from .render import UNSUBSCRIBE_PLACEHOLDER

    return len(qp(html.replace(UNSUBSCRIBE_PLACEHOLDER, sample_url)))
