"""Behind a real proxy hop: waitress on 127.0.0.1, a loopback forwarding proxy in front.

The proxy (http.server in a thread) forwards each request to waitress and appends the
address it saw to X-Forwarded-For, and sets X-Forwarded-Proto, as nginx does. Two
visitors connect from different loopback addresses (127.0.0.2 and 127.0.0.3, all of
127/8 is the loopback on Linux), so the proxy sees two clients while waitress only ever
sees the proxy. The app must tell them apart: separate sign-up limits, separate login
throttles, the right address in the consent record.
"""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from newsletter.desk.accounts import add_editor
from newsletter.pipeline import utc_now
from newsletter.store import Store
from newsletter.web import create_app, waitress_options
from tests.conftest import make_config, new_store

PASSWORD = "correct horse battery"
HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection"}


def forwarding_proxy(upstream: int) -> ThreadingHTTPServer:
    """A one-hop reverse proxy to 127.0.0.1:upstream that adds X-Forwarded-For/-Proto."""

    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            upstream_conn = http.client.HTTPConnection("127.0.0.1", upstream, timeout=10)
            upstream_conn.putrequest(self.command, self.path, skip_host=True,
                                     skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in HOP | {"x-forwarded-proto"}:
                    upstream_conn.putheader(name, value)
            seen = self.headers.get("X-Forwarded-For")
            client = self.client_address[0]
            upstream_conn.putheader("X-Forwarded-For", f"{seen}, {client}" if seen else client)
            upstream_conn.putheader("X-Forwarded-Proto", "https")
            upstream_conn.endheaders(body or None)
            answer = upstream_conn.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in HOP | {"content-length"}:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            upstream_conn.close()

        do_GET = do_POST = do_HEAD = forward

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Forward)


class Visitor:
    """A browser on one loopback address: keeps its cookies, talks to the proxy."""

    def __init__(self, port: int, address: str) -> None:
        self.port, self.address = port, address
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10,
                                          source_address=(self.address, 0))
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                **(headers or {})}
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=sent)
        answer = conn.getresponse()
        text = answer.read().decode()
        for name, value in answer.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return answer.status, text

    def csrf(self, path: str) -> str:
        status, page = self.request("GET", path)
        assert status == 200, page[:300]
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found
        return found.group(1)

    def sign_up(self, email: str, **headers: str) -> int:
        form = {"csrf": self.csrf("/subscribe"), "email": email, "consent": "yes"}
        return self.request("POST", "/subscribe", form, headers)[0]

    def log_in(self, password: str, name: str = "amina") -> int:
        form = {"csrf": self.csrf("/editor/login"), "username": name, "password": password}
        return self.request("POST", "/editor/login", form)[0]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Any, Store, int]]:
    """The app under real waitress (proxy settings from the config), behind the proxy."""
    from waitress import create_server

    config = make_config(tmp_path, web={"proxy_hops": 1}, signup={"per_ip": 2},
                         editor={"max_login_failures": 2})
    store = Store.open(config.database_url)
    add_editor(store, "amina", PASSWORD, "amina@example.org", utc_now())
    app = create_app(config, store)
    server: Any = create_server(app, host="127.0.0.1", port=0, threads=4,
                                **waitress_options(app))
    proxy = forwarding_proxy(server.effective_port)
    threads = [threading.Thread(target=server.run, daemon=True),
               threading.Thread(target=proxy.serve_forever, daemon=True)]
    for thread in threads:
        thread.start()
    try:
        yield app, store, proxy.server_address[1]
    finally:
        proxy.shutdown()
        proxy.server_close()
        server.close()
        app.extensions["signup_queue"].wait()
        store.close()


def test_each_forwarded_client_has_its_own_sign_up_limit(served: tuple[Any, Store, int]
                                                         ) -> None:
    app, store, port = served
    ann, bob = Visitor(port, "127.0.0.2"), Visitor(port, "127.0.0.3")
    # What a client writes in X-Forwarded-For itself is not believed: only the proxy's entry.
    assert [ann.sign_up(f"ann{i}@example.org", **{"X-Forwarded-For": f"192.0.2.{i}"})
            for i in range(3)] == [303, 303, 429]
    assert bob.sign_up("bob@example.org") == 303  # another visitor, the same proxy
    app.extensions["signup_queue"].wait()
    consent = {r["email"]: r["consent_ip"] for r in store.list_subscribers()}
    assert consent == {"ann0@example.org": "127.0.0.2", "ann1@example.org": "127.0.0.2",
                       "bob@example.org": "127.0.0.3"}


def test_one_clients_wrong_passwords_do_not_lock_the_editor_elsewhere(
        served: tuple[Any, Store, int]) -> None:
    _, _, port = served
    stranger, editor = Visitor(port, "127.0.0.2"), Visitor(port, "127.0.0.3")
    assert [stranger.log_in("wrong wrong wrong") for _ in range(3)] == [401, 429, 429]
    assert stranger.log_in(PASSWORD) == 429  # the stranger's address, for this name: locked
    assert editor.log_in(PASSWORD) == 302  # the editor, from elsewhere: not locked out


def test_without_proxy_hops_forwarded_headers_are_dropped(tmp_path: Path) -> None:
    from waitress import create_server

    app = create_app(make_config(tmp_path), Store.open(make_config(tmp_path).database_url))
    assert waitress_options(app) == {"clear_untrusted_proxy_headers": True}
    seen: list[str] = []

    @app.get("/peer")
    def peer() -> str:
        from flask import request

        seen.append(f"{request.remote_addr} {request.headers.get('X-Forwarded-For')}")
        return "ok"

    server: Any = create_server(app, host="127.0.0.1", port=0, **waitress_options(app))
    threading.Thread(target=server.run, daemon=True).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=10,
                                          source_address=("127.0.0.2", 0))
        conn.request("GET", "/peer", headers={"X-Forwarded-For": "192.0.2.1"})
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        server.close()
    assert seen == ["127.0.0.2 None"]  # the TCP peer; a forged header never reaches the app


def test_newsletter_serve_itself_trusts_proxy_hops(tmp_path: Path) -> None:
    """The command ops run (`newsletter serve`, waitress), behind the proxy: consent_ip."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import tomli_w

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = tmp_path / "newsletter.toml"
    config.write_text(tomli_w.dumps({
        "store": {"url": "sqlite:///db.sqlite3"}, "web": {"proxy_hops": 1},
        "delivery": {"outbox_dir": "outbox"}}), encoding="utf-8")
    new_store(config)
    proc = subprocess.Popen([sys.executable, "-m", "newsletter", "serve", "--port", str(port),
                             "--config", str(config)], cwd=tmp_path, env=dict(os.environ),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    proxy = forwarding_proxy(port)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        deadline = time.monotonic() + 30
        while True:  # poll for readiness
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr
                time.sleep(0.05)
        proxied = proxy.server_address[1]
        assert Visitor(proxied, "127.0.0.2").sign_up("ann@example.org") == 303
        assert Visitor(proxied, "127.0.0.3").sign_up("bob@example.org") == 303
        store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite3'}")
        deadline = time.monotonic() + 30
        while len(store.list_subscribers()) < 2:  # written just after the answer
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert {r["email"]: r["consent_ip"] for r in store.list_subscribers()} == {
            "ann@example.org": "127.0.0.2", "bob@example.org": "127.0.0.3"}
        store.close()
    finally:
        proxy.shutdown()
        proxy.server_close()
        proc.terminate()
        proc.wait(timeout=10)
