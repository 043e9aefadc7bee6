"""Who is asking: the client's IP address, behind trusted reverse proxies or not."""

from __future__ import annotations

from flask import request


def client_ip(proxy_hops: int) -> str:
    """The visitor's IP: the TCP peer, or the address the trusted proxies saw.

    ``proxy_hops`` ([web] proxy_hops) is how many proxies in front append to
    X-Forwarded-For; only their entries are believed, never what the client sent.
    """
    if proxy_hops:
        hops = [p.strip() for p in request.headers.get("X-Forwarded-For", "").split(",")
                if p.strip()]
        if len(hops) >= proxy_hops:
            return hops[-proxy_hops][:64]
    return request.remote_addr or "unknown"
