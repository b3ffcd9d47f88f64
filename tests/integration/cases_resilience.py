"""Cases where the world under the server fails: the database is locked by another writer, or the server
restarts with a job pending. The server must say so clearly, keep serving calls, and lose nothing it stored."""

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
        srv.add_phone("+1555200*", f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
        lock = WriteLock(srv.db_path)
        try:
            offset = srv.log_size()
            ring_once(ctx, srv, "+15552001", name="trigger-while-locked")
            wanted = "callback for '+15552001' not stored yet, storage unavailable"
            deadline = time.monotonic() + 10
            while wanted not in srv.log_since(offset) and time.monotonic() < deadline:
                time.sleep(0.2)
            check(wanted in srv.log_since(offset), "a trigger that cannot be stored yet must be logged as such")
            status, body = srv.request("POST", "/api/v1/authorized-phones", {
                "caller_type": "pstn", "caller_address": "+15559876", "callback_enabled": True})
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
        job = srv.wait_job(lambda j: j["caller"] == "+15552001" and j["state"] == "failed", 10, "for +15552001")
        check(job["last_result"] == "busy", f"job {job}: expected last_result busy")

        uas = callee(ctx, "callee-after-lock", "callback-busy-expect-ack.xml", uas_port)
        ring_once(ctx, srv, "+15552002", name="trigger-after-lock")
        uas.expect_success()
        received_invite(uas)
        srv.wait_job(lambda j: j["caller"] == "+15552002" and j["state"] == "failed", 5, "for +15552002")


@case("restart-expect-pending-job-dialed")
def restart_expect_pending_job_dialed(ctx):
    """A job still pending when the server stops (SIGTERM) is in the database and is dialed after the restart."""
    with Server(ctx) as srv:
        uas_port = free_port_block(2)
        srv.add_phone("+15552101", f"sip:callee@127.0.0.1:{uas_port}", delay_s=6)
        ring_once(ctx, srv, "+15552101", name="trigger-before-restart")
        job = srv.wait_job(lambda j: j["state"] == "pending", 3, "pending before the restart")
        srv.stop_expect_clean()
        uas = callee(ctx, "callee-after-restart", "callback-busy-expect-ack.xml", uas_port)
        srv.start()
        uas.expect_success()
        received_invite(uas)
        done = srv.wait_job(lambda j: j["id"] == job["id"] and j["state"] == "failed", 5, "dialed after restart")
        check(done["attempts"] == 1 and done["last_result"] == "busy",
              f"job after restart: {done}, expected one attempt ending busy")
