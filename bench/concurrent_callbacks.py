#!/usr/bin/env python3
"""Concurrent answered callbacks with prompt audio: callbackd's CPU and memory at 50, 200 and 500 calls.

For each size N a fresh callbackd gets one wildcard entry "+1555*" -> sip:callee@127.0.0.1:<uas> (delay 1 s).
sipp sends N ring-once triggers from the gateway (distinct callers, --rate per second); a sipp UAS answers every
callback with SDP pointing at one Python RTP sink and holds it (no echo) until every call has been up for
--plateau seconds, so all N calls play the Auto Attendant's prompt at once. While every call is up (the plateau) the script samples callbackd's CPU% (of
one core, from /proc/<pid>/stat) and RSS (/proc/<pid>/status), and counts the RTP packets and streams that reach
the sink (a Python sink may undercount at the top sizes: the figure is a lower bound).
"""

import json
import os
import socket
import threading
import time

from common import (BenchContext, ProcSampler, Server, Sipp, arg_parser, caller_rows, count_jobs,
                    free_port_block, sipp_totals, wildcard_entry)
from server import LINE_NUMBER


class RtpSink:
    """Counts datagrams per second and the distinct senders of each second."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.seconds = {}  # int(monotonic) -> [packets, set of senders]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        recv = self.sock.recvfrom
        while not self._stop.is_set():
            try:
                _, sender = recv(2048)
            except socket.timeout:
                continue
            slot = self.seconds.setdefault(int(time.monotonic()), [0, set()])
            slot[0] += 1
            slot[1].add(sender)

    def window(self, since, until):
        slots = [v for k, v in self.seconds.items() if since <= k < until]
        if not slots:
            return {"rtp_pps": 0, "rtp_streams": 0}
        return {"rtp_pps": round(sum(s[0] for s in slots) / len(slots)),
                "rtp_streams": min(len(s[1]) for s in slots)}

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def run_size(args, calls):
    ctx = BenchContext(args, f"concurrent-{calls}")
    sink = RtpSink()
    rate = min(args.rate, calls)
    spread = calls / rate
    hold_s = spread + args.plateau + 3
    try:
        srv = Server(ctx, channels=1000, answer_delay_s=8, log_level=args.log_level,
                     callback={"min_interval_s": 0, "ring_timeout_s": 20}).start()
        uas_port = free_port_block(2)
        wildcard_entry(srv, f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
        sampler = ProcSampler(srv.proc.pid, interval=1.0)
        time.sleep(1.5)
        idle = sampler.summary()
        uas = Sipp(ctx, "callee", os.path.join(ctx.bench_scenarios, "callee-answer-hold.xml"), uas_port,
                   keys={"rtp_port": sink.port}, calls=calls, timeout_s=int(hold_s + spread + 60), trace=False,
                   extra=["-d", str(int(hold_s * 1000))]).start()
        time.sleep(0.5)
        uac = Sipp(ctx, "ring-once", "ring-once-expect-487.xml", srv.gateway_port, remote=srv.sip_target,
                   rows=caller_rows(calls, srv.gateway_port), service=LINE_NUMBER, calls=calls, rate=rate,
                   limit=calls, timeout_s=int(spread + 60), trace=False)
        started = time.monotonic()
        uac_code = uac.run(timeout=spread + 90)
        # Plateau: from the last callback's answer (last trigger + delay 1 s + margin) until the first BYE.
        plateau_start = started + spread + 2.5
        plateau_end = started + hold_s + 0.5
        time.sleep(max(0.0, plateau_end - time.monotonic()))
        during = sampler.summary(since=plateau_start, until=plateau_end)
        rtp = sink.window(int(plateau_start) + 1, int(plateau_end))
        uas_code = uas.wait(timeout=hold_s + spread + 90)
        time.sleep(1.0)
        after = sampler.summary(since=time.monotonic() - 1.5)
        sampler.stop()
        srv.stop()
        trig_ok, trig_failed = sipp_totals(uac)
        cb_ok, cb_failed = sipp_totals(uas)
        return {"calls": calls, "trigger_rate": rate, "triggers_ok": trig_ok, "triggers_failed": trig_failed,
                "uac_exit": uac_code, "callbacks_ok": cb_ok, "callbacks_failed": cb_failed, "uas_exit": uas_code,
                "jobs": count_jobs(srv), "plateau_s": round(plateau_end - plateau_start, 1),
                "cpu_avg_pct": during["cpu_avg_pct"], "cpu_max_pct": during["cpu_max_pct"],
                "rss_max_mb": during["rss_max_mb"], "rss_idle_mb": idle["rss_max_mb"], "rss_after_mb": after["rss_max_mb"],
                **rtp, "server_exit": srv.exit_code}
    finally:
        sink.close()
        ctx.cleanup()


def main():
    p = arg_parser(__doc__)
    p.add_argument("--sizes", default="50,200,500", help="concurrent call counts, comma separated")
    p.add_argument("--rate", type=int, default=100, help="trigger calls per second while ramping up")
    p.add_argument("--plateau", type=int, default=10, help="seconds with every call up")
    p.add_argument("--log-level", default="info")
    args = p.parse_args()
    results = [run_size(args, int(n)) for n in args.sizes.split(",")]
    print("\ncalls  triggers ok/failed  callbacks ok/failed  cpu avg%  cpu max%  rss MB  rtp pps  streams")
    for r in results:
        print(f"{r['calls']:<6} {r['triggers_ok']:>5}/{r['triggers_failed']:<13} {r['callbacks_ok']:>5}/"
              f"{r['callbacks_failed']:<13} {r['cpu_avg_pct']!s:<9} {r['cpu_max_pct']!s:<9} {r['rss_max_mb']!s:<7} "
              f"{r['rtp_pps']:<8} {r['rtp_streams']}")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
