"""A loopback HTTP server whose paths misbehave the ways real feed servers do."""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def rss(items: int = 3, title: str = "Fil test", lang: str = "fr") -> bytes:
    body = "".join(
        f"<item><title>Article {i} : l'été à Agadir</title>"
        f"<link>https://faults.example/{i}</link><guid>f-{i}</guid>"
        f"<pubDate>Thu, 26 Nov 2026 1{i % 10}:00:00 +0100</pubDate>"
        f"<description>Résumé de l'article {i}, avec des accents.</description></item>"
        for i in range(items))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>https://faults.example/</link>"
            f"<language>{lang}</language>{body}</channel></rss>").encode()


RSS_091 = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>Vieux fil</title>
<link>https://old.example/</link><description>d</description><language>en</language>
<item><title>An old-style item</title><link>https://old.example/1</link>
<description>Still around.</description></item></channel></rss>"""

RSS_10 = b"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://rdf.example/"><title>Fil RDF</title><link>https://rdf.example/</link>
<description>d</description><dc:language>fr</dc:language></channel>
<item rdf:about="https://rdf.example/1"><title>Un article RDF</title>
<link>https://rdf.example/1</link><description>Texte.</description>
<dc:date>2026-11-26T10:00:00+01:00</dc:date></item></rdf:RDF>"""

HTML_PAGE = b"<!DOCTYPE html><html><head><title>Oops</title></head><body><p>Page</p></body></html>"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FaultServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?")[0]
        self.server.hits[path] += 1
        with self.server.lock:
            self.server.in_flight += 1
            self.server.max_in_flight = max(self.server.max_in_flight, self.server.in_flight)
        try:
            getattr(self, "route_" + path.strip("/").replace("-", "_").replace(".", "_"),
                    self.route_missing)()
        finally:
            with self.server.lock:
                self.server.in_flight -= 1

    def send(self, code: int, body: bytes = b"", kind: str = "application/rss+xml",
             **headers: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def route_missing(self) -> None:
        self.send(404, b"no", "text/plain")

    def route_ok_xml(self) -> None:
        etag = '"v1"'
        if self.headers.get("If-None-Match") == etag:
            self.server.not_modified += 1
            self.send(304, ETag=etag)
        else:
            self.send(200, rss(), ETag=etag, Last_Modified="Thu, 26 Nov 2026 10:00:00 GMT")

    def route_html(self) -> None:
        self.send(200, HTML_PAGE, "text/html; charset=utf-8")

    def route_html_as_xml(self) -> None:
        self.send(200, HTML_PAGE, "application/rss+xml")

    def route_empty(self) -> None:
        self.send(200, b"")

    def route_truncated(self) -> None:
        body = rss(6)
        self.send(200, body[: int(len(body) * 0.7)])

    def route_wrong_encoding(self) -> None:
        self.send(200, rss().decode().encode("cp1252"), "application/rss+xml; charset=utf-8")

    def route_huge(self) -> None:
        self.send(200, rss(2) + b" " * 300_000)

    def route_bomb(self) -> None:
        body = gzip.compress(b"<rss>" + b" " * 60_000_000, compresslevel=9)
        self.send(200, body, Content_Encoding="gzip")

    def route_gzipped(self) -> None:
        self.send(200, gzip.compress(rss()), Content_Encoding="gzip")

    def route_trickle(self) -> None:
        body = rss()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for i in range(len(body)):
            if self.server.stopping.is_set():
                return
            try:
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.1)

    def route_slow(self) -> None:
        self.server.stopping.wait(3)
        self.send(200, rss())

    def route_loop(self) -> None:
        self.send(302, Location="/loop")

    def route_gone(self) -> None:
        self.send(410, b"gone", "text/plain")

    def route_moved(self) -> None:
        self.send(301, Location="/ok.xml")

    def route_flaky(self) -> None:
        if self.server.hits["/flaky"] == 1:
            self.send(503, b"busy", "text/plain", Retry_After="0")
        else:
            self.send(200, rss())

    def route_limited(self) -> None:
        self.send(429, b"slow down", "text/plain", Retry_After="1")

    def route_down(self) -> None:
        self.send(503, b"down", "text/plain")

    def route_rss091(self) -> None:
        self.send(200, RSS_091)

    def route_rss10(self) -> None:
        self.send(200, RSS_10)

    def route_busy(self) -> None:
        self.server.stopping.wait(0.2)
        self.send(200, rss())


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.hits: Counter[str] = Counter()
        self.not_modified = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.scheme = "https" if tls else "http"

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}/{path.lstrip('/')}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass

    def __enter__(self) -> FaultServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
