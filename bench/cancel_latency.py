#!/usr/bin/env python3
"""CANCEL -> callback INVITE latency: how long after the caller's CANCEL the callback INVITE reaches the callee.

Each caller +1555<n> has its own entry (delay 0) whose destination is sip:cb<n>@127.0.0.1:<port>, so every
callback INVITE names its trigger. sipp sends the ring-once calls from the gateway at --rate with -trace_msg (the
CANCEL's send time), a Python UAS stamps each INVITE on arrival and answers 486 (cheap, no media). Both clocks are
this host's wall clock. Reports median, p99 and max over --calls calls, and any trigger that never called back.
"""

import json
import re
import socket
import threading
import time

from common import BenchContext, ProcSampler, Server, Sipp, arg_parser, caller_rows, percentile
from server import LINE_NUMBER


class StampingUas:
    """Answers every INVITE with 486 and records the wall-clock time of the first copy of each one."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.arrivals = {}  # request-URI user -> time.time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            now = time.time()
            text = data.decode("utf-8", "replace")
            if not text.startswith("INVITE "):
                continue  # ACKs for our 486
            user = re.match(r"INVITE sip:([^@]+)@", text)
            if user:
                self.arrivals.setdefault(user.group(1), now)
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


def main():
    p = arg_parser(__doc__)
    p.add_argument("--calls", type=int, default=200)
    p.add_argument("--rate", type=int, default=20, help="ring-once calls per second")
    p.add_argument("--log-level", default="info")
    args = p.parse_args()
    ctx = BenchContext(args, "cancel-latency")
    uas = StampingUas()
    try:
        srv = Server(ctx, channels=1000, answer_delay_s=8, log_level=args.log_level,
                     callback={"min_interval_s": 0, "ring_timeout_s": 10}).start()
        rows = caller_rows(args.calls, srv.gateway_port)
        for i in range(args.calls):
            srv.add_phone(f"+1555{i:07d}", f"sip:cb{i}@127.0.0.1:{uas.port}", delay_s=0)
        sampler = ProcSampler(srv.proc.pid)
        uac = Sipp(ctx, "ring-once", "ring-once-expect-487.xml", srv.gateway_port, remote=srv.sip_target,
                   rows=rows, service=LINE_NUMBER, calls=args.calls, rate=args.rate, limit=200,
                   timeout_s=args.calls // args.rate + 60)
        code = uac.run(timeout=args.calls // args.rate + 90)
        time.sleep(2.0)
        cancels = {}
        for m in uac.messages():
            if m.direction == "sent" and m.method == "CANCEL":
                user = re.search(r"sip:\+1555(\d{7})@", m.header("From") or "")
                if user:
                    cancels.setdefault(int(user.group(1)), m.when.timestamp())
        latencies, missing = [], []
        for i, sent in sorted(cancels.items()):
            arrived = uas.arrivals.get(f"cb{i}")
            if arrived is None:
                missing.append(i)
            else:
                latencies.append(1000 * (arrived - sent))
        cpu = sampler.summary()
        sampler.stop()
        srv.stop()
        result = {"calls": args.calls, "rate": args.rate, "sipp_exit": code, "cancels_sent": len(cancels),
                  "callbacks_received": len(latencies), "missing": len(missing),
                  "latency_ms_median": round(percentile(latencies, 50), 1) if latencies else None,
                  "latency_ms_p99": round(percentile(latencies, 99), 1) if latencies else None,
                  "latency_ms_max": round(max(latencies), 1) if latencies else None,
                  "latency_ms_min": round(min(latencies), 1) if latencies else None,
                  "server_exit": srv.exit_code, **cpu}
        if missing:
            result["missing_callers"] = [f"+1555{i:07d}" for i in missing[:20]]
        print(json.dumps(result, indent=1))
    finally:
        uas.close()
        ctx.cleanup()


if __name__ == "__main__":
    main()
