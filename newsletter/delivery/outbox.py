"""The default sender: every message becomes an .eml file in a folder."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..errors import DeliveryError
from ..models import DeliveryResult, DeliveryStatus, Message


class OutboxSender:
    """Writes ``<prefix>-<subscriber id>.eml`` atomically (temp file, then rename)."""

    name = "outbox"
    wants_parts = False
    max_batch = 100

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder = folder
        self.prefix = prefix
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeliveryError(f"cannot create the outbox folder {folder}: {exc.strerror}") from exc

    def path_for(self, message: Message) -> Path:
        return self.folder / f"{self.prefix}-{message.subscriber_id:06d}.eml"

    def send_batch(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        results = []
        for message in messages:
            path = self.path_for(message)
            tmp = path.with_suffix(".tmp")
            try:
                with open(tmp, "wb") as handle:
                    handle.write(message.data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, path)
            except OSError as exc:
                results.append(DeliveryResult(message.subscriber_id, DeliveryStatus.DEFERRED,
                                              f"cannot write {path}: {exc.strerror}"))
                continue
            results.append(DeliveryResult(message.subscriber_id, DeliveryStatus.SENT, str(path)))
        return results

    def close(self) -> None:
        pass
