"""SMTP delivery: verified TLS, explicit timeouts, one transaction per message, reused connection.

A message goes in two steps: MAIL, RCPT, DATA and the whole message but its final
``<CRLF>.<CRLF>`` (:meth:`SmtpSender.stage_one`), then the final dot and the server's reply
(:meth:`SmtpSender.commit_one`). A server delivers nothing whose final dot it did not receive
(RFC 5321 §4.1.1.4: the end-of-data indication is what makes it process the transaction):
a sender that dies between the two steps leaves no copy anywhere.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from collections.abc import Sequence
from email.utils import parseaddr

from ..config import SmtpSection
from ..errors import DeliveryError
from ..models import DeliveryResult, DeliveryStatus, Message


class SmtpSender:
    """Sends through one SMTP connection, renewed every ``max_messages_per_connection``."""

    name = "smtp"
    wants_parts = False
    max_batch = 1

    def __init__(self, settings: SmtpSection, envelope_from: str,
                 context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.envelope_from = parseaddr(envelope_from)[1]
        self._context = context
        self._conn: smtplib.SMTP | None = None
        self._sent_on_conn = 0
        self._staged: int | None = None  # subscriber id of the message waiting for its dot

    @property
    def context(self) -> ssl.SSLContext:
        """The verifying TLS context, made when first needed (loading the system's CA
        certificates costs ~30 ms: not worth paying for a plain local relay)."""
        if self._context is None:
            self._context = ssl.create_default_context()
        return self._context

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            conn: smtplib.SMTP
            if s.tls == "ssl":
                conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self.context)
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.tls == "starttls":
                    conn.ehlo()
                    if not conn.has_extn("starttls"):
                        conn.close()
                        raise DeliveryError(f"SMTP server {s.host}:{s.port} does not offer "
                                            "STARTTLS; refusing to send in plain text")
                    conn.starttls(context=self.context)
            conn.ehlo()
            if s.username:
                conn.login(s.username, os.environ.get(s.password_env, ""))
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP login to {s.host}:{s.port} refused: {exc.smtp_code} "
                                f"{exc.smtp_error!r}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"cannot connect to SMTP server {s.host}:{s.port}: {exc}") from exc
        return conn

    def _connection(self) -> smtplib.SMTP:
        if self._conn is not None and self._sent_on_conn >= self.settings.max_messages_per_connection:
            self.close()
        if self._conn is None:
            self._conn = self._connect()
            self._sent_on_conn = 0
        return self._conn

    def send_batch(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        results: list[DeliveryResult] = []
        for message in messages:
            try:
                results.append(self.stage_one(message) or self.commit_one())
            except DeliveryError as exc:
                exc.results = results
                raise
        return results

    def stage_one(self, message: Message, *, retry_disconnect: bool = True) -> DeliveryResult | None:
        """MAIL, RCPT, DATA and the message but its final dot, each reply read: None when
        the message waits for its dot, else its result.

        A disconnect before DATA is harmless (nothing was handed over): reconnect and try
        once more. One while the message goes out is harmless too (no final dot, no
        delivery): deferred, for a later try.
        """
        self.abandon()
        sid = message.subscriber_id
        conn = self._connection()
        self._sent_on_conn += 1
        try:
            code, reply = _mail(conn, self.envelope_from)
            if code != 250:
                return self._refused(sid, code, reply, conn)
            code, reply = _rcpt(conn, message.recipient)
            if code not in (250, 251):
                return self._refused(sid, code, reply, conn)
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            if retry_disconnect:
                return self.stage_one(message, retry_disconnect=False)
            return DeliveryResult(sid, DeliveryStatus.DEFERRED, f"disconnected before DATA: {exc}")
        try:
            code, reply = conn.docmd("data")
            if code != 354:
                return self._refused(sid, code, reply, conn)
            conn.send(data_lines(message.data))
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            return DeliveryResult(sid, DeliveryStatus.DEFERRED,
                                  f"connection lost before the end of the message (not "
                                  f"delivered): {exc}")
        self._staged = sid
        return None

    def commit_one(self) -> DeliveryResult:
        """The staged message's final dot, and the server's verdict.

        No reply (a timeout, a lost connection) is ambiguous: the server may have
        delivered it. Recorded as unknown, never resent blindly.
        """
        sid, conn = self._staged, self._conn
        assert sid is not None and conn is not None, "commit_one() without a staged message"
        self._staged = None
        try:
            conn.send(b".\r\n")
            code, reply = conn.getreply()
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            return DeliveryResult(sid, DeliveryStatus.UNKNOWN,
                                  f"connection lost after the end of the message: {exc}")
        if code != 250:
            return self._refused(sid, code, reply, conn)
        return DeliveryResult(sid, DeliveryStatus.SENT, f"{code} {_text(reply)}".strip())

    def abandon(self) -> None:
        """Drop a staged message: the connection closes without its final dot, so the
        server discards it."""
        if self._staged is not None:
            self._staged = None
            self._drop()

    def _refused(self, sid: int, code: int, reply: bytes | str, conn: smtplib.SMTP
                 ) -> DeliveryResult:
        result = classify_reply(sid, code, reply)
        if code == 421:
            self._drop()  # the server is closing the connection
        else:
            try:
                conn.rset()
            except (smtplib.SMTPException, OSError):
                self._drop()
        if result.stop:
            raise DeliveryError(f"SMTP server {self.settings.host} refused the run: "
                                f"{result.detail}",
                                hint="a policy or authentication refusal (5.7.x): fix the "
                                     "sender's authentication, then run send again")
        return result

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def close(self) -> None:
        self.abandon()
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            finally:
                self._conn = None


def _plain(address: str) -> bool:
    """An address smtplib would send as it is: ASCII, nothing to quote or parse."""
    return address.isascii() and not any(c in address for c in '<>()"\\ ,;:\r\n')


def _mail(conn: smtplib.SMTP, sender: str) -> tuple[int, bytes]:
    """MAIL FROM, without smtplib's address parsing (a third of a send's CPU) when the
    address needs none; anything unusual goes through smtplib as before."""
    return conn.docmd("mail", f"FROM:<{sender}>") if _plain(sender) else conn.mail(sender)


def _rcpt(conn: smtplib.SMTP, recipient: str) -> tuple[int, bytes]:
    return conn.docmd("rcpt", f"TO:<{recipient}>") if _plain(recipient) else conn.rcpt(recipient)


def data_lines(data: bytes) -> bytes:
    """The message as DATA carries it, without the final dot: CRLF line ends, a leading
    dot doubled on every line, a CRLF at the end. Our messages already end their lines in
    CRLF: one pass of bytes.replace instead of smtplib's regular expressions."""
    crlf = data.count(b"\r\n")
    if data.count(b"\n") != crlf or data.count(b"\r") != crlf:
        data = re.sub(rb"\r\n|\r|\n", b"\r\n", data)
    body = data if data.endswith(b"\r\n") else data + b"\r\n"
    if body.startswith(b"."):
        body = b"." + body
    return body.replace(b"\r\n.", b"\r\n..")


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def classify_reply(subscriber_id: int, code: int, reply: bytes | str) -> DeliveryResult:
    """What an SMTP refusal means: retry later, never again (and suppress), or stop the run."""
    text = _text(reply)
    detail = f"{code} {text}"
    enhanced = text.split(" ", 1)[0] if text[:2] in ("4.", "5.") else ""
    if 400 <= code < 500:
        return DeliveryResult(subscriber_id, DeliveryStatus.DEFERRED, detail)
    if enhanced.startswith("5.7."):
        return DeliveryResult(subscriber_id, DeliveryStatus.FAILED, detail, stop=True)
    bad_mailbox = enhanced.startswith("5.1.") or enhanced == "5.2.1" or (
        not enhanced and code in (550, 551, 553))
    return DeliveryResult(subscriber_id, DeliveryStatus.FAILED, detail, suppress=bad_mailbox)
