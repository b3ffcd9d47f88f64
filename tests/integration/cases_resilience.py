"""Cases where the world under the server fails: the database is locked by another writer, or the server
restarts with a job pending. The server must say so clearly, keep serving calls, and lose nothing it stored."""

import re
import socket
import sqlite3
import time

from flows import callee, received_invite, ring_once
from registry import case
from server import Server, check, free_port_block


class WriteLock:
    """Another process's write transaction on the live database (an admin's sqlite3 session left open)."""

    def __init__(self, path):
        self.conn = sqlite3.connect(path, timeout=10, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self):
        self.conn.execute("ROLLBACK")
        self.conn.close()


@case("store-locked-expect-callback-after")
def store_locked_expect_callback_after(ctx):
    """With the database write-locked by another process, a trigger is kept in memory (and said so in the log),
    the REST API answers 503 for writes and still reads; once the lock is gone the job is stored and the caller
    is called back, and the next trigger works as usual."""
    with Server(ctx) as srv:
        uas_port = free_port_block(2)
        srv.add_phone("+1201555200*", f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
        lock = WriteLock(srv.db_path)
        try:
            offset = srv.log_size()
            ring_once(ctx, srv, "+12015552001", name="trigger-while-locked")
            wanted = "callback for '+12015552001' not stored yet, storage unavailable"
            deadline = time.monotonic() + 10
            while wanted not in srv.log_since(offset) and time.monotonic() < deadline:
                time.sleep(0.2)
            check(wanted in srv.log_since(offset), "a trigger that cannot be stored yet must be logged as such")
            status, body = srv.request("POST", "/api/v1/authorized-phones", {
                "caller_type": "pstn", "caller_address": "+12015559876", "callback_enabled": True})
            check(status == 503 and "storage unavailable" in str(body),
                  f"POST while the database is locked -> {status} {body}, expected 503 storage unavailable")
            status, body = srv.request("GET", "/api/v1/authorized-phones")
            check(status == 200 and len(body) == 1, f"GET while locked -> {status} {body}: reads must still work")
            uas = callee(ctx, "callee-kept-job", "callback-busy-expect-ack.xml", uas_port, timeout_s=40)
        finally:
            lock.release()
        check(srv.alive(), "the server died while its database was locked")
        uas.expect_success()
        received_invite(uas)
        job = srv.wait_job(lambda j: j["caller"] == "+12015552001" and j["state"] == "failed", 10, "for +12015552001")
        check(job["last_result"] == "busy", f"job {job}: expected last_result busy")

        uas = callee(ctx, "callee-after-lock", "callback-busy-expect-ack.xml", uas_port)
        ring_once(ctx, srv, "+12015552002", name="trigger-after-lock")
        uas.expect_success()
        received_invite(uas)
        srv.wait_job(lambda j: j["caller"] == "+12015552002" and j["state"] == "failed", 5, "for +12015552002")


@case("restart-expect-pending-job-dialed")
def restart_expect_pending_job_dialed(ctx):
    """A job still pending when the server stops (SIGTERM) is in the database and is dialed after the restart."""
    with Server(ctx) as srv:
        uas_port = free_port_block(2)
        srv.add_phone("+12015552101", f"sip:callee@127.0.0.1:{uas_port}", delay_s=6)
        ring_once(ctx, srv, "+12015552101", name="trigger-before-restart")
        job = srv.wait_job(lambda j: j["state"] == "pending", 3, "pending before the restart")
        srv.stop_expect_clean()
        uas = callee(ctx, "callee-after-restart", "callback-busy-expect-ack.xml", uas_port)
        srv.start()
        uas.expect_success()
        received_invite(uas)
        done = srv.wait_job(lambda j: j["id"] == job["id"] and j["state"] == "failed", 5, "dialed after restart")
        check(done["attempts"] == 1 and done["last_result"] == "busy",
              f"job after restart: {done}, expected one attempt ending busy")


@case("dead-callee-expect-failed-no-response")
def dead_callee_expect_failed_no_response(ctx):
    """A callback to a far end that never answers anything (not even 100 Trying) fails after ring_timeout_s as
    'failed: no response from ...', not as a callee who did not pick up."""
    with Server(ctx, callback={"ring_timeout_s": 5}) as srv:
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        silent.bind(("127.0.0.1", 0))  # bound, so no ICMP error: the INVITEs vanish like into a dead gateway
        try:
            port = silent.getsockname()[1]
            srv.add_phone("+12015552201", f"sip:callee@127.0.0.1:{port}", delay_s=0)
            ring_once(ctx, srv, "+12015552201", name="trigger-to-silence")
            job = srv.wait_job(lambda j: j["state"] == "failed", 12, "failed after the ring timeout")
            check(job["last_result"].startswith("failed: no response from sip:callee@127.0.0.1"),
                  f"job {job}: expected last_result 'failed: no response from ...'")
            silent.settimeout(0.1)
            check(b"INVITE sip:callee@" in silent.recv(65535), "the silent far end received no INVITE")
        finally:
            silent.close()


def _answered_then_silent(srv):
    """A call from the gateway that the attendant answers; we ACK the 200 and then never answer anything."""
    import re
    from hostile_sip import SDP, invite
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", srv.gateway_port))
    inv, _ = invite(srv.sip_port, f"127.0.0.1:{srv.gateway_port};rport", caller="+12015558000", sdp=SDP,
                    contact=f"127.0.0.1:{srv.gateway_port}")
    sock.sendto(inv, ("127.0.0.1", srv.sip_port))
    sock.settimeout(5)
    while True:
        data = sock.recvfrom(65535)[0]
        if data.startswith(b"SIP/2.0 200 "):
            break
    head = data.split(b"\r\n\r\n", 1)[0].decode()
    to = re.search(r"\r\nTo: *([^\r\n]+)", head, re.I).group(1)
    contact = re.search(r"\r\nContact: *<([^>]+)>", head, re.I).group(1)
    call_id = re.search(r"\r\nCall-ID: *([^\r\n]+)", head, re.I).group(1)
    from_ = re.search(r"\r\nFrom: *([^\r\n]+)", head, re.I).group(1)
    ack = (f"ACK {contact} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{srv.gateway_port};branch=z9hG4bKack{time.time_ns()}"
           f";rport\r\nMax-Forwards: 70\r\nFrom: {from_}\r\nTo: {to}\r\nCall-ID: {call_id}\r\nCSeq: 1 ACK\r\n"
           "Content-Length: 0\r\n\r\n")
    sock.sendto(ack.encode(), ("127.0.0.1", srv.sip_port))
    return sock  # kept open and never read again: the server's BYE goes unanswered


@case("shutdown-silent-peer-expect-clean-exit")
def shutdown_silent_peer_expect_clean_exit(ctx):
    """SIGTERM with an answered call whose peer never answers our BYE: the dialog is dropped after 5 s, the SIP
    stack finishes its shutdown (no 'did not finish' error), the process exits 0 within 8 s, and the call's
    record is written."""
    with Server(ctx, answer_delay_s=1) as srv:
        sock = _answered_then_silent(srv)
        time.sleep(0.5)
        started = time.monotonic()
        code = srv.stop()
        took = time.monotonic() - started
        sock.close()
        check(code == 0, f"exit code {code} after SIGTERM, expected 0")
        check(took < 8.0, f"took {took:.1f} s to stop, expected under 8 s")
        log = srv.log_text()
        check("dialog(s) still open at shutdown, dropped" in log, "the silent peer's dialog was not dropped")
        check("did not finish its shutdown" not in log, "the SIP stack was left mid-shutdown")
        with sqlite3.connect(srv.db_path) as db:
            rows = db.execute("SELECT result FROM call_records WHERE caller = '+12015558000'").fetchall()
        check(rows and rows[0][0] == "answered by attendant", f"call record of the silent peer's call: {rows}")
        ctx.log(f"stopped in {took:.1f} s with the peer silent; call record {rows[0][0]!r}")


@case("crash-while-ringing-expect-no-second-invite-until-settled")
def crash_while_ringing_expect_no_second_invite_until_settled(ctx):
    """kill -9 while a callback rings at a far end (which may still ring, or answer, after the crash): after the
    restart the job is not dialed again until crash_settle_s has passed, so the callee is never rung twice at
    once for one job; then the next attempt goes out and is counted."""
    settle_s = 6
    with Server(ctx, callback={"max_attempts": 2, "ring_timeout_s": 30, "crash_settle_s": settle_s}) as srv:
        far = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        far.bind(("127.0.0.1", 0))  # takes the INVITEs and never answers: the call "rings" there
        far.settimeout(0.2)

        def call_ids(seconds):
            ids, deadline = set(), time.monotonic() + seconds
            while time.monotonic() < deadline:
                try:
                    data = far.recv(65535)
                except socket.timeout:
                    continue
                m = re.search(rb"\r\nCall-ID: *([^\r\n]+)", data, re.I)
                if data.startswith(b"INVITE ") and m:
                    ids.add(m.group(1))
            return ids

        try:
            port = far.getsockname()[1]
            srv.add_phone("+12015552301", f"sip:callee@127.0.0.1:{port}", delay_s=0)
            ring_once(ctx, srv, "+12015552301", name="trigger-before-crash")
            first = call_ids(3)
            check(len(first) == 1, f"expected the first callback INVITE before the crash, got {first}")
            srv.kill()
            srv.start()
            early = call_ids(settle_s - 2) - first
            check(not early, f"the job was dialed again {settle_s - 2} s after the restart, while the attempt "
                             f"in flight at the crash may still ring: {early}")
            later = call_ids(8) - first
            check(len(later) == 1, f"expected one new attempt after crash_settle_s, got {later}")
            job = srv.wait_job(lambda j: j["attempts"] == 2, 5, "the second attempt counted")
            check(job["state"] == "dialing", f"job after the second attempt started: {job}")
        finally:
            far.close()
