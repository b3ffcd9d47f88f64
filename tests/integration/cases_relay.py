"""Call Relay: a called-back caller dials through the office's line and is bridged to the far end."""

import os
import time

from flows import callee, check_sdp_offer, received_invite, ring_once, wait_bound
from media import RtpReceiver, alaw_decode, dtmf_samples, rms, write_ulaw_rtp_pcap
from registry import case
from server import LINE_NUMBER, Server, check, free_port_block
from sipp import Sipp

DIALLED = "5550123"


def _caller_pcap(path):
    """The caller's audio: *8, a pause, the number and #, as in-band tones; then 4 s of a 1 kHz tone."""
    tone = [int(8000 * __import__("math").sin(2 * 3.141592653589793 * 1000 * t / 8000)) for t in range(8000 * 4)]
    samples = dtmf_samples("*8", tail_ms=600) + dtmf_samples(DIALLED + "#", lead_ms=0, tail_ms=300) + tone
    samples.extend([0] * (-len(samples) % 160))
    write_ulaw_rtp_pcap(path, samples)


@case("relay-expect-bridged-transcoded")
def relay_expect_bridged_transcoded(ctx):
    """A trusted caller logged in by its entry presses *8, a number and #: the line's gateway gets the INVITE
    from the line's own number, and on answer the caller's u-law audio reaches the far end as A-law."""
    with Server(ctx) as srv:
        status, body = srv.request("POST", "/api/v1/extensions",
                                   {"number": "201", "name": "Road warrior", "password": "a long secret 4711",
                                    "allow_call_relay": True})
        check(status == 201, f"POST /api/v1/extensions -> {status} {body}")
        caller_port = free_port_block(2)
        srv.add_phone("+15551020", f"sip:mobile@127.0.0.1:{caller_port}", delay_s=1, login_extension="201")
        cwd = ctx.tempdir("relay-caller")
        _caller_pcap(os.path.join(cwd, "relay-caller.pcap"))
        caller = callee(ctx, "relay-caller", "relay-caller-dial-expect-bridge.xml", caller_port, cwd=cwd)
        ring_once(ctx, srv, "+15551020", name="trigger")
        with RtpReceiver() as rtp:
            far = Sipp(ctx, "relay-far", "relay-far-answer-pcma-expect-bye.xml", srv.gateway_port,
                       keys={"rtp_port": rtp.port}, timeout_s=30).start()
            wait_bound(srv.gateway_port)
            caller.expect_success(allow_server_bye=True)
            far.expect_success(allow_server_bye=True)
            time.sleep(0.2)
            packets = rtp.snapshot()
        invite = received_invite(far)
        check(invite.request_uri.split(";")[0] == f"sip:{DIALLED}@{srv.gateway}",
              f"relay request-URI {invite.request_uri}, expected sip:{DIALLED}@{srv.gateway}")
        check(f"<sip:{LINE_NUMBER}@" in (invite.header("From") or ""),
              f"relayed call's From {invite.header('From')!r}: must be the line's number {LINE_NUMBER}")
        check_sdp_offer(invite)
        pcma = [p for p in packets if p.payload_type == 8]
        loud = [p for p in pcma if rms(alaw_decode(p.payload)) > 2000]
        check(len(pcma) >= 100, f"expected >= 100 PCMA packets (2 s) at the far end, got {len(pcma)}")
        check(len(loud) >= 100, f"the caller's 4 s tone must reach the far end: {len(loud)} loud PCMA packets")
        check(not [p for p in packets if p.payload_type == 0], "the far leg negotiated PCMA only: no PCMU to it")
        ctx.log(f"far end: {len(pcma)} PCMA packets, {len(loud)} carrying the caller's tone")
        records = srv.request("GET", "/api/v1/call-records")[1]
        rows = records if isinstance(records, list) else records.get("records", records.get("items", []))
        relay_rows = [r for r in rows if r.get("direction") == "relay"]
        check(relay_rows and relay_rows[0].get("answered_at"), f"no answered relay call record in {rows}")
        _check_linked_by_call(srv, relay_rows[0])


def _check_linked_by_call(srv, relay):
    """The relayed leg's record names the call it was bridged into: the callback leg shares its call_ref and
    its job; both carry a typed end cause and a duration; the CSV export has the same columns."""
    check(relay.get("end_cause") == "answered" and isinstance(relay.get("duration_s"), int),
          f"relay record without a typed cause or duration: {relay}")
    ref = relay.get("call_ref") or ""
    check(ref != "", f"relay record without a call_ref: {relay}")
    legs = []
    for _ in range(50):  # the callback leg's record is written when the caller's BYE has been processed
        legs = srv.request("GET", f"/api/v1/call-records?call={ref}")[1]
        if len(legs) >= 2:
            break
        time.sleep(0.1)
    check(sorted(r["direction"] for r in legs) == ["outbound", "relay"],
          f"call {ref} must hold the callback leg and the relayed leg: {legs}")
    check(len({r["job_id"] for r in legs}) == 1, f"the legs of one call belong to one job: {legs}")
    status, csv_text = srv.request("GET", f"/api/v1/call-records/export?call={ref}")
    lines = csv_text.strip().splitlines() if status == 200 else []
    check(len(lines) == 3 and "call_ref" in lines[0] and "end_cause" in lines[0],
          f"CSV export of call {ref}: {status} {csv_text!r}")
