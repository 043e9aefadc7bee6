"""Which clicks on /r/<token> are robots: scanners, prefetchers, previewers (README "Readership").

A click is a robot's when any of these holds (the first that does is its reason):

1. it is a HEAD request (mail gateways check that a link answers, without reading it);
2. it says it is a prefetch (``Purpose``/``Sec-Purpose: prefetch``, ``X-Purpose: preview``,
   ``X-Moz: prefetch``);
3. it has no User-Agent, or one containing a known scanner's substring (``BUILT_IN_AGENTS``
   or ``[readership] robot_user_agents``, any case);
4. it comes from a range of ``[readership] robot_networks``;
5. during an issue's delivery window (from its first message handed over to
   ``scan_seconds`` after its latest), it has no Accept-Language header or no browser
   User-Agent ("Mozilla/"): gateways scan links as messages arrive, and readers' browsers
   always send both;
6. its client (IP address and User-Agent, as a keyed hash held in memory for minutes,
   never stored) opened ``BURST_STORIES`` different stories of the same issue edition
   within ``BURST_SECONDS`` -- 2 during the delivery window: then that burst's clicks and
   the client's clicks on the edition for ``HOLD_SECONDS`` after are robots.

Rules 1 to 5 decide as the click arrives; rule 6 looks back, so a click that may still
join a burst waits ``BURST_SECONDS`` in memory before it is counted as a reader's.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

BURST_SECONDS = 10.0
BURST_STORIES = 3  # different stories of one edition within BURST_SECONDS: a robot
SCAN_BURST_STORIES = 2  # ... during the delivery window
HOLD_SECONDS = 300.0  # a client found in a burst stays a robot on that edition this long
MAX_CLIENTS = 200_000  # (client, edition) pairs held at most; the oldest go first

# Substrings (matched in any case) of the User-Agent of programs that fetch links without a
# reader: mail security gateways and sandboxes, link checkers and monitors, chat and social
# link previews, crawlers, and HTTP libraries. Browsers with these words do not exist; a
# proxy that forwards readers' own User-Agent (a corporate web proxy) is not listed.
BUILT_IN_AGENTS: tuple[str, ...] = (
    # mail security gateways, sandboxes and Office's link checks
    "barracuda", "mimecast", "proofpoint", "ironport", "symantec", "messagelabs",
    "trend micro", "trendmicro", "sophos", "fortiguard", "fortimail", "forcepoint",
    "mcafee", "kaspersky", "bitdefender", "spamtitan", "mailscanner", "safelinks",
    "ms-office", "microsoft office", "existence discovery", "urlscan", "virustotal",
    # link checkers, validators and monitors
    "linkchecker", "link-checker", "checklink", "xenu", "validator", "uptime", "pingdom",
    "statuscake", "monitor",
    # link previews in chat and social apps, mail clients' own fetchers
    "slackbot", "slack-imgproxy", "facebookexternalhit", "twitterbot", "linkedinbot",
    "whatsapp", "telegrambot", "discordbot", "skypeuripreview", "bingpreview", "embedly",
    "iframely", "googleimageproxy", "yahoomailproxy", "google-safety",
    # crawlers, headless browsers and HTTP libraries
    "bot/", "bot;", "bot)", "bot-", "crawler", "spider", "slurp", "headlesschrome",
    "phantomjs", "puppeteer", "playwright", "selenium", "python-requests", "python-urllib",
    "python-httpx", "aiohttp", "go-http-client", "java/", "okhttp", "apache-httpclient",
    "libwww-perl", "curl/", "wget/", "node-fetch", "axios/", "httpclient",
)

_PREFETCH = {"Purpose": "prefetch", "Sec-Purpose": "prefetch", "X-Purpose": "preview",
             "X-Moz": "prefetch"}
_PREFETCH_ENVIRON = {"HTTP_" + k.upper().replace("-", "_"): k for k in _PREFETCH}


@dataclass(frozen=True)
class ClickRequest:
    """What the rules look at in one request; nothing of it is stored."""

    method: str
    user_agent: str
    ip: str
    accept_language: str = ""
    purpose: str = ""  # Purpose / Sec-Purpose / X-Purpose / X-Moz, joined, lower case

    @classmethod
    def from_environ(cls, environ: dict[str, Any], ip: str) -> ClickRequest:
        """From a WSGI environ: a dict look-up per header (werkzeug's Headers scan a list)."""
        get = environ.get
        purpose = " ".join(f"{name}:{environ[key]}" for key, name in _PREFETCH_ENVIRON.items()
                           if environ.get(key)).lower()
        return cls(method=str(get("REQUEST_METHOD", "GET")).upper(),
                   user_agent=get("HTTP_USER_AGENT", ""), ip=ip,
                   accept_language=get("HTTP_ACCEPT_LANGUAGE", ""), purpose=purpose)


class RobotRules:
    """Rules 1 to 5 (see the module): a reason when the request is a robot's, else None."""

    def __init__(self, agents: Iterable[str] = (), networks: Iterable[str] = ()) -> None:
        words = sorted({a.strip().lower() for a in (*BUILT_IN_AGENTS, *agents) if a.strip()})
        self._agents = re.compile("|".join(re.escape(w) for w in words))
        self._networks = tuple(ipaddress.ip_network(n.strip()) for n in networks)

    def reason(self, request: ClickRequest, *, scanning: bool) -> str | None:
        if request.method == "HEAD":
            return "HEAD request"
        if request.purpose and any(f"{k.lower()}:{v}" in request.purpose
                                   for k, v in _PREFETCH.items()):
            return "prefetch"
        agent = request.user_agent.strip().lower()
        if not agent:
            return "no User-Agent"
        found = self._agents.search(agent)
        if found:
            return f"User-Agent has {found.group(0)!r}"
        if self._networks and self._in_networks(request.ip):
            return "address in robot_networks"
        if scanning and not request.accept_language.strip():
            return "no Accept-Language during delivery"
        if scanning and "mozilla/" not in agent:
            return "no browser User-Agent during delivery"
        return None

    def _in_networks(self, ip: str) -> bool:
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in network for network in self._networks)


@dataclass
class _Client:
    recent: deque[tuple[float, str]] = field(default_factory=deque)  # (time, story)
    robot_from: float | None = None
    robot_until: float = 0.0
    last: float = 0.0


class Bursts:
    """Rule 6: who opened several stories of one edition at once, held in memory only.

    A client is a keyed BLAKE2 hash of its IP address and User-Agent, under a key made
    at start and never written anywhere: the hashes mean nothing after a restart.
    """

    def __init__(self, *, limit: int = MAX_CLIENTS) -> None:
        self._key = os.urandom(16)
        self._limit = limit
        self._clients: OrderedDict[tuple[bytes, object], _Client] = OrderedDict()

    def client(self, ip: str, user_agent: str) -> bytes:
        return hashlib.blake2b(f"{ip}\n{user_agent}".encode("utf-8", "replace"),
                               key=self._key, digest_size=12).digest()

    def see(self, client: bytes, edition: object, story: str, at: float, *,
            threshold: int) -> None:
        """Note one click; the client becomes a robot on this edition in a burst."""
        key = (client, edition)
        state = self._clients.get(key)
        if state is None:
            state = self._clients[key] = _Client()
            if len(self._clients) > self._limit:
                self._clients.popitem(last=False)
        else:
            self._clients.move_to_end(key)
        state.last = at
        recent = state.recent
        recent.append((at, story))
        while recent and recent[0][0] < at - BURST_SECONDS:
            recent.popleft()
        if len(recent) >= threshold and len({s for _, s in recent}) >= threshold:
            start = recent[0][0]
            if state.robot_from is None or start > state.robot_until:
                state.robot_from = start
            state.robot_until = at + HOLD_SECONDS

    def robot(self, client: bytes, edition: object, at: float) -> bool:
        """Was this client a robot on this edition at that time (rule 6)?"""
        state = self._clients.get((client, edition))
        return (state is not None and state.robot_from is not None
                and state.robot_from <= at <= state.robot_until)

    def forget(self, before: float) -> None:
        """Drop clients not seen since ``before`` and no longer held as robots."""
        while self._clients:
            key, state = next(iter(self._clients.items()))
            if state.last >= before or state.robot_until >= before:
                break
            del self._clients[key]

    def __len__(self) -> int:
        return len(self._clients)
