"""Encoding message parts: quoted-printable at C speed."""

from __future__ import annotations

import binascii

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
    from .render import UNSUBSCRIBE_PLACEHOLDER

    return len(qp(html.replace(UNSUBSCRIBE_PLACEHOLDER, sample_url)))


SOFT_BREAK = b"=\r\n"


class EncodedTemplate:
    """A text part quoted-printable-encoded once, with holes for one per-subscriber value.

    Each piece around the placeholder is encoded on its own; a QP soft line break
    (which decodes to nothing) ends the piece before the value and the value itself, so
    every line stays within 76 characters and only the short value is encoded per
    message.
    """

    def __init__(self, text: str, placeholder: str) -> None:
        self.pieces = [qp(piece) for piece in text.split(placeholder)]

    def fill(self, value: str) -> bytes:
        if len(self.pieces) == 1:
            return self.pieces[0]
        middle = SOFT_BREAK + qp(value) + SOFT_BREAK
        return middle.join(self.pieces)
