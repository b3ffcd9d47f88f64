#!/usr/bin/env python3
"""Trigger rate: ring-once calls per second that callbackd handles, at several offered rates.

For each rate a fresh callbackd gets one wildcard entry "+1555*" (callback enabled, delay 3600 s so that no
callback traffic disturbs the measurement: each trigger is detected, screened and persisted as a pending job) and
sipp sends ring-once calls (INVITE, 180, CANCEL, 200, 487, ACK) from the line's gateway, each from a distinct
caller +1555<n>, for --seconds. Reported per rate: calls offered, sipp successes and failures, jobs created, the
achieved rate, and callbackd's CPU% (of one core) and peak RSS.
"""

import json
import time

from common import (BenchContext, ProcSampler, Server, Sipp, arg_parser, caller_rows, count_jobs, free_port_block,
                    sipp_totals, wildcard_entry)
from server import LINE_NUMBER


def run_rate(args, rate):
    ctx = BenchContext(args, f"trigger-{rate}")
    calls = rate * args.seconds
    try:
        srv = Server(ctx, channels=1000, log_level=args.log_level, answer_delay_s=args.answer_delay,
                     callback={"min_interval_s": 0, "trigger_window_s": 10}).start()
        wildcard_entry(srv, f"sip:nobody@127.0.0.1:{free_port_block(2)}", delay_s=3600)
        sampler = ProcSampler(srv.proc.pid, interval=1.0)
        uac = Sipp(ctx, "ring-once", "ring-once-expect-487.xml", srv.gateway_port, remote=srv.sip_target,
                   rows=caller_rows(calls, srv.gateway_port), service=LINE_NUMBER, calls=calls, rate=rate,
                   limit=max(50, rate * 2), timeout_s=args.seconds + 60, trace=False,
                   extra=["-max_recv_loops", "10000", "-max_sched_loops", "10000"])
        started = time.monotonic()
        code = uac.run(timeout=args.seconds + 90)
        elapsed = time.monotonic() - started
        time.sleep(1.0)
        cpu = sampler.summary(since=started + 1, until=started + elapsed)
        sampler.stop()
        ok, failed = sipp_totals(uac)
        srv.stop()
        jobs = sum(count_jobs(srv).values())
        result = {"offered_cps": rate, "calls": calls, "sipp_exit": code, "successful": ok, "failed": failed,
                  "jobs_created": jobs, "achieved_cps": round(ok / elapsed, 1), "wall_s": round(elapsed, 1),
                  "server_exit": srv.exit_code, **cpu}
        if failed and args.keep:
            result["sipp_errors_file"] = uac.error_file
        return result
    finally:
        ctx.cleanup()


def main():
    p = arg_parser(__doc__)
    p.add_argument("--rates", default="50,100,200", help="offered call rates (calls/s), comma separated")
    p.add_argument("--seconds", type=int, default=10, help="how long each rate is offered")
    p.add_argument("--log-level", default="info")
    p.add_argument("--answer-delay", type=int, default=8, help="the line's answer_delay_s (the product default)")
    args = p.parse_args()
    results = [run_rate(args, int(r)) for r in args.rates.split(",")]
    print("\nrate  calls  ok     failed  jobs   achieved/s  cpu avg%  cpu max%  rss MB")
    for r in results:
        print(f"{r['offered_cps']:<5} {r['calls']:<6} {r['successful']:<6} {r['failed']:<7} {r['jobs_created']:<6} "
              f"{r['achieved_cps']:<11} {r['cpu_avg_pct']!s:<9} {r['cpu_max_pct']!s:<9} {r['rss_max_mb']}")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
