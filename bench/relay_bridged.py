#!/usr/bin/env python3
"""Concurrent relayed calls with audio checked at the far end: gaps, loss and callbackd's CPU per bridged call.

For each size N a fresh callbackd gets one wildcard entry "+1555*" -> sip:caller@127.0.0.1:<caller uas>
(delay --delay s), logged in as extension 201 (allow_call_relay) and sent straight to the Call Relay prompt;
line fxo1 has N + 10 channels and the relay caps are opened to N. sipp sends N ring-once triggers from the
gateway (distinct callers); once they are done, a sipp UAS takes the gateway's port as the far end. Every
callback is answered by a sipp UAS whose SDP points at its own Python RTP stream (one socket per call), which,
once the server's RTP reaches it, keys 2015550123# as RFC 4733 and then sends a steady 1 kHz PCMU tone; the
relayed call goes through the line to the far UAS, whose SDP points at another stream sending a 500 Hz PCMA
tone. So every call is the whole thing users compare: callback, attendant, DTMF, policy, far INVITE, and RTP
relayed both ways with PCMU<->PCMA transcoding.

Once every far stream hears the caller (or --ramp-timeout passes), a plateau of --plateau seconds is measured:
at the far end, per call, packets received against the 50/s sent, sequence gaps (loss), arrival gaps over
60 ms, and whether the audio is the caller's tone (every 10th packet decoded, frequency from zero crossings);
the same for the caller's side; callbackd's CPU seconds (utime + stime) over the plateau, also as CPU seconds
per minute per 100 bridged calls. The load average before and after each size is printed beside the figures.
"""

import json
import os
import selectors
import socket
import struct
import time

from common import (BenchContext, ProcSampler, Server, Sipp, arg_parser, caller_rows, free_port_block,
                    sipp_totals)
from media import alaw_decode, alaw_encode, tone_samples, ulaw_decode, ulaw_encode, zero_crossing_hz
from server import LINE_NUMBER

DIALLED = "2015550123#"  # a valid US number: the policy fails closed (5550123 is refused)
CALLER_HZ, FAR_HZ = 1000, 500  # periods of 8 and 16 samples: every 20 ms frame of each tone is the same
FRAME_S = 0.020
KEYS = "0123456789*#"


class Stream:
    """One end's RTP for one call: sends once the server's first packet came, records the plateau's packets."""

    __slots__ = ("sock", "role", "source", "first_at", "script", "seq", "ts", "got", "last_seq", "last_at",
                 "lost", "gaps", "max_gap", "checked", "tone", "recording", "received")

    def __init__(self, role, script):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.role, self.script = role, script
        self.source = self.first_at = None
        self.seq, self.ts = 1000, 80000
        self.received = 0
        self.recording = False
        self.reset()

    def reset(self):
        self.got = self.lost = self.gaps = self.checked = self.tone = 0
        self.max_gap = 0.0
        self.last_seq = self.last_at = None

    @property
    def port(self):
        return self.sock.getsockname()[1]


def caller_script():
    """RFC 4733 packets of the number (PT 101: 7 packets of each event, 3 end packets, 4 of silence), then tone."""
    silence = ulaw_encode([0] * 160)
    steps = [("pause", None)] * 25  # 0.5 s after the server's first packet
    for key in DIALLED:
        event = KEYS.index(key)
        steps += [("event", (event, k >= 7, 160 * min(k + 1, 7), k == 0)) for k in range(10)]
        steps += [("audio", (0, silence))] * 4
    return steps, ("audio", (0, ulaw_encode(tone_samples(CALLER_HZ, 20))))


def far_script():
    return [], ("audio", (8, alaw_encode(tone_samples(FAR_HZ, 20))))


def send_next(s):
    steps, forever = s.script
    kind, arg = steps.pop(0) if steps else forever
    if kind == "pause":
        return
    if kind == "event":
        event, end, duration, marker = arg
        pt, payload, advance = 101, struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration), False
        first = marker
    else:
        (pt, payload), advance, first = arg, True, False
    header = struct.pack("!BBHII", 0x80, (0x80 if first else 0) | pt, s.seq & 0xFFFF, s.ts & 0xFFFFFFFF,
                         0x5EED0000 + s.port)
    try:
        s.sock.sendto(header + payload, s.source)
    except OSError:
        return
    s.seq += 1
    if advance or (kind == "event" and end and steps and steps[0][0] != "event"):
        s.ts += 160 if advance else 160 * 7


def receive(s, now, expect_hz):
    while True:
        try:
            data, source = s.sock.recvfrom(2048)
        except (BlockingIOError, InterruptedError):
            return
        if len(data) < 12 or data[0] >> 6 != 2:
            continue
        s.received += 1
        if s.source is None:
            s.source, s.first_at = source, now
        if not s.recording:
            continue
        pt = data[1] & 0x7F
        seq = struct.unpack("!H", data[2:4])[0]
        s.got += 1
        if s.last_seq is not None:
            s.lost += max(0, ((seq - s.last_seq) & 0xFFFF) - 1)
            gap = now - s.last_at
            s.max_gap = max(s.max_gap, gap)
            s.gaps += gap > 0.060
        s.last_seq, s.last_at = seq, now
        if s.got % 10 == 0 and pt in (0, 8):
            samples = (ulaw_decode if pt == 0 else alaw_decode)(data[12:])
            s.checked += 1
            s.tone += abs(zero_crossing_hz(samples) - expect_hz) <= 60


class Media:
    """Every call's two streams on one thread: a selector for what arrives, a 20 ms clock for what leaves."""

    def __init__(self, calls):
        self.callers = [Stream("caller", caller_script()) for _ in range(calls)]
        self.fars = [Stream("far", far_script()) for _ in range(calls)]
        self.sel = selectors.DefaultSelector()
        for s in self.callers + self.fars:
            self.sel.register(s.sock, selectors.EVENT_READ, s)

    def run_until(self, deadline, stop=None):
        next_tick = time.monotonic()
        while True:
            now = time.monotonic()
            if now >= deadline or (stop is not None and stop()):
                return
            for key, _ in self.sel.select(max(0.0, min(next_tick, deadline) - now)):
                s = key.data
                receive(s, time.monotonic(), FAR_HZ if s.role == "caller" else CALLER_HZ)
            now = time.monotonic()
            if now >= next_tick:
                for s in self.callers + self.fars:
                    if s.source is not None:
                        send_next(s)
                next_tick += FRAME_S
                if next_tick < now - 0.1:  # this process fell behind: do not burst to catch up
                    next_tick = now + FRAME_S

    def record(self, on):
        for s in self.callers + self.fars:
            if on:
                s.reset()
            s.recording = on

    def close(self):
        for s in self.callers + self.fars:
            s.sock.close()


def stats(streams, seconds):
    expected = seconds / FRAME_S
    heard = [s for s in streams if s.checked and s.tone / s.checked >= 0.9]
    got = sum(s.got for s in streams)
    lost = sum(s.lost for s in streams)
    return {"streams": len(streams), "clean_tone": len(heard),
            "received_pct": round(100.0 * got / (expected * len(streams)), 2) if streams else None,
            "seq_loss_pct": round(100.0 * lost / max(1, got + lost), 3),
            "gaps_over_60ms": sum(s.gaps for s in streams),
            "max_gap_ms": round(1000 * max((s.max_gap for s in streams), default=0.0), 1)}


def setup(srv):
    status, body = srv.request("POST", "/api/v1/extensions",
                               {"number": "201", "name": "Bench", "password": "a long bench secret 4711",
                                "allow_call_relay": True})
    assert status == 201, f"POST /api/v1/extensions -> {status} {body}"


def run_size(args, calls):
    ctx = BenchContext(args, f"relay-{calls}")
    media = Media(calls)
    load_before = os.getloadavg()
    try:
        srv = Server(ctx, channels=calls + 10, answer_delay_s=8, log_level=args.log_level,
                     callback={"min_interval_s": 0, "ring_timeout_s": 30, "max_concurrent": calls + 10,
                               "max_per_hour": 0, "max_per_day": 0},
                     sip_options={"max_calls": 4 * calls + 100},
                     # Every callback goes to the one caller UAS URI, which the relay caps count as one caller
                     # (so no hourly or daily cap either: 0).
                     policy_options={"max_relay_calls": calls + 10, "max_relay_calls_per_caller": min(100, calls),
                                     "max_relay_calls_per_hour": 0, "max_relay_calls_per_day": 0,
                                     "max_relay_duration_s": 3600}).start()
        setup(srv)
        caller_port = free_port_block(2)
        rate = min(args.rate, calls)
        # The far UAS takes the gateway's port once the triggers are done: no callback may come sooner.
        delay = max(args.delay, int(calls / rate) + 3)
        srv.add_phone("+1555*", f"sip:caller@127.0.0.1:{caller_port}", delay_s=delay, login_extension="201",
                      auto_call_relay=True)
        uas_keys = {"codec_pt": 0, "codec_name": "PCMU", "event_pt": 101}
        caller_uas = Sipp(ctx, "caller", os.path.join(ctx.bench_scenarios, "relay-answer-hold.xml"), caller_port,
                          rows=[[str(s.port)] for s in media.callers], keys=uas_keys, calls=calls,
                          timeout_s=900, trace=False).start()
        triggers = Sipp(ctx, "ring-once", "ring-once-expect-487.xml", srv.gateway_port, remote=srv.sip_target,
                        rows=caller_rows(calls, srv.gateway_port), service=LINE_NUMBER, calls=calls, rate=rate,
                        limit=calls, timeout_s=int(calls / rate + 60), trace=False)
        triggers.run(timeout=calls / rate + 90)
        far_uas = Sipp(ctx, "far", os.path.join(ctx.bench_scenarios, "relay-answer-hold.xml"), srv.gateway_port,
                       rows=[[str(s.port)] for s in media.fars],
                       keys={"codec_pt": 8, "codec_name": "PCMA", "event_pt": 96}, calls=calls, timeout_s=900,
                       trace=False).start()
        ramp_start = time.monotonic()
        media.run_until(ramp_start + args.ramp_timeout,
                        stop=lambda: all(s.received > 50 and s.first_at is not None for s in media.fars))
        ramp_s = time.monotonic() - ramp_start
        bridged = sum(1 for s in media.fars if s.first_at is not None)
        media.run_until(time.monotonic() + 1.0)  # settle: the last calls' jitter buffers fill
        sampler = ProcSampler(srv.proc.pid, interval=1.0)
        cpu0, t0 = sampler.cpu_seconds(), time.monotonic()
        media.record(True)
        media.run_until(t0 + args.plateau)
        cpu_s, plateau_s = sampler.cpu_seconds() - cpu0, time.monotonic() - t0
        media.record(False)
        during = sampler.summary()
        sampler.stop()
        load_after = os.getloadavg()
        srv.stop()
        caller_uas.wait(timeout=60)
        far_uas.wait(timeout=60)
        trig_ok, trig_failed = sipp_totals(triggers)
        return {"calls": calls, "triggers_ok": trig_ok, "triggers_failed": trig_failed,
                "callbacks_answered": sum(1 for s in media.callers if s.first_at is not None),
                "far_calls_bridged": bridged, "ramp_s": round(ramp_s, 1), "plateau_s": round(plateau_s, 1),
                "at_far": stats(media.fars, plateau_s), "at_caller": stats(media.callers, plateau_s),
                "cpu_s": round(cpu_s, 2),
                "cpu_s_per_min_per_100_calls": round(cpu_s * (60.0 / plateau_s) * (100.0 / calls), 2),
                "cpu_avg_pct": during["cpu_avg_pct"], "rss_max_mb": during["rss_max_mb"],
                "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in load_after],
                "server_exit": srv.exit_code}
    finally:
        media.close()
        ctx.cleanup()


def main():
    p = arg_parser(__doc__)
    p.add_argument("--sizes", default="10,50,100", help="concurrent relayed calls, comma separated")
    p.add_argument("--rate", type=int, default=20, help="trigger calls per second while ramping up")
    p.add_argument("--delay", type=int, default=3,
                   help="least callback delay (s); raised so that the triggers end before the first callback")
    p.add_argument("--plateau", type=int, default=20, help="seconds measured with every call bridged")
    p.add_argument("--ramp-timeout", type=int, default=60, help="longest wait for every call to be bridged")
    p.add_argument("--log-level", default="info")
    args = p.parse_args()
    results = [run_size(args, int(n)) for n in args.sizes.split(",")]
    print("\ncalls  bridged  far: clean/recv%/loss%/gaps>60ms/max gap ms   caller: clean/recv%/loss%   "
          "cpu s/min/100 calls  cpu%  rss MB  load 1-min before->after")
    for r in results:
        f, c = r["at_far"], r["at_caller"]
        print(f"{r['calls']:<6} {r['far_calls_bridged']:<8} {f['clean_tone']}/{f['received_pct']}/{f['seq_loss_pct']}/"
              f"{f['gaps_over_60ms']}/{f['max_gap_ms']:<22} {c['clean_tone']}/{c['received_pct']}/"
              f"{c['seq_loss_pct']:<14} {r['cpu_s_per_min_per_100_calls']:<20} {r['cpu_avg_pct']!s:<5} "
              f"{r['rss_max_mb']!s:<7} {r['load_before'][0]}->{r['load_after'][0]}")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
