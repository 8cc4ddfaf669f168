"""``localstripe`` (a Stripe emulator from PyPI) run as a real server for the suite, and a
small HTTP server that receives the webhooks it sends."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def localstripe_command(port: int) -> list[str]:
    """The emulator's console script beside this interpreter (the virtualenv's)."""
    script = Path(sys.executable).with_name("localstripe")
    program = str(script) if script.exists() else shutil.which("localstripe")
    if program is None:
        raise FileNotFoundError("localstripe is not installed (pip install -e '.[test]')")
    return [program, "--port", str(port), "--from-scratch"]


class LocalStripe:
    """A localstripe process on a free loopback port; ``base`` is its API address."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(workdir / "localstripe.log", "wb")  # noqa: SIM115
        # --from-scratch: no state from a previous run; its store file goes to workdir.
        self.process = subprocess.Popen(
            localstripe_command(self.port),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"localstripe exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(f"{self.base}/js.stripe.com/v3/", timeout=1).close()
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        raise RuntimeError(f"localstripe did not answer on {self.base} in {timeout} s")

    def register_webhook(self, name: str, url: str, secret: str) -> None:
        data = json.dumps({"url": url, "secret": secret}).encode()
        request = urllib.request.Request(
            f"{self.base}/_config/webhooks/{name}",
            data=data,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=5).close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, str]

    @property
    def event(self) -> dict:
        return json.loads(self.body)


@dataclass
class WebhookInbox:
    """Receives the emulator's webhooks as they were sent (body bytes and headers)."""

    deliveries: list[Delivery] = field(default_factory=list)
    condition: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, event_type: str, reference: str, timeout: float = 20.0) -> Delivery:
        def found() -> Delivery | None:
            for delivery in self.deliveries:
                event = delivery.event
                if event["type"] == event_type and event["data"]["object"]["id"] == reference:
                    return delivery
            return None

        with self.condition:
            if not self.condition.wait_for(lambda: found() is not None, timeout=timeout):
                raise AssertionError(f"no {event_type} webhook for {reference} in {timeout} s")
            result = found()
            assert result is not None
            return result


def serve_inbox() -> tuple[ThreadingHTTPServer, WebhookInbox]:
    inbox = WebhookInbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with inbox.condition:
                inbox.deliveries.append(Delivery(body, dict(self.headers.items())))
                inbox.condition.notify_all()
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, inbox
