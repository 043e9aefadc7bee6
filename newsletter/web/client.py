"""Who is asking: the client's IP address, behind trusted reverse proxies or not."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request


def client_ip(proxy_hops: int) -> str:
    """The visitor's IP: the TCP peer, or the address the trusted proxies saw.

    ``proxy_hops`` ([web] proxy_hops) is how many proxies in front append to
    X-Forwarded-For; only their entries are believed, never what the client sent.
    """
    return environ_ip(request.environ, proxy_hops)


def environ_ip(environ: Mapping[str, Any], proxy_hops: int) -> str:
    """client_ip from a WSGI environ (the story-link redirect answers without Flask)."""
    if proxy_hops:
        hops = [p.strip() for p in str(environ.get("HTTP_X_FORWARDED_FOR", "")).split(",")
                if p.strip()]
        if len(hops) >= proxy_hops:
            return hops[-proxy_hops][:64]
    return str(environ.get("REMOTE_ADDR") or "unknown")
