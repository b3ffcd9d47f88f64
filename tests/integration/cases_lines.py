"""Lines as a resource: the OPTIONS keepalive marks a line whose gateway stops answering down (REST, /metrics),
callbacks skip it, and it comes back by itself at the gateway's first answer."""

import re
import time

from flows import ring_once
from gateway import FakeGateway
from registry import case
from server import Server, check, free_port_block


def line_state(srv, name):
    status, lines = srv.request("GET", "/api/v1/lines")
    check(status == 200, f"GET /api/v1/lines -> {status} {lines}")
    for line in lines:
        if line["name"] == name:
            return line["up"]
    raise AssertionError(f"no line {name} in {lines}")


def wait_line(srv, name, up, timeout):
    """Seconds until GET /api/v1/lines shows the line `up` (True/False), polling every 0.1 s."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if line_state(srv, name) is up:
            return time.monotonic() - start
        time.sleep(0.1)
    check(False, f"line {name} not {'up' if up else 'down'} within {timeout} s")


def metric_line_up(srv, name):
    status, text = srv.request("GET", "/metrics", token=None)
    check(status == 200, f"GET /metrics -> {status}")
    m = re.search(rf'^callbackd_line_up\{{line="{name}"\}} (\d+)$', text, re.M)
    check(m is not None, f"/metrics has no callbackd_line_up for {name}:\n{text}")
    return int(m.group(1))


@case("gateway-silent-expect-line-down-callback-elsewhere-then-up")
def gateway_silent_expect_line_down_callback_elsewhere_then_up(ctx):
    """keepalive_s = 1, keepalive_failures = 2, two lines with gateways that answer OPTIONS. fxo1's gateway
    stops: the line is down in GET /api/v1/lines and /metrics within a few seconds, while fxo2 stays up. A
    trusted caller's ring-once from fxo1's gateway is called back over fxo2 (the INVITE reaches fxo2's gateway,
    the call record names fxo2). With fxo2's gateway stopped too, a callback waits line_wait_s and fails
    `no line with a free channel`, no INVITE sent. fxo1's gateway starts again: the line is up within 2 s."""
    gw2_port = free_port_block(2)
    srv = Server(ctx, channels=1, sip_options={"keepalive_s": 1, "keepalive_failures": 2},
                 callback={"line_wait_s": 2},
                 extra_lines=[{"name": "fxo2", "gateway": f"127.0.0.1:{gw2_port}", "number": "+12015550200",
                               "channels": 1, "inbound": "auto-attendant", "answer_delay_s": 2}])
    gw1 = FakeGateway(srv.gateway_port).start()
    gw2 = FakeGateway(gw2_port).start()
    try:
        with srv:
            srv.add_phone("+12015552501", "", delay_s=1, callback_type="pstn")
            srv.add_phone("+12015552502", "", delay_s=1, callback_type="pstn")
            time.sleep(1.5)
            check(gw1.options() and gw2.options(), f"no OPTIONS reached the gateways: {gw1.requests} {gw2.requests}")
            check(line_state(srv, "fxo1") is True and line_state(srv, "fxo2") is True, "lines not up at start")
            gw1.stop()
            down_s = wait_line(srv, "fxo1", False, 6)
            ctx.log(f"fxo1 down {down_s:.1f} s after its gateway stopped")
            check(line_state(srv, "fxo2") is True, "fxo2 went down with fxo1")
            check(metric_line_up(srv, "fxo1") == 0 and metric_line_up(srv, "fxo2") == 1,
                  "callbackd_line_up does not show fxo1 down and fxo2 up")

            ring_once(ctx, srv, "+12015552501", name="trigger-fxo1-down")
            job = srv.wait_job(lambda j: j["caller"] == "+12015552501" and j["state"] == "failed", 10,
                               "dialed over fxo2")
            check(job["last_result"] == "busy", f"job {job}: expected busy from fxo2's gateway")
            invites = gw2.invites()
            check(any(f"sip:+12015552501@127.0.0.1:{gw2_port}" in i for i in invites),
                  f"fxo2's gateway got no callback INVITE: {gw2.requests}")
            status, records = srv.request("GET", "/api/v1/call-records")
            check(status == 200, f"GET /api/v1/call-records -> {status}")
            outbound = [r for r in records if r.get("direction") == "outbound"]
            check(outbound and all(r["line"] == "fxo2" for r in outbound),
                  f"the callback's record does not name fxo2: {outbound}")

            gw2.stop()
            wait_line(srv, "fxo2", False, 6)
            sent = len(gw2.invites())
            ring_once(ctx, srv, "+12015552502", name="trigger-no-line-up")
            job = srv.wait_job(lambda j: j["caller"] == "+12015552502" and j["state"] == "failed", 10,
                               "failed without a line")
            check(job["last_result"] == "failed: no line with a free channel",
                  f"job {job}: expected 'failed: no line with a free channel'")
            check(len(gw2.invites()) == sent and not gw1.invites(), "an INVITE went to a line that is down")

            gw1.start()
            up_s = wait_line(srv, "fxo1", True, 2.5)
            ctx.log(f"fxo1 up {up_s:.1f} s after its gateway started again")
            check(metric_line_up(srv, "fxo1") == 1, "callbackd_line_up does not show fxo1 up again")
    finally:
        gw1.stop()
        gw2.stop()
