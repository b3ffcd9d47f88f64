"""Overload: beyond its capacity the server answers new calls 503 with Retry-After, early and without a disk
write, keeps the calls it has, and takes new calls again by itself once load drops."""

import re
import time

from flows import callee, received_invite, ring_once
from hostile_sip import SDP, BurstClient
from registry import case
from server import Server, check, free_port_block


def status_of(raw):
    m = re.match(rb"SIP/2\.0 (\d{3}) ", raw or b"")
    return int(m.group(1)) if m else None


@case("overload-expect-503-then-recover")
def overload_expect_503_then_recover(ctx):
    """[sip] max_calls = 2: two calls ringing from the line's gateway hold the limit; a third INVITE gets 503
    with a Retry-After header and leaves no call record, while the two ringing calls are untouched. Once they
    are cancelled, a trusted caller's ring-once trigger is called back as usual."""
    with Server(ctx, answer_delay_s=30, sip_options={"max_calls": 2}) as srv:
        uas_port = free_port_block(2)
        srv.add_phone("+1555300*", f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
        client = BurstClient(srv.sip_port, src_port=srv.gateway_port)
        try:
            held = [client.send("+15559001", sdp=SDP), client.send("+15559002", sdp=SDP)]
            time.sleep(1.0)
            extra = client.send("+15559003", sdp=SDP)
            client.wait_all(5, skip=held)
            refused = client.finals.get(extra)
            check(status_of(refused) == 503, f"the call beyond max_calls got {refused!r}, expected 503")
            check(re.search(rb"\r\nRetry-After: *\d+", refused, re.I) is not None,
                  f"the 503 has no Retry-After header: {refused!r}")
            check(all(c not in client.finals for c in held),
                  "a call in progress got a final response when a new one was refused")
            for c in held:
                client.cancel(c)
            client.wait_all(5)
            # The client keeps the first final response per Call-ID: the CANCEL's 200 (then the INVITE's 487),
            # which only a call that was still ringing gets.
            check(all(status_of(client.finals.get(c)) in (200, 487) for c in held),
                  f"the ringing calls could not be cancelled: {[client.finals.get(c) for c in held]}")
        finally:
            client.close()
        status, records = srv.request("GET", "/api/v1/call-records")
        check(status == 200, f"GET /api/v1/call-records -> {status}")
        check(not any(r.get("caller") == "+15559003" for r in records),
              f"the overload 503 wrote a call record: {records}")
        uas = callee(ctx, "callee-after-overload", "callback-busy-expect-ack.xml", uas_port)
        ring_once(ctx, srv, "+15553001", name="trigger-after-overload")
        uas.expect_success()
        received_invite(uas)
