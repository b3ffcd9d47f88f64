"""Runs one callbackd for one test case: free ports, a fresh config and database, REST access, clean stop."""

import atexit
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import openapi_check

ADMIN_TOKEN = "integration-test-token-0123456789"
LINE_NUMBER = "+12015550100"


class TestFailure(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise TestFailure(message)


def _can_bind(port, kind):
    with socket.socket(socket.AF_INET, kind) as s:
        if kind == socket.SOCK_STREAM:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# Handed-out ports come from below the kernel's ephemeral range (32768-60999 on Debian) and the servers' RTP
# ranges (30000 and up, config_text): a socket bound to port 0, by a peer of this case or of a case running
# beside it, never lands on a port handed out here but not bound yet.
_PORT_RANGE = (10000, 29998)


# Every port this test process has handed out: a port free now may be one a peer binds again later (the line's
# gateway port is taken by each trigger's sipp, then by the far end's; a softphone binds its SIP port only when
# it starts), so it is never handed out twice, by free_port or free_port_block.
_HANDED_OUT = set()

# Cases run in parallel (ctest -j), each in its own process: a port is claimed across them by creating a file
# named after it, exclusively. A claim whose process is gone (a killed run) is taken over.
_CLAIMS = os.path.join(tempfile.gettempdir(), "callbackd-test-ports")
_CLAIMED = []


def _owner_alive(path):
    try:
        with open(path) as f:
            pid = int(f.read() or 0)
        os.kill(pid, 0)
        return True
    except (OSError, ValueError):
        return False


def _claim(port):
    os.makedirs(_CLAIMS, exist_ok=True)
    path = os.path.join(_CLAIMS, str(port))
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            if _owner_alive(path):
                return False
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        _CLAIMED.append(path)
        return True
    return False


@atexit.register
def _release_claims():
    for path in _CLAIMED:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _take_ports(count, even):
    """count consecutive ports (the first even if asked), all free for UDP and TCP, none handed out before by
    this process; they are handed out now."""
    for _ in range(200):
        base = random.randrange(*_PORT_RANGE)
        base = base & ~1 if even else base
        block = range(base, base + count)
        if base + count < 65536 and not _HANDED_OUT.intersection(block) and all(
                _can_bind(p, socket.SOCK_DGRAM) and _can_bind(p, socket.SOCK_STREAM) for p in block):
            _HANDED_OUT.update(block)  # never again in this process, claimed or not
            if all(_claim(p) for p in block):
                return base
    raise TestFailure(f"no block of {count} free ports found")


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1, not handed out before by this process."""
    return _take_ports(1, even=False)


def free_port_block(count):
    """count consecutive ports, the first even (SIP needs port+1, sipp -mp uses +2), as free_port."""
    return _take_ports(count, even=True)


class Server:
    """One callbackd process. Use as a context manager: the server is stopped (SIGTERM) on exit."""

    def __init__(self, ctx, answer_delay_s=2, channels=4, callback=None, extra_lines=(), log_level="debug",
                 line_options=None, sip_options=None, web_options=None, policy_options=None,
                 attendant_options=None):
        self.ctx = ctx
        self.sip_port = free_port_block(2)
        self.web_port = free_port()
        self.gateway_port = free_port_block(2)
        self.answer_delay_s = answer_delay_s
        self.channels = channels
        self.callback = {"trigger_window_s": 10, "default_delay_s": 1, "ring_timeout_s": 10,
                         "max_attempts": 1, "min_interval_s": 60}
        self.callback.update(callback or {})
        self.extra_lines = list(extra_lines)
        self.line_options = dict(line_options or {})  # more keys for the fxo1 line, e.g. transport
        self.log_level = log_level
        self.sip_options = dict(sip_options or {})  # more keys for [sip], e.g. max_calls
        # A case ends with SIGTERM: calls still in progress are ended at once, as the cases expect, unless a
        # case sets a grace of its own (cases_drain.py).
        self.sip_options.setdefault("shutdown_grace_s", 0)
        # No OPTIONS keepalive unless a case asks for it (cases_lines.py): a sipp bound to a gateway port would
        # take an OPTIONS for a call it does not expect, and some cases prove that nothing reaches a gateway.
        self.sip_options.setdefault("keepalive_s", 0)
        self.web_options = dict(web_options or {})  # more keys for [web], e.g. max_connections
        self.policy_options = dict(policy_options or {})  # a [policy] table, e.g. relay_sip_hosts
        self.attendant_options = dict(attendant_options or {})  # an [attendant] table, e.g. lockout_s
        self.dir = ctx.tempdir("server")
        self.config_path = os.path.join(self.dir, "callbackd.toml")
        self.log_path = os.path.join(self.dir, "callbackd.log")
        self.db_path = os.path.join(self.dir, "callbackd.db")
        self.proc = None
        self.exit_code = None
        self._log_file = None
        ctx.servers.append(self)

    @property
    def gateway(self):
        return f"127.0.0.1:{self.gateway_port}"

    @property
    def sip_target(self):
        return f"127.0.0.1:{self.sip_port}"

    def config_text(self):
        # The RTP range must not hold the SIP port (the server refuses such a configuration), and stays the same
        # when the config is written again (a reload must see only the changes a case makes).
        rtp_base = getattr(self, "rtp_base", None)
        while rtp_base is None or (rtp_base <= self.sip_port + 1 and self.sip_port <= rtp_base + 1999):
            rtp_base = random.randrange(30000, 59000, 2)
        self.rtp_base = rtp_base
        lines = [
            f'log_level = "{self.log_level}"',
            "",
            "[sip]",
            f'listen = "127.0.0.1:{self.sip_port}"',
            *[f"{k} = {json.dumps(v)}" for k, v in self.sip_options.items()],
            "",
            "[media]",
            'address = "127.0.0.1"',
            f'rtp_ports = "{rtp_base}-{rtp_base + 1999}"',
            f'prompts_dir = "{self.ctx.prompts}"',
            "",
            "[store]",
            f'sqlite = "{self.db_path}"',
            "",
            "[web]",
            f'listen = "127.0.0.1:{self.web_port}"',
            f'admin_token = "{ADMIN_TOKEN}"',
            *[f"{k} = {json.dumps(v)}" for k, v in self.web_options.items()],
            "",
            "[callback]",
        ]
        lines += [f"{k} = {v}" for k, v in self.callback.items()]
        if self.policy_options:
            lines += ["", "[policy]", *[f"{k} = {json.dumps(v)}" for k, v in self.policy_options.items()]]
        if self.attendant_options:
            lines += ["", "[attendant]", *[f"{k} = {json.dumps(v)}" for k, v in self.attendant_options.items()]]
        line_tables = [{"name": "fxo1", "gateway": self.gateway, "number": LINE_NUMBER,
                        "channels": self.channels, "inbound": "auto-attendant",
                        "answer_delay_s": self.answer_delay_s, **self.line_options}] + self.extra_lines
        for table in line_tables:
            lines += ["", "[[line]]"]
            lines += [f"{k} = {json.dumps(v)}" for k, v in table.items()]
        return "\n".join(lines) + "\n"

    def start(self):
        with open(self.config_path, "w") as f:
            f.write(self.config_text())
        self._log_file = open(self.log_path, "ab")  # a restart appends, so the whole story stays in one log
        self.exit_code = None
        self.proc = subprocess.Popen([self.ctx.callbackd, "--config", self.config_path],
                                     stdout=self._log_file, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure(f"callbackd exited with {self.proc.returncode} during start-up")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/healthz", timeout=1) as r:
                    if r.status == 200 and self._sip_bound():
                        self.ctx.log(f"callbackd up: sip {self.sip_target}, web {self.web_port}, "
                                     f"gateway {self.gateway}")
                        return self
            # Before callbackd listens, the client's ephemeral port can be the web port itself (the kernel picked
            # it from that range): the socket connects to itself and reads its own request back, a bad status
            # line. Not up yet, like a refused connection.
            except (urllib.error.URLError, ConnectionError, socket.timeout, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise TestFailure("callbackd did not answer GET /healthz with 200 within 20 s")

    def _sip_bound(self):
        """/healthz is 200 as soon as the web server runs; the SIP transports bind a moment later, and /readyz
        says so. Other reasons for a 503 (a case may hold the database's lock) are the case's to check."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/readyz", timeout=1):
                return True
        except urllib.error.HTTPError as e:
            return b"not bound yet" not in e.read()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM, then wait; returns the exit code (None if it had to be killed)."""
        if self.proc is None or self.exit_code is not None:
            return self.exit_code
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.exit_code = None
                self._log_file.close()
                raise TestFailure("callbackd did not exit within 15 s of SIGTERM (killed)")
        self.exit_code = self.proc.returncode
        self._log_file.close()
        return self.exit_code

    def kill(self):
        """SIGKILL, as a crash or the OOM killer would: nothing is cleaned up."""
        self.proc.kill()
        self.proc.wait()
        self.exit_code = self.proc.returncode
        self._log_file.close()

    def stop_expect_clean(self):
        code = self.stop()
        check(code == 0, f"callbackd exited with {code} after SIGTERM, expected 0")

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.stop_expect_clean()
        else:
            try:
                self.stop()
            except TestFailure as e:
                self.ctx.log(str(e))

    # --- log -------------------------------------------------------------------------------------------------
    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except FileNotFoundError:
            return 0

    def log_since(self, offset):
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")

    # --- REST ------------------------------------------------------------------------------------------------
    def request(self, method, path, body=None, token=ADMIN_TOKEN, raw_body=None, headers=None):
        """(status, parsed JSON or text) for one HTTP request to the REST API."""
        status, parsed, _ = self.request_full(method, path, body, token, raw_body, headers)
        return status, parsed

    def request_full(self, method, path, body=None, token=ADMIN_TOKEN, raw_body=None, headers=None,
                     content_type="application/json"):
        """(status, parsed JSON or text, response headers) for one HTTP request to the REST API."""
        data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(f"http://127.0.0.1:{self.web_port}{path}", data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        if token is not None:
            req.add_header("Authorization", f"Bearer {token}")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                status, raw, reply_headers = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            status, raw, reply_headers = e.code, e.read(), e.headers
        ctype = reply_headers.get("Content-Type", "")
        text = raw.decode("utf-8", "replace")
        # Every answer a test sees must be one docs/openapi.yaml describes.
        bad = openapi_check.problems(method, path, status, ctype, text if "json" in ctype or not raw else "")
        check(not bad, "the answer departs from docs/openapi.yaml:\n  " + "\n  ".join(bad))
        if not ctype.startswith(("application/json", "text/")):
            return status, raw, reply_headers
        try:
            return status, json.loads(text) if text else None, reply_headers
        except json.JSONDecodeError:
            return status, text, reply_headers

    def add_phone(self, caller, destination, delay_s=1, callback_type=None, **extra):
        entry = {"caller_type": "pstn", "caller_address": caller, "callback_enabled": True,
                 "callback_type": callback_type or ("sip" if destination.startswith("sip:") else "pstn"),
                 "callback_destination": destination, "callback_delay_s": delay_s}
        entry.update(extra)
        status, body = self.request("POST", "/api/v1/authorized-phones", entry)
        check(status == 201, f"POST /api/v1/authorized-phones {entry} -> {status} {body}, expected 201")
        return body

    def callbacks(self):
        status, body = self.request("GET", "/api/v1/callbacks")
        check(status == 200, f"GET /api/v1/callbacks -> {status} {body}")
        check(isinstance(body, list), f"GET /api/v1/callbacks: expected a JSON list, got {body!r}")
        return body

    def wait_job(self, predicate, timeout, what):
        """The first job for which predicate holds, polling GET /api/v1/callbacks until timeout."""
        deadline = time.monotonic() + timeout
        jobs = []
        while time.monotonic() < deadline:
            jobs = self.callbacks()
            for job in jobs:
                if predicate(job):
                    return job
            time.sleep(0.2)
        raise TestFailure(f"no callback job {what} within {timeout} s; jobs: {json.dumps(jobs)}")
