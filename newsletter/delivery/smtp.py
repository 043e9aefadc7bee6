"""SMTP delivery: verified TLS, explicit timeouts, one transaction per message, reused connection."""

from __future__ import annotations

import os
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

    def __init__(self, settings: SmtpSection, envelope_from: str,
                 context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.envelope_from = parseaddr(envelope_from)[1]
        self.context = context or ssl.create_default_context()
        self._conn: smtplib.SMTP | None = None
        self._sent_on_conn = 0

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
                results.append(self._send_one(message))
            except DeliveryError as exc:
                exc.results = results
                raise
        return results

    def _send_one(self, message: Message) -> DeliveryResult:
        sid = message.subscriber_id
        conn = self._connection()
        try:
            refused = conn.sendmail(self.envelope_from, [message.recipient], message.data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(message.recipient, (550, b"refused"))
            return _classify(sid, code, text)
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:
                self._drop()
            return _classify(sid, exc.smtp_code, exc.smtp_error)
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            return DeliveryResult(sid, DeliveryStatus.UNKNOWN,
                                  f"connection lost during the transaction: {exc}")
        finally:
            self._sent_on_conn += 1
        if refused:
            code, text = refused.get(message.recipient, (550, b"refused"))
            return _classify(sid, code, text)
        return DeliveryResult(sid, DeliveryStatus.SENT, "250 accepted")

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            finally:
                self._conn = None


def _classify(subscriber_id: int, code: int, text: bytes | str) -> DeliveryResult:
    detail = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    if 400 <= code < 500:
        return DeliveryResult(subscriber_id, DeliveryStatus.DEFERRED, detail)
    return DeliveryResult(subscriber_id, DeliveryStatus.FAILED, detail)
