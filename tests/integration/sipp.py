"""Runs sipp (sip-tester 3.6) with the scenarios of tests/sip/ and reads back the messages it logged."""

import datetime
import os
import re
import subprocess

from server import TestFailure, free_port_block

# sipp -trace_msg separates messages with a dashed line ending in a local timestamp.
_SEPARATOR = re.compile(r"^-{10,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\s*$", re.M)
_DIRECTION = re.compile(r"^(UDP|TCP|TLS) message (sent|received)")


class SipMessage:
    def __init__(self, when, direction, text):
        self.when = when            # datetime (local time, microseconds)
        self.direction = direction  # "sent" or "received"
        self.text = text
        self.first_line = text.split("\n", 1)[0].strip()

    @property
    def method(self):
        return None if self.first_line.startswith("SIP/2.0") else self.first_line.split(" ", 1)[0]

    @property
    def status(self):
        parts = self.first_line.split(" ")
        return int(parts[1]) if self.first_line.startswith("SIP/2.0") and len(parts) > 1 else None

    @property
    def request_uri(self):
        return self.first_line.split(" ")[1] if self.method else None

    def header(self, name):
        for line in self.text.split("\n"):
            if line.lower().startswith(name.lower() + ":"):
                return line.split(":", 1)[1].strip()
        return None

    def __repr__(self):
        return f"{self.when.time()} {self.direction} {self.first_line}"


def parse_messages(log_text):
    """SipMessage list from a sipp -message_file."""
    out = []
    parts = _SEPARATOR.split(log_text)
    # parts: [preamble, ts1, body1, ts2, body2, ...]
    for ts, body in zip(parts[1::2], parts[2::2]):
        lines = body.lstrip("\n").split("\n")
        m = _DIRECTION.match(lines[0]) if lines else None
        if not m:
            continue
        text = "\n".join(lines[1:]).replace("\r", "").strip("\n")
        out.append(SipMessage(datetime.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S.%f"), m.group(2), text))
    return out


class Sipp:
    """One sipp process. Start it, then wait() for its exit code; messages() parses its message log."""

    def __init__(self, ctx, name, scenario, local_port, remote=None, rows=None, keys=None, service=None,
                 calls=1, timeout_s=30, rate=None, limit=None, extra=(), cwd=None, media_port=None, trace=True):
        self.ctx = ctx
        self.name = name
        self.dir = cwd or ctx.tempdir("sipp-" + name)
        self.message_file = os.path.join(self.dir, f"{name}.messages.log")
        self.error_file = os.path.join(self.dir, f"{name}.errors.log")
        self.screen_file = os.path.join(self.dir, f"{name}.screen.log")
        self.media_port = media_port or free_port_block(4)
        self.local_port = local_port
        cmd = ["sipp"]
        if remote:
            cmd.append(remote)
        cmd += ["-sf", os.path.join(ctx.scenarios, scenario), "-i", "127.0.0.1", "-p", str(local_port),
                "-mp", str(self.media_port), "-m", str(calls), "-nostdin",
                "-timeout", f"{timeout_s}s", "-timeout_error", "-trace_err", "-error_file", self.error_file]
        if trace:
            cmd += ["-trace_msg", "-message_file", self.message_file]
        if rows is not None:
            inf = os.path.join(self.dir, f"{name}.csv")
            with open(inf, "w") as f:
                f.write("SEQUENTIAL\n" + "".join(";".join(r) + "\n" for r in rows))
            cmd += ["-inf", inf]
        for k, v in (keys or {}).items():
            cmd += ["-key", k, str(v)]
        if service:
            cmd += ["-s", service]
        if rate:
            cmd += ["-r", str(rate)]
        if limit:
            cmd += ["-l", str(limit)]
        cmd += list(extra)
        self.cmd = cmd
        self.proc = None
        self.exit_code = None
        ctx.sipps.append(self)

    def start(self):
        self.ctx.log(f"sipp {self.name}: {' '.join(self.cmd)}")
        self._screen = open(self.screen_file, "wb")
        self.proc = subprocess.Popen(self.cmd, cwd=self.dir, stdout=self._screen, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        return self

    def wait(self, timeout=60):
        if self.exit_code is None:
            try:
                self.exit_code = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._screen.close()
                raise TestFailure(f"sipp {self.name} still running after {timeout} s (killed)")
            self._screen.close()
        return self.exit_code

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def run(self, timeout=60):
        return self.start().wait(timeout)

    def messages(self):
        try:
            with open(self.message_file, encoding="utf-8", errors="replace") as f:
                return parse_messages(f.read())
        except FileNotFoundError:
            return []

    def errors(self):
        try:
            with open(self.error_file, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def summary(self):
        flow = "\n".join(f"    {m!r}" for m in self.messages())
        return f"sipp {self.name} exit {self.exit_code}; messages:\n{flow}\n  errors: {self.errors().strip()}"

    def expect_success(self, timeout=60, allow_server_bye=False):
        """Waits; exit 0 passes. With allow_server_bye, a call that sipp aborted only because the server sent BYE
        while the scenario was pausing also passes (the server may end the call first)."""
        code = self.wait(timeout)
        if code == 0:
            return
        if allow_server_bye and code == 1 and "unexpected BYE" in self.errors():
            self.ctx.log(f"sipp {self.name}: the server hung up first (accepted)")
            return
        raise TestFailure(f"sipp {self.name} failed: exit {code}, expected 0\n  {self.summary()}")

    def messages_of(self, direction, method):
        return [m for m in self.messages() if m.direction == direction and m.method == method]

    def first(self, direction, method=None, status=None):
        for m in self.messages():
            if m.direction == direction and (method is None or m.method == method) and \
                    (status is None or m.status == status):
                return m
        return None
