"""Shared pieces of the load benchmarks: a run context, sipp result parsing, /proc sampling of callbackd.

Reuses the integration harness (tests/integration: Server, Sipp) so that benchmarks and tests start the server
the same way. Standard library only. Not part of CI: see bench/README.md.
"""

import argparse
import os
import re
import shutil
import sqlite3
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep the source tree clean

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

from server import Server, free_port_block  # noqa: E402,F401  (re-exported for the scripts)
from sipp import Sipp  # noqa: E402,F401
from context import Context  # noqa: E402


class BenchContext(Context):
    """The test harness's context, with quieter logging, an optional work dir, and kept or removed files."""

    def __init__(self, args, name):
        super().__init__(name, args.callbackd, args.prompts, os.path.join(REPO, "..", "shared"),
                         os.path.join(REPO, "tests", "sip"), prefix="cbd-bench-", workdir=args.workdir)
        self.bench_scenarios = os.path.join(HERE, "sip")
        self.keep = args.keep

    def log(self, message):
        if not message.startswith("sipp "):
            print(f"[{time.monotonic() - self.started:6.1f}] {message}", flush=True)

    def cleanup(self):
        for s in self.sipps:
            s.kill()
        for srv in self.servers:
            if srv.alive():
                srv.stop()
        if self.keep:
            print(f"files kept in {self.root}")
        else:
            shutil.rmtree(self.root, ignore_errors=True)


def arg_parser(description):
    build = os.path.join(REPO, "build")
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--callbackd", default=os.path.join(build, "callbackd"))
    p.add_argument("--prompts", default=os.path.join(build, "prompts"))
    p.add_argument("--workdir", help="where the config, logs and SQLite file go (default: the system temp dir; "
                   "/dev/shm takes fsync out of the measurement)")
    p.add_argument("--keep", action="store_true", help="keep the logs, sipp files and database of each run")
    return p


def sipp_totals(sipp):
    """(successful, failed) calls from sipp's final screen."""
    with open(sipp.screen_file, errors="replace") as f:
        text = f.read()

    def last(label):
        found = re.findall(rf"{label}\s*\|\s*\d+\s*\|\s*(\d+)", text)
        return int(found[-1]) if found else 0

    return last("Successful call"), last("Failed call")


class ProcSampler:
    """Samples a process's CPU% (utime+stime from /proc/<pid>/stat) and RSS (VmRSS) every interval seconds."""

    def __init__(self, pid, interval=1.0):
        self.pid = pid
        self.interval = interval
        self.samples = []  # (monotonic time, cpu percent of one core, rss kB)
        self._ticks = os.sysconf("SC_CLK_TCK")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def cpu_seconds(self):
        """The process's CPU seconds so far (user + system)."""
        return self._cpu_seconds()

    def _cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self._ticks  # utime, stime (fields 14, 15)

    def _rss_kb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def _run(self):
        try:
            last_t, last_cpu = time.monotonic(), self._cpu_seconds()
            while not self._stop.wait(self.interval):
                t, cpu = time.monotonic(), self._cpu_seconds()
                self.samples.append((t, 100.0 * (cpu - last_cpu) / (t - last_t), self._rss_kb()))
                last_t, last_cpu = t, cpu
        except (FileNotFoundError, ProcessLookupError):
            pass

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=3)
        return self.samples

    def summary(self, since=None, until=None):
        picked = [s for s in self.samples if (since is None or s[0] >= since) and (until is None or s[0] <= until)]
        if not picked:
            return {"cpu_avg_pct": None, "cpu_max_pct": None, "rss_max_mb": None}
        return {"cpu_avg_pct": round(sum(s[1] for s in picked) / len(picked), 1),
                "cpu_max_pct": round(max(s[1] for s in picked), 1),
                "rss_max_mb": round(max(s[2] for s in picked) / 1024, 1)}


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(p / 100 * (len(ordered) - 1)))))
    return ordered[k]


def count_jobs(srv):
    """Jobs in the server's SQLite file, by state (read after the server stopped: the API lists 1000 at most)."""
    with sqlite3.connect(f"file:{srv.db_path}?mode=ro", uri=True) as db:
        return dict(db.execute("SELECT state, count(*) FROM callback_jobs GROUP BY state").fetchall())


def wildcard_entry(srv, destination, delay_s):
    """One "+1555*" entry so that every benchmark caller +1555<n> is trusted."""
    return srv.add_phone("+1555*", destination, delay_s=delay_s)


def caller_rows(count, port, start=0):
    """Injection rows: distinct callers +1555<7 digits> (min_interval_s never merges two calls)."""
    return [[f"sip:+1555{start + i:07d}@127.0.0.1:{port}", "X-Bench: 1"] for i in range(count)]
