"""Call Relay: a called-back caller dials through the office's line and is bridged to the far end."""

import datetime
import os
import threading
import time

from flows import callee, check_sdp_offer, received_invite, ring_once, wait_bound
from media import (RtpPeer, RtpReceiver, alaw_decode, dtmf_samples, rfc4733_events, rms, tone_packets,
                   tone_samples, write_ulaw_rtp_pcap)
from registry import case
from server import LINE_NUMBER, Server, check, free_port_block
from sipp import Sipp

DIALLED = "2015550123"  # keyed at the relay prompt: a valid US number (the policy fails closed)
DIALLED_E164 = "+12015550123"  # what the line's gateway is sent: the normalised number, never the keys


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
        srv.add_phone("+12015551020", f"sip:mobile@127.0.0.1:{caller_port}", delay_s=1, login_extension="201")
        cwd = ctx.tempdir("relay-caller")
        _caller_pcap(os.path.join(cwd, "relay-caller.pcap"))
        caller = callee(ctx, "relay-caller", "relay-caller-dial-expect-bridge.xml", caller_port, cwd=cwd)
        ring_once(ctx, srv, "+12015551020", name="trigger")
        with RtpReceiver() as rtp:
            far = Sipp(ctx, "relay-far", "relay-far-answer-pcma-expect-bye.xml", srv.gateway_port,
                       keys={"rtp_port": rtp.port}, timeout_s=30).start()
            wait_bound(srv.gateway_port)
            caller.expect_success(allow_server_bye=True)
            far.expect_success(allow_server_bye=True)
            time.sleep(0.2)
            packets = rtp.snapshot()
        invite = received_invite(far)
        check(invite.request_uri.split(";")[0] == f"sip:{DIALLED_E164}@{srv.gateway}",
              f"relay request-URI {invite.request_uri}, expected sip:{DIALLED_E164}@{srv.gateway}")
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


CALLER_HZ = 600   # the caller's tone
FAR_HZ = 1400     # the far end's: neither is a DTMF frequency, and they differ by far more than the tolerance


def _relay_caller(ctx, srv, caller_number, script):
    """A trusted caller logged in by its entry and sent straight to the Call Relay prompt, called back on a sipp
    UAS whose audio is an RtpPeer playing `script` (1 s after the server's first packet). Returns (sipp, peer)."""
    status, body = srv.request("POST", "/api/v1/extensions",
                               {"number": "201", "name": "Road warrior", "password": "a long secret 4711",
                                "allow_call_relay": True})
    check(status == 201, f"POST /api/v1/extensions -> {status} {body}")
    caller_port = free_port_block(2)
    srv.add_phone(caller_number, f"sip:mobile@127.0.0.1:{caller_port}", delay_s=1, login_extension="201",
                  auto_call_relay=True)
    peer = RtpPeer(script, codec_pt=0, event_pt=101, lead_ms=1000)
    sipp = callee(ctx, "relay-caller", "relay-caller-rtp-peer-expect-bye.xml", caller_port,
                  keys={"rtp_port": peer.port}, timeout_s=60)
    return sipp, peer


def _wall(packet):
    return datetime.datetime.fromtimestamp(packet.wall)


def _far_peer(hz=FAR_HZ, seconds=12):
    """The far end's audio: its tone, PCMA, from its first packet from the server on."""
    return RtpPeer([("audio", tone_samples(hz, seconds * 1000))], codec_pt=8, event_pt=96)


@case("relay-early-media-expect-far-audio-before-answer")
def relay_early_media_expect_far_audio_before_answer(ctx):
    """The far end answers 183 with SDP and plays a tone in early media, then 200 three seconds later: the caller
    hears the far end's tone before the 200 (our ringback stopped: a prompt on the caller's leg would drown it),
    and the same stream carries on after the answer."""
    with Server(ctx) as srv:
        far_peer = _far_peer()
        caller, caller_peer = _relay_caller(ctx, srv, "+12015551021",
                                            [("audio", dtmf_samples(DIALLED + "#", lead_ms=0, tail_ms=300))])
        try:
            ring_once(ctx, srv, "+12015551021", name="trigger")
            far = Sipp(ctx, "relay-far", "relay-far-early-media-then-answer-expect-bye.xml", srv.gateway_port,
                       keys={"rtp_port": far_peer.port}, timeout_s=60).start()
            wait_bound(srv.gateway_port)
            deadline = time.monotonic() + 25
            while time.monotonic() < deadline and far.first("sent", status=200) is None:
                time.sleep(0.2)
            time.sleep(2)  # two seconds of the answered call
            heard = caller_peer.snapshot()
        finally:
            srv.stop_expect_clean()
            caller_peer.close()
            far_peer.close()
        caller.expect_success(allow_server_bye=True)
        far.expect_success(allow_server_bye=True)
    progress = far.first("sent", status=183)
    answer = far.first("sent", status=200)
    check(progress is not None and answer is not None, f"the far end sent no 183 and 200\n  {far.summary()}")
    tone = tone_packets(heard, FAR_HZ)
    early = [p for p in tone if progress.when <= _wall(p) < answer.when]
    after = [p for p in tone if _wall(p) >= answer.when]
    ctx.log(f"caller heard the far tone in {len(early)} packets before the 200, {len(after)} after")
    check(len(early) >= 75, f"the caller must hear the far end's early media before the 200 (3 s): "
          f"{len(early)} packets of the {FAR_HZ} Hz tone")
    check(len(after) >= 50, f"the bridge must carry on after the 200: {len(after)} tone packets")


@case("relay-ip-destination-expect-bridged")
def relay_ip_destination_expect_bridged(ctx):
    """With policy.relay_sip_hosts = ["127.0.0.1"] the caller keys 201*127*0*0*1*<port># (the IP dial string,
    in-band): the INVITE goes straight to sip:201@127.0.0.1:<port> (a sipp UAS, not the line's gateway) from
    callbackd's own address, and the two are bridged: each hears the other's tone."""
    with Server(ctx, policy_options={"relay_sip_hosts": ["127.0.0.1"]}) as srv:
        uas_port = free_port_block(2)
        keys = f"201*127*0*0*1*{uas_port}#"
        far_peer = _far_peer()
        bridged = far_peer._first
        caller, caller_peer = _relay_caller(ctx, srv, "+12015551022", [
            ("audio", dtmf_samples(keys, lead_ms=0, tail_ms=300)), ("wait_for", bridged),
            ("audio", tone_samples(CALLER_HZ, 4000))])
        try:
            far = callee(ctx, "relay-ip-uas", "relay-far-answer-pcma-pt96-expect-bye.xml", uas_port,
                         keys={"rtp_port": far_peer.port}, timeout_s=60)
            ring_once(ctx, srv, "+12015551022", name="trigger")
            bridged.wait(25)
            time.sleep(4.5)
            heard_by_caller, heard_by_far = caller_peer.snapshot(), far_peer.snapshot()
        finally:
            srv.stop_expect_clean()
            caller_peer.close()
            far_peer.close()
        caller.expect_success(allow_server_bye=True)
        far.expect_success(allow_server_bye=True)
    invite = received_invite(far)
    check(invite.request_uri == f"sip:201@127.0.0.1:{uas_port}",
          f"request-URI {invite.request_uri}: expected sip:201@127.0.0.1:{uas_port}")
    check("<sip:callback@" in (invite.header("From") or ""),
          f"From {invite.header('From')!r}: callbackd's own address, never a number the caller typed")
    at_far, at_caller = tone_packets(heard_by_far, CALLER_HZ), tone_packets(heard_by_caller, FAR_HZ)
    ctx.log(f"far end heard the caller's tone in {len(at_far)} packets, the caller the far tone in {len(at_caller)}")
    check(len(at_far) >= 100, f"the caller's {CALLER_HZ} Hz tone must reach the far end: {len(at_far)} packets")
    check(len(at_caller) >= 100, f"the far end's {FAR_HZ} Hz tone must reach the caller: {len(at_caller)} packets")


@case("relay-expect-audio-both-ways-digits-and-star-star")
def relay_expect_audio_both_ways_digits_and_star_star(ctx):
    """Through the line: the caller's 600 Hz tone reaches the far end (PCMA) and the far end's 1400 Hz tone the
    caller (PCMU), each checked by its frequency; the caller's RFC 4733 5 (payload type 101 on its leg)
    reaches the far end as payload type 96, the far leg's; then ** hangs up the far leg (BYE) and puts the
    caller back at the relay prompt, where it dials again and a second INVITE reaches the gateway."""
    again, again_e164 = "2015550124", "+12015550124"
    with Server(ctx) as srv:
        far_peer = _far_peer(seconds=20)
        bridged = far_peer._first
        caller, caller_peer = _relay_caller(ctx, srv, "+12015551023", [
            ("audio", dtmf_samples(DIALLED + "#", lead_ms=0, tail_ms=300)), ("wait_for", bridged),
            ("audio", tone_samples(CALLER_HZ, 3000)), ("dtmf", "5"), ("audio", tone_samples(CALLER_HZ, 1000)),
            ("mark", "star-star"), ("dtmf", "**"), ("audio", [0] * 8000 * 2),
            ("audio", dtmf_samples(again + "#", lead_ms=0, tail_ms=300))])
        try:
            ring_once(ctx, srv, "+12015551023", name="trigger")
            far = Sipp(ctx, "relay-far", "relay-far-answer-pcma-pt96-expect-bye.xml", srv.gateway_port,
                       keys={"rtp_port": far_peer.port}, calls=2, timeout_s=60).start()
            wait_bound(srv.gateway_port)
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and len(far.messages_of("received", "INVITE")) < 2:
                time.sleep(0.2)
            time.sleep(1)
            heard_by_caller = caller_peer.snapshot()
            heard_by_far = [p for p in far_peer.snapshot() if "star-star" not in caller_peer.marks
                            or _wall(p).timestamp() < caller_peer.marks["star-star"] + 1]
        finally:
            srv.stop_expect_clean()
            caller_peer.close()
            far_peer.close()
        caller.expect_success(allow_server_bye=True)
        far.expect_success(allow_server_bye=True)
    invites = far.messages_of("received", "INVITE")
    check(len(invites) == 2, f"expected a second far INVITE after **, got {len(invites)}\n  {far.summary()}")
    check(invites[1].request_uri.split(";")[0] == f"sip:{again_e164}@{srv.gateway}",
          f"second request-URI {invites[1].request_uri}")
    byes = far.messages_of("received", "BYE")
    check(byes and byes[0].when < invites[1].when, f"** must send the first far leg a BYE\n  {far.summary()}")
    at_far, at_caller = tone_packets(heard_by_far, CALLER_HZ), tone_packets(heard_by_caller, FAR_HZ)
    ctx.log(f"far end heard the caller's tone in {len(at_far)} packets, the caller the far tone in {len(at_caller)}")
    check(len(at_far) >= 150, f"the caller's {CALLER_HZ} Hz tone must reach the far end: {len(at_far)} packets")
    check(len(at_caller) >= 150, f"the far end's {FAR_HZ} Hz tone must reach the caller: {len(at_caller)} packets")
    echoed = tone_packets(heard_by_far, FAR_HZ)
    check(len(echoed) < 5, f"the far end must not hear its own tone back: {len(echoed)} packets at "
          f"{[round(p.wall - caller_peer.marks.get('star-star', 0), 2) for p in echoed[:10]]} s from **")
    check(not [p for p in heard_by_far if p.payload_type in (0, 101)],
          "the far leg negotiated PCMA and events as 96: no PCMU or payload type 101 to it")
    digits = rfc4733_events(heard_by_far, 96)
    ctx.log(f"RFC 4733 digits at the far end (payload type 96): {digits!r}")
    check(digits.startswith("5"), f"the caller's 5 must reach the far end as payload type 96: got {digits!r}")
