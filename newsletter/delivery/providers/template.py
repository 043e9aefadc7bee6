"""One shared body per request, with a slot wherever the recipients' bodies differ.

SendGrid (substitutions, documented in its personalizations) sends one body to many
recipients and fills per-recipient values in. (Mailgun and Brevo no longer do: their
documents do not promise per-recipient headers in a batch, so they send one message per
request.) Messages reach a sender fully personalised (the unsubscribe and preferences
links, the greeting's name), so the slots are found by comparing each body with the
first body of its group: common prefix and suffix, then splitting at a stretch of
text found exactly once in both.
Every member is rebuilt from the template and its values and compared with its own
body; a message that cannot be rebuilt exactly goes in a group of its own (no slots,
its literal body). So a recipient can only ever receive exactly their own message.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from html import escape

from ...models import Message
from .payload import parts_of

SEPARATORS = frozenset(" \t\r\n\"'<>()")  # never inside a URL or a name's word
MAX_SLOT = 2048  # a longer difference is another body, not a personal link or name
ANCHOR = 48  # length of the stretch used to split a long difference
MAX_ROUNDS = 8  # groups tried before the rest of a batch goes one message per group

Edit = tuple[int, int, int, int]  # reference start, end; other start, end


@dataclass(frozen=True)
class SharedGroup:
    """Messages (positions in the input) that share ``bodies`` with ``tag(k)`` slots."""

    members: tuple[int, ...]
    bodies: tuple[str, ...]  # one per field (e.g. html, text), tags in place of slots
    values: tuple[tuple[str, ...], ...]  # per member, slot k's value (slots numbered across fields)
    tags: tuple[str, ...] = ()  # slot k's tag in ``bodies``

    def literal(self, i: int) -> tuple[str, ...]:
        """Member i's own bodies, every tag replaced by its value."""
        out = []
        for body in self.bodies:
            for tag, value in zip(self.tags, self.values[i], strict=True):
                body = body.replace(tag, value)
            out.append(body)
        return tuple(out)


def limit(groups: list[SharedGroup], max_bytes: int) -> list[SharedGroup]:
    """Members whose slot values add up to more than ``max_bytes`` are sent alone."""
    out: list[SharedGroup] = []
    for group in groups:
        keep = [i for i, v in enumerate(group.values) if sum(len(x.encode()) for x in v) <= max_bytes]
        if len(keep) == len(group.values):
            out.append(group)
            continue
        out.extend(SharedGroup((group.members[i],), group.literal(i), ((),))
                   for i in range(len(group.members)) if i not in keep)
        if keep:
            out.append(SharedGroup(tuple(group.members[i] for i in keep), group.bodies,
                                   tuple(group.values[i] for i in keep), group.tags))
    return out


def share(bodies: Sequence[tuple[str, ...]], keys: Sequence[Hashable],
          tag: Callable[[int], str]) -> list[SharedGroup]:
    """Group messages with equal ``keys`` whose bodies differ only in short slots."""
    buckets: dict[Hashable, list[int]] = {}
    for position, key in enumerate(keys):
        buckets.setdefault(key, []).append(position)
    groups: list[SharedGroup] = []
    for positions in buckets.values():
        pending, rounds = positions, 0
        while pending:
            rounds += 1
            if rounds > MAX_ROUNDS:
                groups.extend(_alone(bodies, p) for p in pending)
                break
            ref, rest = pending[0], []
            members = [ref]
            edits: list[list[list[Edit]]] = [[[] for _ in bodies[ref]]]
            for p in pending[1:]:
                found = [_edits(a, b) for a, b in zip(bodies[ref], bodies[p], strict=True)]
                if all(e is not None for e in found):
                    members.append(p)
                    edits.append([e for e in found if e is not None])
                else:
                    rest.append(p)
            groups.extend(_build(bodies, members, edits, tag))
            pending = rest
    return groups


def _alone(bodies: Sequence[tuple[str, ...]], position: int) -> SharedGroup:
    return SharedGroup((position,), bodies[position], ((),))


def _build(bodies: Sequence[tuple[str, ...]], members: list[int], edits: list[list[list[Edit]]],
           tag: Callable[[int], str]) -> list[SharedGroup]:
    """The group's template; members it cannot rebuild exactly (or tag safely) go alone."""
    ref = bodies[members[0]]
    slots = [_slots(ref[f], [e[f] for e in edits]) for f in range(len(ref))]
    segments = [_segments(ref[f], slots[f]) for f in range(len(ref))]
    tags, number = [], 0
    for field_slots in slots:
        tags.append([tag(number + k) for k in range(len(field_slots))])
        number += len(field_slots)
    all_tags = [t for field_tags in tags for t in field_tags]
    shared = tuple("".join(_interleave(segments[f], tags[f])) for f in range(len(ref)))
    # Each tag must occur exactly where it was put: text that looks like a tag (in the
    # body, or formed across a tag's edge) would be substituted by the provider too.
    if any(sum(body.count(t) for body in shared) != 1 for t in all_tags):
        return [_alone(bodies, p) for p in members]
    good: list[int] = []
    values: list[tuple[str, ...]] = []
    alone: list[SharedGroup] = []
    for p, member_edits in zip(members, edits, strict=True):
        vals: list[str] = []
        for f, body in enumerate(bodies[p]):
            vals.extend(_values(body, member_edits[f], slots[f]))
        rebuilt = all(_fill(segments[f], vals[sum(len(s) for s in slots[:f]):]) == body
                      for f, body in enumerate(bodies[p]))
        if rebuilt and not any(t in v for t in all_tags for v in vals):
            good.append(p)
            values.append(tuple(vals))
        else:
            alone.append(_alone(bodies, p))
    return [SharedGroup(tuple(good), shared, tuple(values), tuple(all_tags)), *alone] if good else alone


def _interleave(segments: list[str], tags: list[str]) -> list[str]:
    out = [segments[0]]
    for t, segment in zip(tags, segments[1:], strict=True):
        out.extend((t, segment))
    return out


def _fill(segments: list[str], values: Sequence[str]) -> str:
    return "".join(_interleave(segments, list(values[:len(segments) - 1])))


def _segments(ref: str, slots: list[tuple[int, int]]) -> list[str]:
    out, at = [], 0
    for start, end in slots:
        out.append(ref[at:start])
        at = end
    out.append(ref[at:])
    return out


def _slots(ref: str, member_edits: list[list[Edit]]) -> list[tuple[int, int]]:
    """Every member's differences, merged and grown to whole words (URLs, names)."""
    spans = sorted((e[0], e[1]) for edits in member_edits for e in edits)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    grown: list[tuple[int, int]] = []
    for start, end in merged:
        # The text around a slot is the same in every body, so growing is safe; a slot
        # holding the whole token gives readable values (a whole URL, not its tail).
        while start > 0 and ref[start - 1] not in SEPARATORS:
            start -= 1
        while end < len(ref) and ref[end] not in SEPARATORS:
            end += 1
        if grown and start <= grown[-1][1]:
            grown[-1] = (grown[-1][0], max(grown[-1][1], end))
        else:
            grown.append((start, end))
    return grown


def _values(body: str, edits: list[Edit], slots: list[tuple[int, int]]) -> list[str]:
    """This member's text for each slot: reference positions shifted by earlier edits."""
    out: list[str] = []
    shift, k = 0, 0
    for start, end in slots:
        inside = 0
        while k < len(edits) and edits[k][1] <= end and edits[k][0] >= start:
            a0, a1, b0, b1 = edits[k]
            inside += (b1 - b0) - (a1 - a0)
            k += 1
        out.append(body[start + shift:end + shift + inside])
        shift += inside
    return out


def _edits(a: str, b: str) -> list[Edit] | None:
    """Where ``b`` differs from ``a``, as short replaced stretches; None if too different."""
    if a == b:
        return []
    out: list[Edit] = []
    return out if _align(a, b, 0, len(a), 0, len(b), out, 0) else None


def _align(a: str, b: str, a0: int, a1: int, b0: int, b1: int, out: list[Edit],
           depth: int) -> bool:
    n = _prefix(a, a0, a1, b, b0, b1)
    a0, b0 = a0 + n, b0 + n
    n = _suffix(a, a0, a1, b, b0, b1)
    a1, b1 = a1 - n, b1 - n
    if a0 == a1 and b0 == b1:
        return True
    if a1 - a0 <= MAX_SLOT and b1 - b0 <= MAX_SLOT:
        out.append((a0, a1, b0, b1))
        return True
    if depth > 40 or a1 - a0 < 2 * ANCHOR:
        return False
    for fraction in (0.5, 0.25, 0.75, 0.125, 0.875):
        at = a0 + int((a1 - a0 - ANCHOR) * fraction)
        anchor = a[at:at + ANCHOR]
        if a.count(anchor, a0, a1) == 1 and b.count(anchor, b0, b1) == 1:
            bt = b.find(anchor, b0, b1)
            return (_align(a, b, a0, at, b0, bt, out, depth + 1)
                    and _align(a, b, at, a1, bt, b1, out, depth + 1))
    return False


def _prefix(a: str, a0: int, a1: int, b: str, b0: int, b1: int) -> int:
    """Length of the common start of a[a0:a1] and b[b0:b1] (binary search on slices)."""
    lo, hi = 0, min(a1 - a0, b1 - b0)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[a0 + lo:a0 + mid] == b[b0 + lo:b0 + mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _suffix(a: str, a0: int, a1: int, b: str, b0: int, b1: int) -> int:
    """Length of the common end of a[a0:a1] and b[b0:b1]."""
    lo, hi = 0, min(a1 - a0, b1 - b0)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[a1 - mid:a1 - lo] == b[b1 - mid:b1 - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def grouped(messages: Sequence[Message], tag: Callable[[int], str], max_bytes: int | None = None
            ) -> Iterator[tuple[list[Message], SharedGroup, dict[str, tuple[str, ...]]]]:
    """Messages grouped by shared body: (members, group, values by message id)."""
    groups = _from_template(messages, tag)
    if groups is None:  # bodies given one by one: find the slots by comparing them
        groups = share([(parts_of(m).text, parts_of(m).html) for m in messages],
                       [(parts_of(m).sender, parts_of(m).subject) for m in messages], tag)
    if max_bytes is not None:
        groups = limit(groups, max_bytes)
    for group in groups:
        members = [messages[p] for p in group.members]
        yield members, group, dict(zip((m.message_id for m in members), group.values, strict=True))


def _from_template(messages: Sequence[Message], tag: Callable[[int], str]
                   ) -> list[SharedGroup] | None:
    """The group straight from the issue's body template, when every message shares it.

    One tag per placeholder and field (values go raw into the text, escaped into the
    HTML). None when the messages do not share one template, or when a tag would also
    match text of the body itself (then the comparing path decides).
    """
    first = parts_of(messages[0]) if messages else None
    template = first.template if first is not None else None
    if first is None or template is None or any(
            parts_of(m).template is not template or parts_of(m).sender != first.sender
            or parts_of(m).subject != first.subject for m in messages):
        return None
    slots: list[tuple[int, bool]] = []  # (placeholder index, escaped)
    placed: list[int] = []  # how many times each tag was put in
    bodies: list[str] = []
    for body, escaped in ((template.text, False), (template.html, True)):
        for index, placeholder in enumerate(template.placeholders):
            if placeholder in body:
                placed.append(body.count(placeholder))
                body = body.replace(placeholder, tag(len(slots)))
                slots.append((index, escaped))
        bodies.append(body)
    tags = tuple(tag(k) for k in range(len(slots)))
    # Each tag must occur exactly where it was put: text that looks like a tag (in the
    # body, or formed across a tag's edge) would be substituted by the provider too.
    if any(sum(b.count(t) for b in bodies) != n for t, n in zip(tags, placed, strict=True)):
        return None
    good: list[int] = []
    values: list[tuple[str, ...]] = []
    alone: list[SharedGroup] = []
    for position, message in enumerate(messages):
        own = parts_of(message).values
        vals = tuple(escape(own[i], quote=True) if esc else own[i] for i, esc in slots)
        if any(t in v for t in tags for v in vals):  # a value that looks like a tag
            alone.append(SharedGroup((position,), (parts_of(message).text,
                                                   parts_of(message).html), ((),)))
        else:
            good.append(position)
            values.append(vals)
    shared = [SharedGroup(tuple(good), tuple(bodies), tuple(values), tags)] if good else []
    return [*shared, *alone]
