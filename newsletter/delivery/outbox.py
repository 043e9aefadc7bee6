"""The default sender: every message becomes an .eml file in a folder.

A message is written to a hidden temporary file beside its final name and flushed to
disk (stage), then renamed to ``<prefix>-<subscriber id>.eml`` (commit): the rename is
atomic, so a reader of the folder sees a whole message or none, and a full disk or a
crash leaves no empty or partial ``.eml`` behind (the temporary file is removed, or, after
a crash, replaced by the next try).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection, Sequence
from pathlib import Path

from ..errors import DeliveryError
from ..models import DeliveryResult, DeliveryStatus, Message


class OutboxSender:
    """Writes ``<prefix>-<subscriber id>.eml`` atomically (temp file, fsync, then rename)."""

    name = "outbox"
    wants_parts = False
    max_batch = 100

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder = folder
        self.prefix = prefix
        self._staged: dict[int, Path] = {}  # subscriber id -> final path (its temp file waits)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DeliveryError(f"cannot create the outbox folder {folder}: {exc.strerror}") from exc

    def path_for(self, message: Message) -> Path:
        return self.folder / f"{self.prefix}-{message.subscriber_id:06d}.eml"

    def send_batch(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        staged = self.stage(messages)
        done = {r.subscriber_id: r for r in self.commit(
            {m.subscriber_id for m, r in zip(messages, staged, strict=True) if r is None})}
        return [r or done[m.subscriber_id] for m, r in zip(messages, staged, strict=True)]

    def stage(self, messages: Sequence[Message]) -> list[DeliveryResult | None]:
        """Write each message to its temporary file, flushed to disk; None when written."""
        self.commit(())  # anything left staged is dropped
        out: list[DeliveryResult | None] = []
        for message in messages:
            path = self.path_for(message)
            try:
                _write_synced(_temporary(path), message.data)
            except OSError as exc:
                out.append(DeliveryResult(message.subscriber_id, DeliveryStatus.DEFERRED,
                                          f"cannot write {path}: {exc.strerror}"))
                continue
            self._staged[message.subscriber_id] = path
            out.append(None)
        return out

    def commit(self, subscriber_ids: Collection[int]) -> list[DeliveryResult]:
        """Rename the staged files of these subscribers to their final names; remove the
        others' temporary files."""
        staged, self._staged = self._staged, {}
        results = []
        for sid, path in staged.items():
            if sid not in subscriber_ids:
                _remove(_temporary(path))
                continue
            try:
                os.replace(_temporary(path), path)
            except OSError as exc:
                _remove(_temporary(path))
                results.append(DeliveryResult(sid, DeliveryStatus.DEFERRED,
                                              f"cannot write {path}: {exc.strerror}"))
                continue
            results.append(DeliveryResult(sid, DeliveryStatus.SENT, str(path)))
        if results:
            _sync_folder(self.folder)  # the renames themselves survive a power cut
        return results

    def close(self) -> None:
        self.commit(())


def _temporary(path: Path) -> Path:
    """Hidden, and not ``*.eml``: whatever picks messages up from the folder skips it."""
    return path.with_name(f".{path.name}.tmp")


def _write_synced(path: Path, data: bytes) -> None:
    """Write and fsync; on any failure (a full disk: ENOSPC, EFBIG) remove what was written."""
    try:
        with open(path, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        _remove(path)
        raise


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the files themselves are synced
    finally:
        os.close(fd)
