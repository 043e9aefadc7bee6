"""A real SMTP server (aiosmtpd) on 127.0.0.1 that records messages and can refuse some."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
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


class KillingSink:
    """A minimal SMTP server (enough for smtplib) that SIGKILLs the sending process at a
    chosen point of the n-th transaction: at its MAIL, at its DATA command, after its k-th
    line of message data, after its final dot (the message is then delivered: stored),
    or after its 250 reply. A message counts as delivered only once its final dot came.

    ``arm(n, point, line)`` before each run, ``victim(pid)`` once it started (``arm()``
    alone: kill nobody); ``delivered`` lists (recipients, data).
    """

    POINTS = ("mail", "data", "body", "dot", "reply")

    def __init__(self) -> None:
        self.delivered: list[tuple[list[str], bytes]] = []
        self.killed = threading.Event()
        self._plan: tuple[int, str, int] | None = None  # n, point, line
        self._pid = 0
        self._pid_known = threading.Event()
        self._mails = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    def __enter__(self) -> KillingSink:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._session, "127.0.0.1", 0), self._loop).result(10)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            assert self._server is not None
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def arm(self, n: int = 0, point: str = "", line: int = 0) -> None:
        """Kill the next victim at ``point`` of its n-th transaction (counts restart)."""
        assert point in (*self.POINTS, "")
        self._pid_known.clear()
        self.killed.clear()
        self.delivered = []
        self._mails = 0
        self._plan = (n, point, line) if point else None

    def victim(self, pid: int) -> None:
        self._pid = pid
        self._pid_known.set()

    def _at(self, n: int, point: str, line: int = 0) -> None:
        plan = self._plan
        if plan is None or self.killed.is_set() or plan[:2] != (n, point):
            return
        if point == "body" and line != plan[2]:
            return
        assert self._pid_known.wait(30), "victim() was not called"
        os.kill(self._pid, signal.SIGKILL)
        _wait_dead(self._pid)
        self.killed.set()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def reply(text: str) -> None:
            writer.write(text.encode() + b"\r\n")
            await writer.drain()

        await reply("220 sink ESMTP")
        rcpts: list[str] = []
        n = 0
        try:
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    await reply("250-sink\r\n250 8BITMIME" if verb == b"EHLO" else "250 sink")
                elif verb == b"MAIL":
                    self._mails += 1
                    n, rcpts = self._mails, []
                    self._at(n, "mail")
                    await reply("250 OK")
                elif verb == b"RCPT":
                    rcpts.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                    await reply("250 OK")
                elif verb == b"DATA":
                    self._at(n, "data")
                    await reply("354 end with <CRLF>.<CRLF>")
                    data = await self._data(reader, n)
                    if data is None:
                        return  # the connection closed before the final dot: nothing delivered
                    self.delivered.append((rcpts, data))
                    self._at(n, "dot")
                    await reply("250 accepted")
                    self._at(n, "reply")
                elif verb == b"QUIT":
                    await reply("221 bye")
                    return
                else:  # RSET, NOOP
                    await reply("250 OK")
        except (ConnectionError, OSError):
            return  # the sender died: whatever was not complete is not delivered
        finally:
            writer.close()

    async def _data(self, reader: asyncio.StreamReader, n: int) -> bytes | None:
        lines = []
        while line := await reader.readline():
            if line == b".\r\n":
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b"..") else line)
            self._at(n, "body", len(lines))
        return None


def _wait_dead(pid: int) -> None:
    """Until the killed process is a zombie (or reaped): it runs no more code after that."""
    stat = f"/proc/{pid}/stat"
    while True:
        try:
            with open(stat, encoding="ascii") as handle:
                state = handle.read().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return
        if state in ("Z", "X"):
            return
        os.sched_yield()
