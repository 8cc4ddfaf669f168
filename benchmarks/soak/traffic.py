"""The soak test's bounded load generator: client threads on loopback, standard library only.

Each client thread plays a customer (browse, order with an ``Idempotency-Key``, retry with
the same key, double-submit it, cancel, read its orders and their audit trail, register a
new account); one more thread plays staff (pays, ships, delivers and cancels orders). The
run stops at its deadline or when the request budget is spent, whichever comes first.

Every answer is tallied by action and status. A 5xx, a connection error, or a replay that
differs from the first answer is a failure.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

PASSWORD = "soak-Passw0rd-not-secret"
# 400: out of stock, or a move the state machine refuses (staff moved the order first);
# 403: a customer cancelling an order staff already marked paid; 409: a duplicate while the
# first is still running; 429: a throttle.
EXPECTED_4XX = {400, 403, 404, 409, 429}


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]
    raw: bytes


@dataclass
class Tally:
    """Thread-safe counters of one run."""

    budget: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: int = 0
    statuses: Counter = field(default_factory=Counter)
    by_action: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    events: Counter = field(default_factory=Counter)

    def take(self) -> bool:
        """Reserve one request of the budget; False when it is spent."""
        with self.lock:
            if self.sent >= self.budget:
                return False
            self.sent += 1
            return True

    def record(self, action: str, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.by_action[(action, status)] += 1
            self.latencies.append(seconds)

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)

    def count(self, event: str) -> None:
        with self.lock:
            self.events[event] += 1


class BudgetSpent(Exception):
    pass


class Client:
    """One HTTP/1.1 connection to the server, and the caller's access token."""

    def __init__(self, host: str, port: int, tally: Tally) -> None:
        self.host, self.port, self.tally = host, port, tally
        self.connection = http.client.HTTPConnection(host, port, timeout=60)
        self.token: str | None = None

    def call(
        self,
        action: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        token: str | None = None,
    ) -> Answer:
        if not self.tally.take():
            raise BudgetSpent
        headers = {"Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotency-Key"] = key
        token = token or self.token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self.tally.record(action, 0, time.perf_counter() - started)
            self.tally.fail(f"{method} {path}: connection error {error!r}")
            return Answer(0, None, {}, b"")
        self.tally.record(action, response.status, time.perf_counter() - started)
        answer = Answer(
            response.status,
            json.loads(raw) if raw and "json" in response.getheader("Content-Type", "") else None,
            {name.lower(): value for name, value in response.getheaders()},
            raw,
        )
        if answer.status >= 500:
            self.tally.fail(f"{method} {path}: {answer.status} {raw[:200]!r}")
        elif answer.status >= 400 and answer.status not in EXPECTED_4XX:
            self.tally.fail(f"{method} {path}: unexpected {answer.status} {raw[:200]!r}")
        return answer

    def login(self, username: str) -> None:
        answer = self.call(
            "login", "POST", "/api/auth/login/", {"username": username, "password": PASSWORD}
        )
        if answer.status == 200:
            self.token = answer.body["access"]

    def close(self) -> None:
        self.connection.close()


@dataclass
class Shared:
    """What the threads know of each other: the products, and the orders placed so far."""

    product_ids: list[int]
    lock: threading.Lock = field(default_factory=threading.Lock)
    orders: list[int] = field(default_factory=list)

    def add_order(self, pk: int) -> None:
        with self.lock:
            self.orders.append(pk)

    def some_order(self, rng: random.Random) -> int | None:
        with self.lock:
            return rng.choice(self.orders) if self.orders else None


class Customer:
    """A client thread's customer life: its own orders, its own keys."""

    def __init__(self, client: Client, shared: Shared, rng: random.Random) -> None:
        self.client, self.shared, self.rng = client, shared, rng
        self.pending: list[int] = []

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.40:
            self.browse()
        elif roll < 0.62:
            self.order()
        elif roll < 0.68:
            self.order_twice_at_once()
        elif roll < 0.80:
            self.cancel()
        elif roll < 0.92:
            self.my_orders()
        else:
            self.register()

    def browse(self) -> None:
        choice = self.rng.random()
        if choice < 0.4:
            page = self.rng.randint(1, 3)
            self.client.call("browse", "GET", f"/api/products/?page={page}&page_size=10", token="")
        elif choice < 0.7:
            pk = self.rng.choice(self.shared.product_ids)
            self.client.call("browse", "GET", f"/api/products/{pk}/", token="")
        elif choice < 0.85:
            self.client.call(
                "browse", "GET", "/api/products/?search=soak&ordering=-price", token=""
            )
        else:
            self.client.call("browse", "GET", "/api/categories/", token="")

    def _items(self) -> list[dict[str, int]]:
        products = self.rng.sample(self.shared.product_ids, self.rng.randint(1, 3))
        return [{"product": pk, "quantity": self.rng.randint(1, 4)} for pk in products]

    def order(self) -> None:
        body = {"items": self._items(), "note": "soak"}
        key = uuid.uuid4().hex
        first = self.client.call("order", "POST", "/api/orders/", body, key=key)
        if first.status == 201:
            self.placed(first.body["id"])
        elif first.status == 400:
            self.client.tally.count("order refused (out of stock)")
        if self.rng.random() < 0.35:
            # The response was "lost": the client retries with the same key.
            retry = self.client.call("order retry", "POST", "/api/orders/", body, key=key)
            self.check_replay(first, retry)

    def order_twice_at_once(self) -> None:
        """Two connections send the same order with the same key at the same moment."""
        body = {"items": self._items(), "note": "soak double"}
        key = uuid.uuid4().hex
        twin = Client(self.client.host, self.client.port, self.client.tally)
        twin.token = self.client.token
        answers: list[Answer] = []

        def send(client: Client) -> None:
            with contextlib.suppress(BudgetSpent):
                answers.append(client.call("double submit", "POST", "/api/orders/", body, key=key))

        other = threading.Thread(target=send, args=(twin,))
        other.start()
        send(self.client)
        other.join()
        twin.close()
        created = {a.body["id"] for a in answers if a.status == 201}
        if len(created) > 1:
            self.client.tally.fail(f"double submit with key {key} created orders {created}")
        for pk in created:
            self.placed(pk)
        self.client.tally.count(
            "double submit: " + "+".join(sorted(str(a.status) for a in answers))
        )

    def check_replay(self, first: Answer, retry: Answer) -> None:
        if first.status in (0, 409) or retry.status == 0:
            return
        if retry.status == 409:
            self.client.tally.count("retry while running (409)")
            return
        if retry.headers.get("idempotent-replayed") != "true" or retry.raw != first.raw:
            self.client.tally.fail(
                f"retry with the same key was not a faithful replay: {first.status} "
                f"then {retry.status} {retry.headers.get('idempotent-replayed')}"
            )
        else:
            self.client.tally.count("faithful replays")

    def placed(self, pk: int) -> None:
        self.pending.append(pk)
        self.shared.add_order(pk)

    def cancel(self) -> None:
        if not self.pending:
            self.order()
            return
        pk = self.pending.pop(self.rng.randrange(len(self.pending)))
        key = uuid.uuid4().hex
        if self.rng.random() < 0.5:
            first = self.client.call("cancel", "DELETE", f"/api/orders/{pk}/", key=key)
            retry = self.client.call("cancel retry", "DELETE", f"/api/orders/{pk}/", key=key)
        else:
            body = {"status": "cancelled"}
            path = f"/api/orders/{pk}/transition/"
            first = self.client.call("cancel", "POST", path, body, key=key)
            retry = self.client.call("cancel retry", "POST", path, body, key=key)
        self.check_replay(first, retry)

    def my_orders(self) -> None:
        self.client.call("my orders", "GET", "/api/orders/?page_size=20")
        if self.pending:
            pk = self.rng.choice(self.pending)
            self.client.call("my orders", "GET", f"/api/orders/{pk}/audit/")

    def register(self) -> None:
        name = f"soak-new-{uuid.uuid4().hex[:12]}"
        answer = self.client.call(
            "register",
            "POST",
            "/api/auth/register/",
            {
                "username": name,
                "email": f"{name}@soak.example",
                "password": PASSWORD,
                "password2": PASSWORD,
            },
            token="",
        )
        if answer.status == 201 and self.rng.random() < 0.5:
            # Become the new customer: later orders are theirs.
            self.client.login(name)
            self.pending = []


class Staff:
    """Moves other people's orders along: pay, ship, deliver, or cancel (paid or not)."""

    MOVES = ["paid", "paid", "shipped", "delivered", "cancelled"]

    def __init__(self, client: Client, shared: Shared, rng: random.Random) -> None:
        self.client, self.shared, self.rng = client, shared, rng

    def step(self) -> None:
        pk = self.shared.some_order(self.rng)
        if pk is None:
            self.client.call("staff", "GET", "/api/orders/?page_size=50")
            return
        target = self.rng.choice(self.MOVES)
        self.client.call(
            "staff",
            "POST",
            f"/api/orders/{pk}/transition/",
            {"status": target},
            key=uuid.uuid4().hex,
        )


def run(
    *,
    host: str,
    port: int,
    customers: list[str],
    staff: str,
    product_ids: list[int],
    clients: int,
    duration: float,
    budget: int,
    seed: int,
) -> tuple[Tally, float]:
    """Run the traffic; the tally and the elapsed seconds."""
    tally = Tally(budget=budget)
    shared = Shared(product_ids=product_ids)
    deadline = time.monotonic() + duration

    def play(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        client = Client(host, port, tally)
        try:
            if index == 0:
                client.login(staff)
                actor: Staff | Customer = Staff(client, shared, rng)
            else:
                client.login(customers[index % len(customers)])
                actor = Customer(client, shared, rng)
            while time.monotonic() < deadline:
                actor.step()
        except BudgetSpent:
            pass
        finally:
            client.close()

    started = time.monotonic()
    threads = [threading.Thread(target=play, args=(i,), name=f"soak-{i}") for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - started
