"""Cases where a call back happens (or an answer): the main call flows of callbackd."""

import os
import socket
import time

from flows import (callee, cancel_time, check_callback_timing, check_sdp_offer, dtmf_lines, expect_no_callback,
                   from_uri, received_invite, ring_once, sdp_media, UdpWatch)
from media import RtpReceiver, describe_audio, rms, ulaw_decode, write_dtmf_pcap
from registry import case
from server import LINE_NUMBER, Server, check, free_port_block
from sipp import Sipp


def check_prompt_audio(rtp, server_rtp_port, what):
    """Non-silent PCMU packets, 20 ms apart, one SSRC, in order, sent from the port the server offered."""
    packets = rtp.snapshot()
    info = describe_audio(packets)
    check(info["audio_packets"] >= 50, f"{what}: expected >= 50 PCMU packets (1 s), got {info}")
    check(info["loud_packets"] >= 10 and info["max_rms"] > 1000,
          f"{what}: the prompt audio is silent (u-law RMS <= 300 nearly everywhere): {info}")
    check(info["payload_sizes"] == [160], f"{what}: expected 160-byte (20 ms) payloads: {info}")
    check(len(info["ssrcs"]) == 1, f"{what}: expected one SSRC: {info}")
    check(15 <= info["median_gap_ms"] <= 25, f"{what}: packets not paced at 20 ms: {info}")
    steps = info["audio_packets"] - 1
    check(info["seq_step_ok"] >= 0.95 * steps and info["ts_step_ok"] >= 0.95 * steps,
          f"{what}: sequence numbers / timestamps do not advance by 1 / 160: {info}")
    sources = {p.source for p in packets}
    check(all(port == server_rtp_port for _, port in sources),
          f"{what}: RTP must come from the port in the server's SDP ({server_rtp_port}), came from {sources}")
    return info


@case("trigger-expect-callback")
def trigger_expect_callback(ctx):
    """A trusted caller rings once: callback to a sip: URI; with an empty destination, via the line to the caller."""
    with Server(ctx) as srv:
        # Variant 1: a sip: destination is called directly.
        uas_port = free_port_block(2)
        srv.add_phone("+12015551001", f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
        uas = callee(ctx, "callee-sip", "callback-answer-expect-ack.xml", uas_port,
                     keys={"rtp_port": free_port_block(2)})
        trigger = ring_once(ctx, srv, "+12015551001", name="trigger-sip")
        uas.expect_success(allow_server_bye=True)
        invite = received_invite(uas)
        check(invite.request_uri.startswith(f"sip:callee@127.0.0.1:{uas_port}"),
              f"callback request-URI {invite.request_uri}, expected sip:callee@127.0.0.1:{uas_port}")
        check_sdp_offer(invite)
        elapsed = check_callback_timing(trigger, invite, 1)
        ctx.log(f"sip: callback INVITE {elapsed:.3f} s after CANCEL")
        job = srv.wait_job(lambda j: j["state"] == "answered", 5, "answered (sip: destination)")
        check(job["last_result"] == "answered", f"job {job}: expected last_result answered")

        # Variant 2: empty destination -> sip:<caller number>@<line gateway>, back to the gateway's port.
        srv.add_phone("+12015551002", "", delay_s=3, callback_type="pstn")
        trigger = ring_once(ctx, srv, "+12015551002", name="trigger-pstn")
        uas = callee(ctx, "callee-gateway", "callback-answer-expect-ack.xml", srv.gateway_port,
                     keys={"rtp_port": free_port_block(2)})
        uas.expect_success(allow_server_bye=True)
        invite = received_invite(uas)
        user_host = invite.request_uri.split(";")[0]
        check(user_host == f"sip:+12015551002@{srv.gateway}",
              f"callback request-URI {invite.request_uri}, expected sip:+12015551002@{srv.gateway}")
        check_sdp_offer(invite)
        elapsed = check_callback_timing(trigger, invite, 3)
        ctx.log(f"pstn: callback INVITE {elapsed:.3f} s after CANCEL")
        srv.wait_job(lambda j: j["state"] == "answered" and "+12015551002" in j.get("destination", ""), 5,
                     "answered (caller's number through the line)")


@case("callback-answered-expect-prompt-audio")
def callback_answered_expect_prompt_audio(ctx):
    """An answered callback gets the Auto Attendant's welcome prompt as paced, non-silent PCMU RTP."""
    with Server(ctx) as srv:
        uas_port = free_port_block(2)
        srv.add_phone("+12015551003", f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
        with RtpReceiver() as rtp:
            uas = callee(ctx, "callee", "callback-answer-expect-ack.xml", uas_port, keys={"rtp_port": rtp.port})
            ring_once(ctx, srv, "+12015551003")
            uas.expect_success(allow_server_bye=True)
            time.sleep(0.2)
        _, server_port = check_sdp_offer(received_invite(uas))
        info = check_prompt_audio(rtp, server_port, "callback prompt")
        ctx.log(f"prompt audio: {info}")
        srv.wait_job(lambda j: j["state"] == "answered", 5, "answered")


def _dtmf_call(ctx, srv, caller, scenario, method):
    uas_port = free_port_block(2)
    srv.add_phone(caller, f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
    cwd = ctx.tempdir(f"dtmf-{method}")
    write_dtmf_pcap(os.path.join(cwd, "dtmf-inband.pcap"), "159#")
    offset = srv.log_size()
    uas = callee(ctx, f"callee-{method}", scenario, uas_port, cwd=cwd)
    ring_once(ctx, srv, caller, name=f"trigger-{method}")
    uas.expect_success(allow_server_bye=True)
    time.sleep(0.5)
    log = srv.log_since(offset)
    got = dtmf_lines(log)
    # The digits may be a PIN: the log shows each key's arrival (masked 'x'; '#' ends the entry), never the key.
    expected = [(d, method) for d in "xxx#"]
    check(got == expected, f"{method}: server logged DTMF {got}, expected exactly {expected} "
          f"(one \"dtmf 'x' via {method}\" line per digit, '#' shown)")
    check("attendant entry of 3 key(s)" in log, f"{method}: no \"attendant entry of 3 key(s)\" line")
    check("'159'" not in log, f"{method}: the entered digits '159' appear in the log")
    ctx.log(f"{method}: 3 digits and '#' recognised, masked in the log")


@case("dtmf-expect-recognised")
def dtmf_expect_recognised(ctx):
    """Digits 1 5 9 # from the callee are recognised once each, as RFC 4733 events and as in-band tones."""
    with Server(ctx) as srv:
        _dtmf_call(ctx, srv, "+12015551007", "dtmf-rfc4733-expect-recognised.xml", "rfc4733")
        _dtmf_call(ctx, srv, "+12015551008", "dtmf-inband-expect-recognised.xml", "inband")


@case("callee-busy-expect-failed-busy")
def callee_busy_expect_failed_busy(ctx):
    """The callee answers 486: the server ACKs it and the job ends failed with last_result busy."""
    with Server(ctx) as srv:
        uas_port = free_port_block(2)
        srv.add_phone("+12015551006", f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
        uas = callee(ctx, "callee-busy", "callback-busy-expect-ack.xml", uas_port)
        ring_once(ctx, srv, "+12015551006")
        uas.expect_success()
        job = srv.wait_job(lambda j: j["state"] in ("failed", "answered", "cancelled"), 5, "finished")
        check(job["state"] == "failed" and job["last_result"] == "busy",
              f"job {job}: expected state failed, last_result busy")
        check(job["attempts"] == 1, f"job {job}: expected 1 attempt (max_attempts = 1)")


@case("no-cancel-expect-attendant-answer")
def no_cancel_expect_attendant_answer(ctx):
    """A call left ringing is answered by the Auto Attendant after answer_delay_s, with prompt audio; no callback."""
    with Server(ctx, answer_delay_s=2) as srv:
        uas_port = free_port_block(2)
        srv.add_phone("+12015551005", f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
        with RtpReceiver() as rtp:
            caller = Sipp(ctx, "caller", "no-cancel-expect-answer.xml", srv.gateway_port, remote=srv.sip_target,
                          rows=[[from_uri("+12015551005", srv.gateway_port), "X-Test: no-cancel"]],
                          keys={"rtp_port": rtp.port}, service=LINE_NUMBER, timeout_s=20)
            caller.run(timeout=30)
            caller.expect_success()
            time.sleep(0.2)
        invite = caller.first("sent", method="INVITE")
        ok = caller.first("received", status=200)
        waited = (ok.when - invite.when).total_seconds()
        check(1.8 <= waited <= 3.5, f"200 OK came {waited:.3f} s after the INVITE, expected ~2 s (answer_delay_s)")
        _, server_port = sdp_media(ok)
        info = check_prompt_audio(rtp, server_port, "attendant prompt")
        ctx.log(f"answered after {waited:.3f} s; prompt audio: {info}")
        expect_no_callback(ctx, srv, [uas_port], 2.5, "answered call (not a trigger)")


def _wait_tcp_listen(port, timeout=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    check(False, f"nothing listens on TCP port {port}")


@case("tcp-line-expect-callback")
def tcp_line_expect_callback(ctx):
    """A gateway on TCP: its ring-once INVITE arrives over TCP (from an ephemeral port, matched to the line by
    address), and with the line's transport "tcp" the callback to the caller goes back over TCP."""
    with Server(ctx, line_options={"transport": "tcp"}) as srv:
        srv.add_phone("+12015552301", "", delay_s=2, callback_type="pstn")
        trigger = Sipp(ctx, "trigger-tcp", "ring-once-expect-487.xml", srv.gateway_port, remote=srv.sip_target,
                       rows=[[from_uri("+12015552301", srv.gateway_port), "X-Test: tcp"]], service=LINE_NUMBER,
                       timeout_s=20, extra=("-t", "t1"))
        trigger.run(timeout=30)
        trigger.expect_success()
        check(trigger.first("sent", method="INVITE") is not None, "the TCP trigger sent no INVITE")
        uas = Sipp(ctx, "callee-tcp", "callback-busy-expect-ack.xml", srv.gateway_port, timeout_s=20,
                   extra=("-t", "t1")).start()
        _wait_tcp_listen(srv.gateway_port)
        uas.expect_success()
        invite = received_invite(uas)
        check(invite.request_uri.startswith(f"sip:+12015552301@127.0.0.1:{srv.gateway_port};transport=tcp"),
              f"callback request-URI {invite.request_uri}: expected the caller at the gateway, transport=tcp")
        with open(uas.message_file) as f:
            check("TCP message received" in f.read(), "the callback did not arrive over TCP")
        job = srv.wait_job(lambda j: j["caller"] == "+12015552301" and j["state"] == "failed", 5, "busy over TCP")
        check(job["last_result"] == "busy", f"job {job}: expected busy")


@case("busy-line-expect-callback-when-free")
def busy_line_expect_callback_when_free(ctx):
    """A PSTN callback that falls due while the line's only channel carries another call waits for the line
    (no attempt spent) and is dialed once that call hangs up."""
    with Server(ctx, answer_delay_s=1, channels=1) as srv:
        srv.add_phone("+12015552401", "", delay_s=2, callback_type="pstn")
        trigger = ring_once(ctx, srv, "+12015552401", name="trigger")
        # Another caller takes the line over TCP (matched to the line by address): answered by the attendant
        # after 1 s, it hangs up 3 s later, after the callback fell due.
        holder = Sipp(ctx, "line-holder", "no-cancel-expect-answer.xml", free_port_block(2), remote=srv.sip_target,
                      rows=[[from_uri("+12015559000", srv.gateway_port), "X-Test: holder"]], service=LINE_NUMBER,
                      keys={"rtp_port": free_port_block(2)}, timeout_s=20, extra=("-t", "t1")).start()
        uas = callee(ctx, "callee-gateway", "callback-busy-expect-ack.xml", srv.gateway_port, timeout_s=30)
        holder.expect_success(allow_server_bye=True)
        uas.expect_success()
        invite = received_invite(uas)
        bye = holder.first("sent", method="BYE")
        check(bye is not None, f"the line holder never hung up\n  {holder.summary()}")
        check(invite.when > bye.when, f"callback INVITE at {invite.when} before the line was free at {bye.when}")
        check("every line is busy, waiting" in srv.log_text(), "the wait for a free line must be logged")
        job = srv.wait_job(lambda j: j["caller"] == "+12015552401" and j["state"] == "failed", 5, "after the wait")
        check(job["attempts"] == 1 and job["last_result"] == "busy",
              f"job {job}: expected one attempt (waiting costs none) ending busy")
        check((invite.when - cancel_time(trigger)).total_seconds() > 2.5, "the callback did not wait for the line")


def _tone_wav(hz=1000, ms=3000, rate=8000):
    """A steady sine with no sample at zero, so every sign change is one zero crossing."""
    import math
    import struct
    data = b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * hz * i / rate + math.pi / 8)))
                    for i in range(rate * ms // 1000))
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " +
            struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(data)) + data)


def _tone_packets(packets):
    """How many loud packets sound like the 1 kHz tone (38..42 zero crossings in 20 ms), and how many are loud."""
    loud = tone = 0
    for p in packets:
        samples = ulaw_decode(p.payload)
        if p.payload_type != 0 or rms(samples) < 1000:
            continue
        loud += 1
        crossings = sum(1 for a, b in zip(samples, samples[1:]) if (a < 0) != (b < 0))
        tone += 38 <= crossings <= 42
    return tone, loud


def _answered_callback_audio(ctx, srv, caller, name):
    uas_port = free_port_block(2)
    srv.add_phone(caller, f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
    with RtpReceiver() as rtp:
        uas = callee(ctx, name, "callback-answer-expect-ack.xml", uas_port, keys={"rtp_port": rtp.port})
        ring_once(ctx, srv, caller, name=f"trigger-{name}")
        uas.expect_success(allow_server_bye=True)
        time.sleep(0.2)
    return _tone_packets(rtp.snapshot())


@case("uploaded-prompt-expect-played")
def uploaded_prompt_expect_played(ctx):
    """A welcome prompt uploaded through the REST API is what the next call hears, without a restart; after
    "restore default" the next call hears the spoken default again."""
    with Server(ctx) as srv:
        status, reply, _ = srv.request_full("PUT", "/api/v1/prompts/en/welcome", raw_body=_tone_wav(),
                                            content_type="audio/wav")
        check(status == 200 and reply["custom"], f"upload -> {status} {reply}")
        tone, loud = _answered_callback_audio(ctx, srv, "+12015551021", "callee-tone")
        ctx.log(f"after upload: {tone} of {loud} loud packets are the 1 kHz tone")
        check(loud >= 50 and tone >= 0.9 * loud, f"the call must play the uploaded tone: {tone} of {loud}")
        status, _, _ = srv.request_full("DELETE", "/api/v1/prompts/en/welcome")
        check(status == 200, f"restore -> {status}")
        tone, loud = _answered_callback_audio(ctx, srv, "+12015551022", "callee-speech")
        ctx.log(f"after restore: {tone} of {loud} loud packets are the 1 kHz tone")
        check(loud >= 10 and tone <= 0.5 * loud, f"the call must play the spoken default again: {tone} of {loud}")


def store_entry_directly(srv, caller, destination):
    """An entry as an older version (or a hand edit) stored it: the API now refuses such a destination, so the
    entry is stored with a harmless one and the row changed in the database, to prove the dialer's own check."""
    import sqlite3
    entry = srv.add_phone(caller, "+12015550123", delay_s=2)
    with sqlite3.connect(srv.db_path, timeout=5) as db:
        db.execute("UPDATE authorized_phones SET callback_destination = ? WHERE id = ?", (destination, entry["id"]))


def check_refused_without_invite(ctx, srv, caller, destination, reason):
    store_entry_directly(srv, caller, destination)
    ring_once(ctx, srv, caller, name=f"trigger-{reason}")
    with UdpWatch([srv.gateway_port]) as watch:
        job = srv.wait_job(lambda j: j["destination"] == destination and j["state"] != "pending", 8,
                           f"finished ({destination})")
        time.sleep(1.0)
    check(job["state"] == "failed" and job["last_result"] == f"refused: {reason}",
          f"job {job}: expected state failed, last_result 'refused: {reason}'")
    check(job["attempts"] == 1, f"job {job}: a refusal must never be retried")
    invites = [text for _, _, text in watch.seen if text.startswith("INVITE")]
    check(not invites, f"{destination}: an INVITE reached the gateway: {invites[:1]}")
    status, records = srv.request("GET", "/api/v1/call-records")
    check(status == 200, f"GET /api/v1/call-records -> {status}")
    mine = [r for r in records if r.get("job_id") == job["id"] and r.get("direction") == "outbound"]
    check(len(mine) == 1 and mine[0]["result"] == f"refused: {reason}",
          f"call records of job {job['id']}: expected one outbound 'refused: {reason}', got {mine}")
    ctx.log(f"{destination}: job failed '{job['last_result']}', no INVITE, call record written (ok)")


@case("premium-destination-expect-refused-no-invite")
def premium_destination_expect_refused_no_invite(ctx):
    """Toll fraud: a trusted caller whose destination is US premium 900 or an 011 international number
    triggers, and no INVITE reaches the gateway; the job fails 'refused: <reason>', never retried, with a
    call record; the API refuses to store such a destination (400, field callback_destination)."""
    with Server(ctx, callback={"max_attempts": 3}) as srv:
        check_refused_without_invite(ctx, srv, "+12015551031", "+19005550199", "premium-rate")
        check_refused_without_invite(ctx, srv, "+12015551032", "011442071234567", "international")
        status, body = srv.request("POST", "/api/v1/authorized-phones",
                                   {"caller_type": "pstn", "caller_address": "+12015551033", "callback_enabled": True,
                                    "callback_type": "pstn", "callback_destination": "+19005550199"})
        check(status == 400 and body.get("field") == "callback_destination" and "premium-rate" in body["error"],
              f"POST of a premium destination -> {status} {body}, expected 400 naming callback_destination")
