"""Building blocks shared by the cases: trigger calls from the gateway, callees, listeners, timing checks."""

import re
import socket
import threading
import time

from server import LINE_NUMBER, TestFailure, check, free_port_block
from sipp import Sipp


def from_uri(user, port):
    """The caller's From URI; an empty user gives a URI without user part (a withheld number)."""
    return f"sip:{user}@127.0.0.1:{port}" if user else f"sip:127.0.0.1:{port}"


def ring_once(ctx, srv, caller, name="ring-once", extra_header="X-Test: trigger",
              scenario="ring-once-expect-487.xml", from_port=None, expect_success=True):
    """A trigger from the line's gateway (or from_port): INVITE, 180, CANCEL, 487, ACK. Returns the finished sipp."""
    port = from_port or srv.gateway_port
    sipp = Sipp(ctx, name, scenario, port, remote=srv.sip_target,
                rows=[[caller if caller.startswith("sip:") else from_uri(caller, port), extra_header]],
                service=LINE_NUMBER, timeout_s=20)
    sipp.run(timeout=30)
    if expect_success:
        sipp.expect_success()
    return sipp


def callee(ctx, name, scenario, port=None, keys=None, cwd=None, timeout_s=30):
    """A started sipp UAS (the callback's callee) on port (fresh if None)."""
    port = port or free_port_block(2)
    sipp = Sipp(ctx, name, scenario, port, keys=keys or {}, timeout_s=timeout_s, cwd=cwd).start()
    wait_bound(port)
    return sipp


def wait_bound(port, timeout=3.0):
    """Waits until something holds UDP port (sipp has bound its SIP socket)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return
        time.sleep(0.02)
    raise TestFailure(f"nothing bound UDP port {port} within {timeout} s")


def cancel_time(trigger):
    cancel = trigger.first("sent", method="CANCEL")
    check(cancel is not None, f"the trigger sent no CANCEL\n  {trigger.summary()}")
    return cancel.when


def received_invite(uas):
    invite = uas.first("received", method="INVITE")
    check(invite is not None, f"the callee received no INVITE\n  {uas.summary()}")
    return invite


def check_callback_timing(trigger, invite, delay_s):
    """The callback INVITE arrived delay_s after the CANCEL, not sooner (by more than 0.5 s) nor over 1 s later."""
    elapsed = (invite.when - cancel_time(trigger)).total_seconds()
    check(delay_s - 0.5 <= elapsed <= delay_s + 1.0,
          f"callback INVITE arrived {elapsed:.3f} s after the CANCEL; expected {delay_s} s (+1 s at most)")
    return elapsed


def check_sdp_offer(invite):
    """The callback's offer carries PCMU, PCMA and telephone-event/8000 (as 101)."""
    body = invite.text.split("\n\n", 1)[1] if "\n\n" in invite.text else ""
    m = re.search(r"^m=audio (\d+) RTP/AVP ([\d ]+)$", body, re.M)
    check(m is not None, f"callback INVITE has no m=audio line:\n{invite.text}")
    formats = m.group(2).split()
    check("0" in formats and "8" in formats, f"callback offer lacks PCMU/PCMA: m={m.group(0)}")
    check(re.search(r"^a=rtpmap:101 telephone-event/8000", body, re.M | re.I) is not None,
          f"callback offer lacks telephone-event/8000 as 101:\n{body}")
    c = re.search(r"^c=IN IP4 (\S+)", body, re.M)
    check(c is not None, f"callback offer has no c=IN IP4 line:\n{body}")
    return c.group(1), int(m.group(1))


def sdp_media(message):
    body = message.text.split("\n\n", 1)[1] if "\n\n" in message.text else ""
    c = re.search(r"^c=IN IP4 (\S+)", body, re.M)
    m = re.search(r"^m=audio (\d+) ", body, re.M)
    check(c is not None and m is not None, f"no c=/m=audio in the SDP of:\n{message.text}")
    return c.group(1), int(m.group(1))


class UdpWatch:
    """Listens on some UDP ports (a port on 127.0.0.1, or a (host, port)) and records every datagram (to prove
    that no INVITE went somewhere)."""

    def __init__(self, ports):
        self.seen = []
        self._socks = []
        for p in ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(p if isinstance(p, tuple) else ("127.0.0.1", p))
            s.settimeout(0.1)
            self._socks.append(s)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(s,), daemon=True) for s in self._socks]
        for t in self._threads:
            t.start()

    def _run(self, sock):
        while not self._stop.is_set():
            try:
                data, src = sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            self.seen.append((sock.getsockname()[1], src, data.decode("utf-8", "replace")))

    def close(self):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        for s in self._socks:
            s.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def expect_no_callback(ctx, srv, ports, seconds, what):
    """For `seconds`: no job appears and no datagram reaches any of ports."""
    with UdpWatch(ports) as watch:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            jobs = srv.callbacks()
            check(not jobs, f"{what}: expected no callback job, got {jobs}")
            time.sleep(0.25)
    check(not watch.seen, f"{what}: expected no packet at ports {ports}, got: "
          + "; ".join(f"port {p} from {src}: {text.splitlines()[0] if text else ''!r}"
                      for p, src, text in watch.seen))
    ctx.log(f"{what}: no job and no INVITE for {seconds} s (ok)")


def dtmf_lines(log_text):
    return re.findall(r"dtmf '(.)' via (rfc4733|inband)", log_text)
