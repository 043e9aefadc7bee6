"""DKIM: the signature covers both List-Unsubscribe headers and verifies on the bytes sent."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from newsletter import pipeline
from newsletter.compose.dkim_sign import DkimSigner
from newsletter.errors import ConfigError
from newsletter.models import Subscriber
from newsletter.store import Store
from tests.conftest import make_config
from tests.delivery.test_send_rules import DAY, ISSUE
from tests.smtp_sink import SmtpSink


def key_files(tmp_path: Path, bits: int = 2048) -> tuple[Path, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    path = tmp_path / "dkim.pem"
    path.write_bytes(pem)
    return path, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_signed_message_verifies_and_covers_list_headers(tmp_path: Path) -> None:
    path, record = key_files(tmp_path)
    config = make_config(tmp_path, dkim={"key_path": str(path), "selector": "brief"})
    store = Store.open(config.database_url)
    factory = pipeline.message_factory(config, ISSUE)
    data = factory.build(Subscriber(1, "a@example.org"), datetime(2026, 11, 27, tzinfo=UTC)).data
    header = re.search(rb"DKIM-Signature:(.*?)\r\n(?! )", data, re.S).group(1)  # type: ignore[union-attr]
    signed = re.search(rb"h=([^;]+)", header.replace(b"\r\n", b"").replace(b" ", b"")).group(1)  # type: ignore[union-attr]
    names = signed.lower().split(b":")
    assert b"list-unsubscribe" in names and b"list-unsubscribe-post" in names
    assert b"d=news.example.org" in header and b"s=brief" in header

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"brief._domainkey.news.example.org."
        return record

    assert dkim.verify(data, dnsfunc=dns)
    assert not dkim.verify(data.replace(b"Le sujet", b"Le sujeT"), dnsfunc=dns)
    store.close()


def test_the_bytes_signed_are_the_bytes_sent(tmp_path: Path) -> None:
    path, record = key_files(tmp_path)
    with SmtpSink() as sink:
        config = make_config(tmp_path, dkim={"key_path": str(path)},
                             delivery={"sender": "smtp"},
                             smtp={"host": "127.0.0.1", "port": sink.port, "tls": "none"})
        store = Store.open(config.database_url)
        store.add_subscriber("a@example.org", now=datetime(2026, 11, 27, tzinfo=UTC))
        store.save_issue(ISSUE, {}, datetime(2026, 11, 27, tzinfo=UTC))
        pipeline.send_stage(config, store, DAY)
    (_, _, received), = sink.messages
    assert dkim.verify(received, dnsfunc=lambda name, timeout=5: record)


def test_short_keys_are_refused(tmp_path: Path) -> None:
    path, _ = key_files(tmp_path, bits=1024)
    with pytest.raises(ConfigError, match="2048"):
        DkimSigner.load("news.example.org", "s", path)
