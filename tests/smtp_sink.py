"""A real SMTP server (aiosmtpd) on 127.0.0.1 that records messages and can refuse some."""

from __future__ import annotations

import asyncio
import signal
import socket
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port that was free a moment ago (aiosmtpd's Controller cannot take port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SinkHandler:
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    # recipient -> SMTP reply to give at RCPT TO (e.g. "550 5.1.1 no such user")
    refuse: dict[str, str] = field(default_factory=dict)
    # recipients refused once with 451, accepted afterwards (greylisting)
    defer_once: set[str] = field(default_factory=set)
    # reply to every MAIL FROM instead of 250 (e.g. "550 5.7.1 not authorised")
    refuse_mail: str | None = None
    # seconds to wait before answering DATA, as a distant relay would
    data_delay: float = 0.0
    peers: set[Any] = field(default_factory=set)  # client (host, port) of each connection
    # crash tests: SIGKILL this process once the kill_at-th message is stored, before
    # answering its DATA (it dies with that row "sending" and the message delivered)
    victim: Any = None
    kill_at: int = 0

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: Any) -> str:
        if self.refuse_mail:
            return self.refuse_mail
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        if address in self.defer_once:
            self.defer_once.discard(address)
            return "451 4.7.1 greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.peers.add(session.peer)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        if self.victim is not None and len(self.messages) == self.kill_at:
            self.victim.send_signal(signal.SIGKILL)
            self.victim.wait()
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 Message accepted"


class SmtpSink:
    """Context manager: ``with SmtpSink() as sink: sink.port``."""

    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=free_port())

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)

    @property
    def messages(self) -> list[tuple[str, list[str], bytes]]:
        return self.handler.messages
