"""HTTP limits: clients that send their request a byte at a time, or hold connections open without sending,
cannot take the REST API or /healthz down; the server closes them when the request timeout ends."""

import socket
import threading
import time

from registry import case
from server import Server, TestFailure, check

SLOW_REQUEST = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 64 + b"\r\n\r\n"


class SlowClient:
    """One connection that sends SLOW_REQUEST one byte per second until the server closes it."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.closed_at = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        for i in range(len(SLOW_REQUEST)):
            if self._stop.wait(1.0 if i else 0):
                return
            try:
                self.sock.send(SLOW_REQUEST[i:i + 1])
                self.sock.setblocking(False)
                try:
                    if self.sock.recv(4096) == b"":
                        break  # the server closed it
                except BlockingIOError:
                    continue
                finally:
                    self.sock.setblocking(True)
            except OSError:
                break  # reset by the server
        self.closed_at = time.monotonic()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


def timed_get(srv, path):
    start = time.monotonic()
    try:
        status, _ = srv.request("GET", path)
    except OSError as e:  # urllib's timeout: the API did not answer at all
        status = f"no answer ({e})"
    return status, time.monotonic() - start


@case("slow-http-clients-expect-api-answers-then-closed", timing=True)
def slow_http_clients_expect_api_answers_then_closed(ctx):
    """16 connections (twice httplib's default worker count) send their request headers a byte per second:
    /healthz and an API GET still answer within 2 s, and the server closes every slow connection once
    web.request_timeout_s (3 s here) has passed, long before the headers were complete."""
    with Server(ctx, web_options={"request_timeout_s": 3}) as srv:
        started = time.monotonic()
        slow = [SlowClient(srv.web_port) for _ in range(16)]
        try:
            time.sleep(1.0)
            for path in ("/healthz", "/api/v1/authorized-phones"):
                status, took = timed_get(srv, path)
                check(status == 200 and took < 2.0, f"GET {path} with slow clients held: {status} in {took:.1f} s")
            deadline = started + 3 + 4
            while time.monotonic() < deadline and any(c.closed_at is None for c in slow):
                time.sleep(0.2)
            open_ones = sum(c.closed_at is None for c in slow)
            check(open_ones == 0, f"{open_ones} of 16 slow connections still open 7 s after connecting "
                                  "(request_timeout_s = 3)")
            check(all(c.closed_at - started >= 2.5 for c in slow), "a slow connection was closed before its timeout")
        finally:
            for c in slow:
                c.close()
        status, _ = timed_get(srv, "/healthz")
        check(status == 200, f"GET /healthz after the slow clients: {status}")


def answer_within(port, seconds):
    """The bytes the server sends to a fresh connection asking for /healthz, until it closes (or b"" then)."""
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        try:
            while chunk := s.recv(4096):
                data += chunk
        except ConnectionResetError:
            pass
        return data


def hold_every_slot(port, count):
    """`count` silent connections that the server holds in its slots. The harness's own last request may
    keep its slot a moment after its answer, so a silent connection refused then is opened again."""
    held = []
    for _ in range(10):
        fresh = [socket.create_connection(("127.0.0.1", port)) for _ in range(count - len(held))]
        time.sleep(0.3)
        for s in fresh:
            s.setblocking(False)
            try:
                s.recv(1, socket.MSG_PEEK)  # a 503 or a close: not held
                refused = True
            except BlockingIOError:
                refused = False
            except OSError:  # reset
                refused = True
            s.setblocking(True)
            if refused:
                s.close()
            else:
                held.append(s)
        if len(held) == count:
            return held
    for s in held:
        s.close()
    raise TestFailure(f"could not hold {count} silent connections")


@case("http-over-max-connections-expect-503-at-once", timing=True)
def http_over_max_connections_expect_503_at_once(ctx):
    """web.max_connections = 4: four silent connections hold every slot; a fifth is answered 503 (or closed)
    at once instead of waiting for a worker. Once the silent ones time out, /healthz answers 200 again."""
    with Server(ctx, web_options={"request_timeout_s": 3, "max_connections": 4}) as srv:
        silent = hold_every_slot(srv.web_port, 4)
        try:
            start = time.monotonic()
            answer = answer_within(srv.web_port, 2)
            took = time.monotonic() - start
            check(took < 1.0, f"the connection beyond the cap waited {took:.1f} s")
            check(answer == b"" or answer.startswith(b"HTTP/1.1 503"),
                  f"the connection beyond the cap got {answer[:80]!r}, expected 503 or a close")
            time.sleep(3.5)
            answer = answer_within(srv.web_port, 2)
            check(answer.startswith(b"HTTP/1.1 200"), f"after the timeout /healthz got {answer[:80]!r}")
        finally:
            for s in silent:
                s.close()
