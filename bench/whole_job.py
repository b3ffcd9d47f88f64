#!/usr/bin/env python3
"""Whole job: ring-once triggers and the callbacks they cause, at several offered rates.

What a user (and a peer such as Asterisk) compares: each call is a ring-once trigger from the line's gateway
(sipp: INVITE, 180, CANCEL after 100 ms, 200, 487, ACK) and then callbackd's callback INVITE (delay 0) reaching
a UAS on the gateway side, which answers 486 Busy (the cheapest answer that proves delivery; the job ends
failed/busy, max_attempts 1, so there is no retry). One wildcard entry "+1555*" matches every caller
+1555<7 digits>, distinct per call so min_interval_s never merges two. --entries N pre-fills the Authorized Phones
Database with N more entries (+1666<n>, never matching) written with sqlite3 into a migration-1 database that
the binary under test then migrates itself (the after binary backfills its lookup keys), prepared once and
copied into each run.

Reported per rate: triggers offered, sipp successes and failures, jobs created (SQLite file), callbacks delivered
(distinct Call-IDs of INVITEs at the UAS), achieved rate, callbackd CPU% (of one core) and peak RSS, the load
average before and after, and with --latency the CANCEL -> callback INVITE latency (sipp -trace_msg; the n-th
CANCEL sent is paired with the n-th callback to arrive, so it is reported only when every trigger was called
back; with one wildcard entry the INVITE does not name its trigger).
"""

import json
import os
import re
import shutil
import socket
import sqlite3
import threading
import time
import urllib.request

from common import (REPO, BenchContext, ProcSampler, Server, Sipp, arg_parser, caller_rows, count_jobs,
                    percentile, sipp_totals, wildcard_entry)
from server import LINE_NUMBER, TestFailure


class CountingUas:
    """Answers every INVITE 486 and records the first arrival (time.time()) of each Call-ID."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.arrivals = {}  # Call-ID -> time.time() of the first copy
        self.invites = 0    # INVITE datagrams, retransmissions included
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        call_id = re.compile(r"(?im)^(?:call-id|i)\s*:\s*(\S+)")
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            now = time.time()
            text = data.decode("utf-8", "replace")
            if not text.startswith("INVITE "):
                continue  # ACKs for our 486
            self.invites += 1
            m = call_id.search(text)
            if m:
                self.arrivals.setdefault(m.group(1), now)
            self.sock.sendto(self._busy(text), peer)

    @staticmethod
    def _busy(request):
        head = request.split("\r\n\r\n", 1)[0].split("\r\n")
        keep = [h for h in head[1:] if re.match(r"(?i)(via|v|from|f|call-id|i|cseq|to|t)\s*:", h)]
        keep = [h + ";tag=bench" if re.match(r"(?i)(to|t)\s*:", h) and ";tag=" not in h else h for h in keep]
        return ("SIP/2.0 486 Busy Here\r\n" + "\r\n".join(keep) + "\r\nContent-Length: 0\r\n\r\n").encode()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def migration1_sql():
    """Migration 1's SQL, read from src/store/migrations.cpp (released migrations are never edited)."""
    with open(os.path.join(REPO, "src", "store", "migrations.cpp")) as f:
        text = f.read()
    m = re.search(r'kMigration1 = R"sql\((.*?)\)sql"', text, re.S)
    if not m:
        raise SystemExit("cannot find kMigration1 in src/store/migrations.cpp")
    return m.group(1)


def wait_healthy(srv, timeout):
    """Server.start() gives up after 20 s; a migration over a million rows may take longer."""
    try:
        return srv.start()
    except TestFailure:
        if not srv.alive():
            raise
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{srv.web_port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return srv
        except OSError:
            pass
        if not srv.alive():
            raise TestFailure(f"callbackd exited with {srv.proc.returncode} while migrating")
        time.sleep(0.5)
    raise TestFailure(f"callbackd not healthy within {timeout} s")


def prepare_template(args, entries):
    """A database with `entries` extra entries, migrated by the binary under test; its path (None if 0)."""
    if entries <= 0:
        return None
    ctx = BenchContext(args, f"template-{entries}")
    ctx.keep = True  # the template is removed at the end of main()
    path = os.path.join(ctx.root, "template.db")
    t0 = time.monotonic()
    with sqlite3.connect(path) as db:
        db.executescript(migration1_sql())
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        db.execute("INSERT INTO schema_version (version) VALUES (1)")
        db.executemany(
            "INSERT INTO authorized_phones (caller_type, caller_address, description, callback_enabled, "
            "callback_type, callback_destination, callback_delay_s) VALUES ('pstn', ?, 'bench', 1, 'pstn', ?, 0)",
            ((f"+1666{i:07d}", f"+1777{i:07d}") for i in range(entries)))
    inserted = time.monotonic() - t0
    srv = Server(ctx, channels=4, log_level="info")
    shutil.copy(path, srv.db_path)
    wait_healthy(srv, 600)
    srv.stop()
    migrated = time.monotonic() - t0 - inserted
    with sqlite3.connect(srv.db_path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        version = db.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        count = db.execute("SELECT count(*) FROM authorized_phones").fetchone()[0]
    shutil.copy(srv.db_path, path)
    ctx.log(f"template: {count} entries, schema {version}, insert {inserted:.1f} s, migrate {migrated:.1f} s")
    return path


def run_rate(args, rate, template):
    ctx = BenchContext(args, f"job-{rate}")
    calls = rate * args.seconds
    uas = CountingUas()
    try:
        srv = Server(ctx, channels=1000, log_level=args.log_level, answer_delay_s=args.answer_delay,
                     callback={"min_interval_s": 0, "trigger_window_s": 10, "ring_timeout_s": 10,
                               "max_attempts": 1})
        if template:
            shutil.copy(template, srv.db_path)
        wait_healthy(srv, 120)
        wildcard_entry(srv, f"sip:cb@127.0.0.1:{uas.port}", delay_s=0)
        time.sleep(1.0)
        load_before = os.getloadavg()
        sampler = ProcSampler(srv.proc.pid, interval=1.0)
        uac = Sipp(ctx, "ring-once", "ring-once-expect-487.xml", srv.gateway_port, remote=srv.sip_target,
                   rows=caller_rows(calls, srv.gateway_port), service=LINE_NUMBER, calls=calls, rate=rate,
                   limit=max(50, rate * 2), timeout_s=args.seconds + 60, trace=args.latency,
                   extra=["-max_recv_loops", "10000", "-max_sched_loops", "10000"])
        started = time.monotonic()
        code = uac.run(timeout=args.seconds + 120)
        elapsed = time.monotonic() - started
        # Callbacks still in flight: wait until the UAS count stops growing (bounded).
        last, still = -1, 0
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline and still < 3:
            time.sleep(1.0)
            n = len(uas.arrivals)
            still = still + 1 if n == last else 0
            last = n
        cpu = sampler.summary(since=started + 1, until=started + elapsed)
        sampler.stop()
        load_after = os.getloadavg()
        ok, failed = sipp_totals(uac)
        srv.stop()
        jobs = count_jobs(srv)
        delivered = len(uas.arrivals)
        result = {"offered_cps": rate, "calls": calls, "entries": 1 + args.entries, "sipp_exit": code,
                  "successful": ok, "failed": failed, "jobs_created": sum(jobs.values()), "job_states": jobs,
                  "callbacks_delivered": delivered, "uas_invites": uas.invites,
                  "achieved_cps": round(ok / elapsed, 1), "wall_s": round(elapsed, 1),
                  "load_before": [round(x, 2) for x in load_before],
                  "load_after": [round(x, 2) for x in load_after],
                  "server_exit": srv.exit_code, **cpu}
        if args.latency:
            cancels = sorted(m.when.timestamp() for m in uac.messages()
                             if m.direction == "sent" and m.method == "CANCEL")
            arrivals = sorted(uas.arrivals.values())
            if cancels and len(arrivals) == len(cancels):
                lat = [1000 * (a - c) for a, c in zip(arrivals, cancels)]
                result.update({"latency_ms_median": round(percentile(lat, 50), 1),
                               "latency_ms_p99": round(percentile(lat, 99), 1)})
        if failed and args.keep:
            result["sipp_errors_file"] = uac.error_file
        return result
    finally:
        uas.close()
        ctx.cleanup()


def main():
    p = arg_parser(__doc__)
    p.add_argument("--rates", default="200,400,600,800", help="offered call rates (calls/s), comma separated")
    p.add_argument("--seconds", type=int, default=10, help="how long each rate is offered")
    p.add_argument("--entries", type=int, default=0, help="extra (never matching) Authorized Phones entries")
    p.add_argument("--latency", action="store_true",
                   help="trace sipp's messages for CANCEL -> callback latency (costs sipp time at high rates)")
    p.add_argument("--drain", type=int, default=30, help="at most this many seconds to wait for late callbacks")
    p.add_argument("--log-level", default="info")
    p.add_argument("--answer-delay", type=int, default=8, help="the line's answer_delay_s (the product default)")
    args = p.parse_args()
    template = prepare_template(args, args.entries)
    try:
        results = [run_rate(args, int(r), template) for r in args.rates.split(",")]
    finally:
        if template:
            shutil.rmtree(os.path.dirname(template), ignore_errors=True)
    print(f"\nentries {1 + args.entries}, {args.callbackd}")
    print("rate  calls  ok     failed  jobs   callbacks  achieved/s  cpu avg%  cpu max%  rss MB  "
          "load before -> after  lat med/p99 ms")
    for r in results:
        lat = f"{r.get('latency_ms_median')}/{r.get('latency_ms_p99')}" if "latency_ms_median" in r else "-"
        print(f"{r['offered_cps']:<5} {r['calls']:<6} {r['successful']:<6} {r['failed']:<7} {r['jobs_created']:<6} "
              f"{r['callbacks_delivered']:<10} {r['achieved_cps']:<11} {r['cpu_avg_pct']!s:<9} "
              f"{r['cpu_max_pct']!s:<9} {r['rss_max_mb']!s:<7} {r['load_before'][0]} -> {r['load_after'][0]}"
              f"{'':12}{lat}")
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
