"""Encoding message parts: quoted-printable at C speed."""

from __future__ import annotations

import binascii
import re
from collections.abc import Mapping, Sequence

from .placeholders import UNSUBSCRIBE_PLACEHOLDER

CRLF = "\r\n"


def qp(text: str) -> bytes:
    """Quoted-printable of UTF-8 text with CRLF line ends, hard and soft (binascii: C speed).

    binascii picks LF or CRLF for its soft breaks from the data it is given, so the text
    is encoded with LF only and every line end turned into CRLF afterwards.
    """
    data = text.replace("\r\n", "\n").encode("utf-8")
    return binascii.b2a_qp(data, quotetabs=False, istext=True, header=False).replace(b"\n", b"\r\n")


def encoded_size(html: str, sample_url: str) -> int:
    """Bytes of the HTML part as it travels in a message (one subscriber's link in it)."""
    return len(qp(html.replace(UNSUBSCRIBE_PLACEHOLDER, sample_url)))


SOFT_BREAK = b"=\r\n"


class EncodedTemplate:
    """A text part quoted-printable-encoded once, with holes for per-subscriber values.

    Each piece between placeholders is encoded on its own; a QP soft line break (which
    decodes to nothing) closes the piece before a value and the value itself, so every
    line stays within 76 characters and only the short values are encoded per message.
    """

    def __init__(self, text: str, placeholders: Sequence[str]) -> None:
        pattern = re.compile("|".join(re.escape(p) for p in placeholders))
        self.order = [m.group(0) for m in pattern.finditer(text)]
        self.pieces = [qp(piece) for piece in pattern.split(text)]

    def fill(self, values: Mapping[str, str]) -> bytes:
        out = [self.pieces[0]]
        encoded: dict[str, bytes] = {}
        for name, piece in zip(self.order, self.pieces[1:], strict=True):
            if name not in encoded:
                value = values[name]
                encoded[name] = SOFT_BREAK + qp(value) + SOFT_BREAK if value else b""
            out += (encoded[name], piece)
        return b"".join(out)
