"""Per-source throttling of strangers' SIP: a flood of INVITEs from one host that is no line's gateway is cut
to [sip] stranger_burst plus stranger_rate per second (the rest get a bare 403 and are counted), while the
line's gateway, never throttled, still triggers its callback during the flood."""

import re
import threading
import time

from flows import callee, ring_once
from hostile_sip import BurstClient
from registry import case
from server import Server, check, free_port_block

FLOOD = 600


def _throttled_total(srv):
    status, text = srv.request("GET", "/metrics", token=None)
    check(status == 200, f"GET /metrics -> {status}")
    m = re.search(r"^callbackd_sip_throttled_total (\d+)$", text, re.M)
    check(m is not None, f"/metrics has no callbackd_sip_throttled_total:\n{text}")
    return int(m.group(1))


def _flood(client, count, sent):
    for i in range(count):
        client.send("+12015557001")
        sent.append(time.monotonic())
        if i % 25 == 24:
            time.sleep(0.005)  # loopback's socket buffers, not the server, would drop a faster burst


@case("stranger-flood-expect-throttled-gateway-trigger-called-back", timing=True)
def stranger_flood_expect_throttled_gateway_trigger_called_back(ctx):
    """With the default stranger_rate (20/s) and stranger_burst (100), 600 INVITEs from 127.0.0.2 as fast as
    loopback takes them: every one gets 403 Forbidden, and /metrics counts all but the burst and the refill
    as throttled. A trusted caller's ring-once from the line's gateway, sent during the flood, is called
    back; the gateway's host is never throttled."""
    with Server(ctx, log_level="info") as srv:
        uas_port = free_port_block(2)
        srv.add_phone("+12015553101", f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
        uas = callee(ctx, "callee-during-flood", "callback-busy-expect-ack.xml", uas_port)
        check(_throttled_total(srv) == 0, "throttled before any stranger sent anything")
        stranger = BurstClient(srv.sip_port, src_host="127.0.0.2")
        sent = []
        started = time.monotonic()
        flood = threading.Thread(target=_flood, args=(stranger, FLOOD, sent), daemon=True)
        flood.start()
        try:
            ring_once(ctx, srv, "+12015553101", name="trigger-during-flood")
            flood.join(timeout=30)
            duration = sent[-1] - started
            stranger.wait_all(10)
            statuses = {re.match(rb"SIP/2\.0 (\d{3})", r).group(1) for r in stranger.finals.values()}
            check(len(stranger.finals) == FLOOD and statuses == {b"403"},
                  f"{len(stranger.finals)} of {FLOOD} answered, statuses {statuses}: expected 403 to each")
        finally:
            stranger.close()
        throttled = _throttled_total(srv)
        allowed = 100 + 20 * (duration + 1)
        ctx.log(f"flood of {FLOOD} in {duration:.2f} s: {throttled} throttled (at most {allowed:.0f} let through)")
        check(throttled >= FLOOD - allowed, f"only {throttled} of {FLOOD} throttled; at most {allowed:.0f} may pass")
        check(throttled <= FLOOD - 100, f"{throttled} throttled: the burst of 100 must pass")
        uas.expect_success()
        check(uas.first("received", method="INVITE") is not None, "the trusted caller was not called back")
        job = srv.wait_job(lambda j: j["caller"] == "+12015553101" and j["state"] == "failed", 5, "busy")
        check(job["last_result"] == "busy", f"job {job}: expected busy")
