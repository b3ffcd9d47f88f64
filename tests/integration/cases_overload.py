"""Overload: beyond its capacity the server answers new calls 503 with Retry-After, early and without a disk
write, keeps the calls it has, and takes new calls again by itself once load drops."""

import re
import time

from flows import callee, received_invite, ring_once
from hostile_sip import SDP, BurstClient
from media import RtpReceiver
from registry import case
from server import LINE_NUMBER, Server, check, free_port_block
from sipp import Sipp


def status_of(raw):
    m = re.match(rb"SIP/2\.0 (\d{3}) ", raw or b"")
    return int(m.group(1)) if m else None


@case("overload-expect-503-then-recover", timing=True)
def overload_expect_503_then_recover(ctx):
    """[sip] max_calls = 2: two calls ringing from the line's gateway hold the limit; a third INVITE gets 503
    with a Retry-After header and leaves no call record, while the two ringing calls are untouched. Once they
    are cancelled, a trusted caller's ring-once trigger is called back as usual."""
    with Server(ctx, answer_delay_s=30, sip_options={"max_calls": 2}) as srv:
        uas_port = free_port_block(2)
        srv.add_phone("+1201555300*", f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
        client = BurstClient(srv.sip_port, src_port=srv.gateway_port)
        try:
            held = [client.send("+12015559001", sdp=SDP), client.send("+12015559002", sdp=SDP)]
            time.sleep(1.0)
            extra = client.send("+12015559003", sdp=SDP)
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
        check(not any(r.get("caller") == "+12015559003" for r in records),
              f"the overload 503 wrote a call record: {records}")
        uas = callee(ctx, "callee-after-overload", "callback-busy-expect-ack.xml", uas_port)
        ring_once(ctx, srv, "+12015553001", name="trigger-after-overload")
        uas.expect_success()
        received_invite(uas)


FLOOD_CALLS = 3000
FLOOD_RATE = 300  # INVITEs per second: 15x what max_calls = 20 takes when each call rings 200 ms


def _rss_kb(srv):
    with open(f"/proc/{srv.proc.pid}/status") as f:
        return int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1))


def _trigger_until_taken(ctx, srv, caller, name, tries=30):
    """A ring-once trigger, redialled (as a PSTN caller would) while the server answers 503; returns the
    number of refused tries."""
    for i in range(tries):
        if ring_once(ctx, srv, caller, name=f"{name}-{i}", expect_success=False).wait() == 0:
            return i
        time.sleep(0.2)
    check(False, f"{caller}: no trigger taken in {tries} tries")


def _max_gap_ms(packets, start, end):
    arrivals = [p.arrival for p in packets if start <= p.arrival <= end]
    check(len(arrivals) > 50, f"only {len(arrivals)} RTP packets of the held call during the flood")
    return 1000 * max(b - a for a, b in zip(arrivals, arrivals[1:]))


def _screen_count(sipp, status):
    """How many `status` responses sipp's final screen counts (its line '503 <---------- N')."""
    try:
        with open(sipp.screen_file, encoding="utf-8", errors="replace") as f:
            counts = re.findall(rf"^\s*{status} <-+\s+(\d+)", f.read(), re.M)
        return int(counts[-1]) if counts else None
    except FileNotFoundError:
        return None


@case("invite-flood-expect-503-audio-kept-trigger-called-back", timing=True)
def invite_flood_expect_503_audio_kept_trigger_called_back(ctx):
    """[sip] max_calls = 20 and a bounded flood of 3,000 INVITEs at 300/s from a line's gateway (each rings
    200 ms and is cancelled unless refused): every refused one gets 503 with Retry-After (sipp checks each),
    an answered call on another line keeps its audio (no RTP gap over 100 ms during the flood) and is not hung
    up, a trusted trigger made during the flood on a third line is taken at its first try (each line keeps
    [sip] line_reserve channels past the guard) and called back,
    after the flood a new trigger is taken and called back within 5 s, and the server's RSS is back below
    3x its baseline + 50 MB."""
    flood_port, hold_port = free_port_block(2), free_port_block(2)
    lines = [{"name": "flood", "gateway": f"127.0.0.1:{flood_port}", "number": "+12015550300", "channels": 1000,
              "inbound": "auto-attendant", "answer_delay_s": 30},
             {"name": "hold", "gateway": f"127.0.0.1:{hold_port}", "number": "+12015550400", "channels": 1,
              "inbound": "auto-attendant", "answer_delay_s": 1}]
    with Server(ctx, answer_delay_s=30, extra_lines=lines, log_level="info",
                sip_options={"max_calls": 20}) as srv:
        u1, u2 = free_port_block(2), free_port_block(2)
        srv.add_phone("+12015553201", f"sip:callee@127.0.0.1:{u1}", delay_s=1)
        srv.add_phone("+12015553202", f"sip:callee@127.0.0.1:{u2}", delay_s=1)
        baseline = _rss_kb(srv)
        with RtpReceiver() as rtp:
            held = Sipp(ctx, "held", "answered-hold-20s-expect-kept.xml", hold_port, remote=srv.sip_target,
                        rows=[[f"sip:+12015551301@127.0.0.1:{hold_port}", "X-Test: held"]],
                        keys={"rtp_port": rtp.port}, service=LINE_NUMBER, timeout_s=40).start()
            time.sleep(2.0)  # answered after 1 s, the prompt playing
            cb1 = callee(ctx, "callee-during-flood", "callback-busy-expect-ack.xml", u1)
            flood = Sipp(ctx, "flood", "flood-invite-expect-503-or-ring.xml", flood_port, remote=srv.sip_target,
                         service=LINE_NUMBER, calls=FLOOD_CALLS, rate=FLOOD_RATE, limit=400, timeout_s=50,
                         extra=["-d", "200"], trace=False).start()
            flood_start = time.monotonic()
            time.sleep(2.0)
            refused_tries = _trigger_until_taken(ctx, srv, "+12015553201", "trigger-during-flood")
            flood_code = flood.wait(timeout=55)
            flood_end = time.monotonic()
            peak = _rss_kb(srv)
            gap = _max_gap_ms(rtp.snapshot(), flood_start + 0.5, flood_end)
            held.expect_success(timeout=40)
        cb1.expect_success()
        received_invite(cb1)
        refused, rang = _screen_count(flood, 503), _screen_count(flood, 180)
        ctx.log(f"flood: {FLOOD_CALLS} INVITEs in {flood_end - flood_start:.1f} s, {refused} answered 503, {rang} rang, "
                f"sipp exit {flood_code}; trigger refused {refused_tries} time(s) before taken; "
                f"held call's largest RTP gap {gap:.0f} ms; RSS {baseline} kB before, {peak} kB at the end")
        check(refused_tries == 0, f"the trusted trigger on a quiet line was refused {refused_tries} time(s) "
                                  "during the flood: the line's reserve must let it in")
        check(flood_code == 0, "a flood call got something else than 503 with Retry-After or ringing "
                               f"(sipp exit {flood_code}; see {flood.error_file})")
        check(refused and rang and refused + rang == FLOOD_CALLS,
              f"the flood's INVITEs: {refused} refused with 503, {rang} rang, of {FLOOD_CALLS}")
        check(gap < 100, f"the held call's audio stopped for {gap:.0f} ms during the flood")
        cb2 = callee(ctx, "callee-after-flood", "callback-busy-expect-ack.xml", u2)
        after = time.monotonic()
        _trigger_until_taken(ctx, srv, "+12015553202", "trigger-after-flood")
        cb2.expect_success()
        recovered = (received_invite(cb2).when.timestamp() - time.time()) + time.monotonic() - after
        ctx.log(f"recovery: the trigger after the flood was called back {recovered:.1f} s after it was made "
                "(1 s of it the entry's delay)")
        check(recovered < 5, f"the trigger after the flood was called back {recovered:.1f} s later, expected < 5 s")
        rss = _rss_kb(srv)
        ctx.log(f"RSS after the flood: {rss} kB (baseline {baseline} kB)")
        check(rss < 3 * baseline + 50 * 1024, f"RSS {rss} kB after the flood, baseline {baseline} kB")


@case("flooded-line-at-max-calls-expect-trigger-on-another-line-taken")
def flooded_line_expect_trigger_on_another_line(ctx):
    """[sip] max_calls = 4 and 8 INVITEs at once from the gateway of line "flood" that ring for 8 s: 4 ring, 4 get
    503 with Retry-After. While the 4 hold every leg, a trusted caller's ring-once on fxo1 is taken at its first
    try (each line keeps [sip] line_reserve = 2 channels past the guard; a flood on one line must not cost
    another line's caller the callback) and called back, while the flooded line's own overflow got 503."""
    flood_port = free_port_block(2)
    lines = [{"name": "flood", "gateway": f"127.0.0.1:{flood_port}", "number": "+12015550300", "channels": 100,
              "inbound": "auto-attendant", "answer_delay_s": 30}]
    with Server(ctx, answer_delay_s=30, extra_lines=lines, sip_options={"max_calls": 4}) as srv:
        uas_port = free_port_block(2)
        srv.add_phone("+12015553211", f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
        flood = Sipp(ctx, "flood", "flood-invite-expect-503-or-ring.xml", flood_port, remote=srv.sip_target,
                     service=LINE_NUMBER, calls=8, rate=1000, limit=8, timeout_s=30, extra=["-d", "8000"]).start()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and srv.log_text().count("on line flood from") < 4:
            time.sleep(0.05)
        check(srv.log_text().count("on line flood from") == 4, "the 4 flood calls that fit did not ring")
        uas = callee(ctx, "callee", "callback-busy-expect-ack.xml", uas_port)
        ring_once(ctx, srv, "+12015553211", name="trusted-trigger")  # a 503 fails it: 487 expected
        uas.expect_success()
        received_invite(uas)
        check(flood.wait(timeout=30) == 0, f"the flood's calls: 503 with Retry-After or ringing ({flood.error_file})")
        check(_screen_count(flood, 503) == 4 and _screen_count(flood, 180) == 4,
              f"flood: {_screen_count(flood, 503)} refused, {_screen_count(flood, 180)} rang; expected 4 and 4")
        ctx.log("4 flood calls hold max_calls; the trusted trigger on fxo1 was taken at once and called back")
