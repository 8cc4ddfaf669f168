"""wrk/scenario.lua end to end: real wrk against a small local HTTP server."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks import loadgen

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("wrk") is None, reason="needs wrk (apt-get install wrk)"),
]


class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[dict] = []

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append(
            {
                "method": self.command,
                "path": self.path,
                "authorization": self.headers.get("Authorization"),
                "key": self.headers.get("Idempotency-Key"),
                "body": body,
            }
        )
        status = 500 if self.path == "/boom" else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Recorder.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def run(url: str, load: loadgen.Load) -> loadgen.Measurement:
    return loadgen.run_wrk(url, load, duration=1, connections=2, threads=2)


def test_get_scenario_takes_paths_in_turn_with_the_token(server, tmp_path):
    paths = tmp_path / "paths"
    paths.write_text("/a\n/b\n")
    tokens = tmp_path / "tokens"
    tokens.write_text("t1\n")
    result = run(server, loadgen.Load(paths=paths, tokens=tokens))
    assert result.requests > 0
    assert result.status["2xx"] == result.requests
    assert {r["path"] for r in Recorder.seen} == {"/a", "/b"}
    assert {r["authorization"] for r in Recorder.seen} == {"Bearer t1"}


def test_post_scenario_orders_one_unit_of_a_listed_product_with_fresh_keys(server, tmp_path):
    products = tmp_path / "products"
    products.write_text("7\n9\n")
    result = run(
        server, loadgen.Load(method="POST", path="/orders/", products=products, idempotency=True)
    )
    assert result.requests > 0
    bodies = [json.loads(r["body"]) for r in Recorder.seen]
    assert {b["items"][0]["product"] for b in bodies} <= {7, 9}
    assert all(b["items"][0]["quantity"] == 1 for b in bodies)
    keys = [r["key"] for r in Recorder.seen]
    assert len(set(keys)) == len(keys)


def test_server_errors_are_counted(server, tmp_path):
    paths = tmp_path / "paths"
    paths.write_text("/boom\n")
    result = run(server, loadgen.Load(paths=paths))
    assert result.server_errors == result.requests > 0
