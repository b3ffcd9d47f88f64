"""SIGTERM drains: new calls get 503 with Retry-After and /readyz says "draining" while the calls in progress go
on, up to [sip] shutdown_grace_s; the calls left then get BYE and the process exits 0."""

import re
import signal
import time

from flows import from_uri
from hostile_sip import SDP, BurstClient
from media import RtpReceiver
from registry import case
from server import LINE_NUMBER, Server, check, free_port_block
from sipp import Sipp


def _wait_answered(srv, timeout=10):
    deadline = time.monotonic() + timeout
    while "Offered -> Answered" not in srv.log_text():
        check(time.monotonic() < deadline, f"the call was not answered within {timeout} s")
        time.sleep(0.1)


def _held_call(ctx, srv, rtp, scenario, caller):
    return Sipp(ctx, "caller", scenario, srv.gateway_port, remote=srv.sip_target,
                rows=[[from_uri(caller, srv.gateway_port), "X-Test: drain"]],
                keys={"rtp_port": rtp.port}, service=LINE_NUMBER, timeout_s=40).start()


def _second_line():
    port = free_port_block(2)
    return port, {"name": "fxo2", "gateway": f"127.0.0.1:{port}", "number": "+12015550102", "channels": 2,
                  "inbound": "auto-attendant", "answer_delay_s": 1}


def _expect_new_call_refused(srv, gateway_port):
    client = BurstClient(srv.sip_port, src_port=gateway_port)
    try:
        call = client.send("+12015559101", sdp=SDP)
        client.wait_all(5)
        final = client.finals.get(call) or b""
    finally:
        client.close()
    check(final.startswith(b"SIP/2.0 503 "), f"a new INVITE while draining got {final[:60]!r}, expected 503")
    check(re.search(rb"\r\nRetry-After: *\d+", final, re.I) is not None, f"the 503 has no Retry-After: {final!r}")


def _wait_exit(srv, timeout):
    try:
        return srv.proc.wait(timeout=timeout)
    except Exception:  # noqa: BLE001 (subprocess.TimeoutExpired): reported as a failure below
        return None


@case("sigterm-drain-expect-call-kept-then-exit-0")
def sigterm_drain_expect_call_kept_then_exit_0(ctx):
    """SIGTERM while an answered call holds (the caller hangs up 6 s after the answer): a new INVITE on another
    line gets 503 with Retry-After, /readyz answers 503 "draining", the call gets no BYE from the server and the
    caller's BYE gets 200; then the process exits 0 within 3 s, long before the 30 s default grace."""
    port2, line2 = _second_line()
    with Server(ctx, answer_delay_s=1, extra_lines=[line2], sip_options={"shutdown_grace_s": 30}) as srv:
        with RtpReceiver() as rtp:
            caller = _held_call(ctx, srv, rtp, "answered-hold-expect-kept.xml", "+12015551201")
            _wait_answered(srv)
            srv.proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            _expect_new_call_refused(srv, port2)
            status, body = srv.request("GET", "/readyz", token=None)
            check(status == 503 and "draining" in str(body), f"/readyz while draining: {status} {body!r}")
            check(srv.alive(), "callbackd exited while a call was in progress")
            caller.expect_success(timeout=30)  # fails on a BYE from the server, or on a 481 to the caller's BYE
            ended = time.monotonic()
            code = _wait_exit(srv, 5)
            check(code == 0, f"callbackd exit code {code} after the last call ended, expected 0")
            check(time.monotonic() - ended < 3, "callbackd took more than 3 s to exit after the last call")


@case("sigterm-short-grace-expect-bye-at-grace-end")
def sigterm_short_grace_expect_bye_at_grace_end(ctx):
    """shutdown_grace_s = 2: SIGTERM while an answered call holds; the server sends BYE about 2 s later (not at
    once, not never), and exits 0."""
    with Server(ctx, answer_delay_s=1, sip_options={"shutdown_grace_s": 2}) as srv:
        with RtpReceiver() as rtp:
            caller = _held_call(ctx, srv, rtp, "answered-hold-expect-bye.xml", "+12015551202")
            _wait_answered(srv)
            srv.proc.send_signal(signal.SIGTERM)
            sent = time.monotonic()
            caller.expect_success(timeout=30)
            got_bye = time.monotonic()
            check(1.5 <= got_bye - sent <= 5, f"the server's BYE came {got_bye - sent:.1f} s after SIGTERM, "
                                              "expected about 2 s (shutdown_grace_s)")
            code = _wait_exit(srv, 10)
            check(code == 0, f"callbackd exit code {code} after the grace, expected 0")


@case("second-sigterm-expect-bye-at-once")
def second_sigterm_expect_bye_at_once(ctx):
    """shutdown_grace_s = 30: SIGTERM while an answered call holds, then a second SIGTERM 1 s later ends the
    grace: the server's BYE comes within about a second of it, and the process exits 0."""
    with Server(ctx, answer_delay_s=1, sip_options={"shutdown_grace_s": 30}) as srv:
        with RtpReceiver() as rtp:
            caller = _held_call(ctx, srv, rtp, "answered-hold-expect-bye.xml", "+12015551203")
            _wait_answered(srv)
            srv.proc.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            check(srv.alive(), "callbackd exited on the first SIGTERM with a call in progress")
            srv.proc.send_signal(signal.SIGTERM)
            sent = time.monotonic()
            caller.expect_success(timeout=30)
            took = time.monotonic() - sent
            check(took < 3, f"the server's BYE came {took:.1f} s after the second SIGTERM, expected at once")
            code = _wait_exit(srv, 10)
            check(code == 0, f"callbackd exit code {code} after the second SIGTERM, expected 0")
