"""Operations (issue 11): what an admin's tools see in the log; security events through a real fail2ban filter."""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from cases_registrar import REALM, Phone
from cases_resilience import WriteLock
from flows import callee, from_uri, ring_once
from media import RtpReceiver
from registry import case
from server import LINE_NUMBER, Server, TestFailure, check, free_port_block
from sipp import Sipp

HERE = os.path.dirname(os.path.abspath(__file__))
FILTER = os.path.join(HERE, "..", "..", "contrib", "fail2ban", "filter.d", "callbackd.conf")

# A caller number from a line's gateway that, unescaped, would write a whole forged security event for 6.6.6.6
# on a line of its own (CR LF, the server's timestamp and level); %3A is ':', which a SIP user part cannot hold.
FORGED_TEXT = ('2026-12-02 00%3A00%3A00.000 warning security%3A sip-forbidden from=6.6.6.6 port=%225060%22 '
               'from_uri=%22sip%3Ax%40y%22')
FORGED_USER = "+12015551234%0D%0A" + FORGED_TEXT.replace(" ", "%20")
OWN_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} (trace|debug|info|warning|error) leg \d+: ")
EVENT_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} warning security: (\S+) from=(\S+)", re.M)


def _forged_call(ctx, srv):
    ring_once(ctx, srv, from_uri(FORGED_USER, srv.gateway_port), name="forged-caller")


def _check_no_forged_line(ctx, log):
    events = EVENT_LINE.findall(log)
    forged = [e for e in events if e[1].startswith("6.6.6.6")]
    check(not forged, f"a forged security event reached the log on its own line: {forged}")
    check("6.6.6.6" in log, "the forged caller's text is not in the log at all (was the call logged?)")
    carriers = [line for line in log.splitlines() if "6.6.6.6" in line]
    for line in carriers:
        check(OWN_LINE.match(line) is not None,
              f"the forged text is not inside one of the server's own lines: {line!r}")
    check(any("+12015551234\\x0d\\x0a2026" in line for line in carriers),
          "the decoded caller number is not logged with its CR LF shown as \\x0d\\x0a:\n" + "\n".join(carriers))
    ctx.log(f"forged caller number: logged escaped on the server's own lines; {len(events)} real event(s), none "
            "for 6.6.6.6")


@case("log-injection-expect-escaped")
def log_injection_expect_escaped(ctx):
    """A caller number with %0D%0A and a whole fake security event, from a line's gateway, stays inside the
    server's own log line (shown as \\x0d\\x0a): no line of the log is a forged event for 6.6.6.6."""
    with Server(ctx) as srv:
        _forged_call(ctx, srv)
        _check_no_forged_line(ctx, srv.log_text())


def _stranger_invite(ctx, srv):
    rogue_port = free_port_block(2)
    caller = Sipp(ctx, "stranger", "invite-expect-403.xml", rogue_port, remote=srv.sip_target,
                  rows=[[from_uri("+12015559999", rogue_port), "X-Test: stranger"]],
                  service=LINE_NUMBER, timeout_s=15)
    caller.run(timeout=25)
    caller.expect_success()


def _web_logins(ctx, srv):
    """Wrong passwords until the lockout answers 429: web-login-failed, then web-login-throttled."""
    statuses = []
    for _ in range(6):
        status, _ = srv.request("POST", "/api/v1/session", {"name": "mallory", "password": "not the password"},
                                token=None)
        statuses.append(status)
    check(statuses[0] == 401 and statuses[-1] == 429, f"web logins answered {statuses}, expected 401s then 429")


def _wrong_digest(ctx, srv):
    phone = Phone(srv, "299")
    status, _, challenge = phone.register()
    status, _, _ = phone.register(auth=phone.credentials(challenge, "not-the-password"))
    check(status == 401, f"REGISTER with a wrong password -> {status}, expected 401")
    ctx.log("REGISTER with a wrong password: 401")


def _fail2ban_regex(log_path):
    tool = shutil.which("fail2ban-regex")
    check(tool is not None, "fail2ban-regex (package fail2ban, scripts/setup.sh) is not installed")
    out = subprocess.run([tool, "--print-all-matched", "--print-all-missed", log_path, os.path.abspath(FILTER)],
                         capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, f"fail2ban-regex failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    text = out.stdout
    matched = text.split("|- Matched line(s):", 1)[1].split("`-", 1)[0] if "Matched line(s)" in text else ""
    return text, [line.strip("| ") for line in matched.splitlines() if line.strip("| ")]


@case("fail2ban-expect-events-matched")
def fail2ban_expect_events_matched(ctx):
    """A real log with every security event (sip-forbidden from a stranger, sip-digest-failed for a REGISTER with a
    wrong password, and with limits of one guess the sip-auth-throttled and sip-digest-lockout it causes,
    api-unauthorized for a wrong token, web-login-failed, web-login-throttled) and a forged caller
    number: fail2ban-regex with the shipped filter matches each event once, from 127.0.0.1, and nothing for the
    forged 6.6.6.6."""
    sip = {"realm": REALM, "auth_source_failures": 1, "auth_lockout_failures": 1}
    with Server(ctx, log_level="info", sip_options=sip) as srv:
        _stranger_invite(ctx, srv)
        _wrong_digest(ctx, srv)
        status, _ = srv.request("GET", "/api/v1/callbacks", token="wrong-token-0123456789")
        check(status == 401, f"GET with a wrong token -> {status}, expected 401")
        status, _ = srv.request("GET", "/api/v1/callbacks", token=None)
        check(status == 401, f"GET without a token -> {status}, expected 401 (and no event: nothing guessed)")
        _web_logins(ctx, srv)
        _forged_call(ctx, srv)
    log = srv.log_text()
    _check_no_forged_line(ctx, log)
    events = EVENT_LINE.findall(log)
    kinds = sorted({kind for kind, _ in events})
    check(kinds == ["api-unauthorized", "sip-auth-throttled", "sip-digest-failed", "sip-digest-lockout",
                    "sip-forbidden", "web-login-failed", "web-login-throttled"],
          f"security events in the log: {kinds}")
    check(sum(1 for k, _ in events if k == "api-unauthorized") == 1,
          f"expected one api-unauthorized (the wrong token only), got {events}")
    report, matched = _fail2ban_regex(srv.log_path)
    ctx.log(f"fail2ban-regex: {len(matched)} matched line(s) of {len(events)} event(s)")
    check(len(matched) == len(events), f"fail2ban-regex matched {len(matched)} lines, the log has "
          f"{len(events)} security events:\n{report}")
    check(all("from=127.0.0.1 " in m or m.endswith("from=127.0.0.1") for m in matched),
          f"a matched line is not from 127.0.0.1:\n" + "\n".join(matched))
    check(not any("6.6.6.6" in m for m in matched), "fail2ban matched the forged caller's line:\n" + report)
    for kind in kinds:
        check(any(f"security: {kind} " in m for m in matched), f"fail2ban did not match {kind}:\n{report}")


# --- start-up errors -------------------------------------------------------------------------------------------

def _start_expect_failure(ctx, srv, what, wanted):
    """Starts callbackd on srv's config; expects exit 1 within 15 s, one critical line naming `wanted`, no abort."""
    with open(srv.config_path, "w") as f:
        f.write(srv.config_text())
    out = subprocess.run([ctx.callbackd, "--config", srv.config_path], capture_output=True, text=True, timeout=15,
                         stdin=subprocess.DEVNULL)
    critical = [line for line in out.stderr.splitlines() if " critical " in line]
    check(out.returncode == 1, f"{what}: exit code {out.returncode}, expected 1; stderr:\n{out.stderr}")
    check(len(critical) == 1 and wanted in critical[0],
          f"{what}: expected one critical line with {wanted!r}; stderr:\n{out.stderr}")
    check("Assertion" not in out.stderr, f"{what}: an assertion fired:\n{out.stderr}")
    ctx.log(f"{what}: exit 1, {critical[0].split(' critical ', 1)[1]!r}")


@case("startup-errors-expect-exit-1")
def startup_errors_expect_exit_1(ctx):
    """A taken web port, a taken SIP port, a database that is not one and a prompts directory without prompts
    each end the server at start-up with exit code 1 and one clear line naming the key; no abort."""
    srv = Server(ctx)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", srv.web_port))
        taken.listen()
        _start_expect_failure(ctx, srv, "web port taken", f"127.0.0.1:{srv.web_port} (web.listen)")
    srv = Server(ctx)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", srv.sip_port))
        _start_expect_failure(ctx, srv, "SIP port taken", f"cannot listen for SIP on sip:127.0.0.1:{srv.sip_port}")
    srv = Server(ctx)
    with open(srv.db_path, "wb") as f:
        f.write(b"this is not an SQLite database, but a text file put where the database belongs\n" * 100)
    _start_expect_failure(ctx, srv, "database not a database", f"{srv.db_path} (store.sqlite)")
    srv = Server(ctx)
    empty = ctx.tempdir("no-prompts")
    os.makedirs(os.path.join(empty, "en"))
    srv.ctx = _PromptsOverride(ctx, empty)
    _start_expect_failure(ctx, srv, "prompts missing", "media.prompts_dir")


class _PromptsOverride:
    """The run context with another prompts directory (Server reads ctx.prompts when it writes its config)."""

    def __init__(self, ctx, prompts):
        self._ctx = ctx
        self.prompts = prompts

    def __getattr__(self, name):
        return getattr(self._ctx, name)


# --- SIGHUP ----------------------------------------------------------------------------------------------------

def _wait_log(srv, offset, text, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in srv.log_since(offset):
            return srv.log_since(offset)
        time.sleep(0.1)
    raise TestFailure(f"no {text!r} in the log within {timeout} s:\n{srv.log_since(offset)}")


@case("sighup-during-call-expect-kept")
def sighup_during_call_expect_kept(ctx):
    """SIGHUP while the Auto Attendant holds an answered call: the process stays, applies the new log level (at
    once), a new line and callback settings, names [sip] as needing a restart, and the call goes on until the
    caller's BYE gets 200; a second, unchanged SIGHUP applies nothing. Afterwards the new line's gateway is
    accepted (its ring-once gets 487, not 403)."""
    with Server(ctx, answer_delay_s=1, log_level="info") as srv:
        new_gateway = free_port_block(2)
        with RtpReceiver() as rtp:
            caller = Sipp(ctx, "caller", "answered-hold-expect-kept.xml", srv.gateway_port, remote=srv.sip_target,
                          rows=[[from_uri("+12015551005", srv.gateway_port), "X-Test: sighup"]],
                          keys={"rtp_port": rtp.port}, service=LINE_NUMBER, timeout_s=30).start()
            offset = _wait_log_offset(srv, "Offered -> Answered", 10)
            _rewrite_for_reload(srv, new_gateway)
            before = srv.log_size()
            srv.proc.send_signal(signal.SIGHUP)
            log = _wait_log(srv, before, "reload:", 5)
            check("applied: log_level debug (was info), [[line]], [callback]" in log,
                  f"reload did not apply the log level, the lines and the callback settings:\n{log}")
            check("changed but needing a restart: [sip]" in log, f"reload did not name [sip] as needing a restart:\n{log}")
            srv.proc.send_signal(signal.SIGHUP)  # a second one, same file: nothing more to apply, still no harm
            _wait_log(srv, before, "applied: nothing changed", 5)
            caller.expect_success(timeout=30)
            check(srv.alive(), "callbackd died on SIGHUP")
        after = srv.log_since(before)
        check(" debug " in after, "no debug line after the reload to log_level = debug")
        check(" debug " not in srv.log_text()[offset:before], "debug lines before the reload to log_level = debug")
        bye = caller.first("received", status=200)
        check(bye is not None, f"the caller's BYE got no 200\n  {caller.summary()}")
        ring_once(ctx, srv, "+12015551099", name="new-line", from_port=new_gateway)
        check("call on line fxo2 from" in srv.log_since(before), "the new line fxo2 did not take the call")
        ctx.log("SIGHUP twice during an answered call: call kept to the caller's BYE (200), log level, lines and "
                "callback settings applied; the new line takes calls")


def _rewrite_for_reload(srv, new_gateway):
    srv.log_level = "debug"
    srv.callback["ring_timeout_s"] = 20
    srv.extra_lines.append({"name": "fxo2", "gateway": f"127.0.0.1:{new_gateway}", "number": "+12015550101",
                            "channels": 1, "inbound": "auto-attendant", "answer_delay_s": 5})
    text = srv.config_text()
    text = text.replace("[sip]\n", '[sip]\nuser_agent = "callbackd-reloaded"\n', 1)
    with open(srv.config_path, "w") as f:
        f.write(text)


def _wait_log_offset(srv, text, timeout):
    """Waits for text in the log; returns the log size at that moment."""
    _wait_log(srv, 0, text, timeout)
    return srv.log_size()


# --- health, readiness, metrics --------------------------------------------------------------------------------

def _get(srv, path):
    req = urllib.request.Request(f"http://127.0.0.1:{srv.web_port}{path}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


@case("readyz-expect-503-while-db-locked")
def readyz_expect_503_while_db_locked(ctx):
    """/healthz and /readyz need no token; /readyz is 200, turns 503 naming the database while another process
    holds its write lock (/healthz stays 200), and is 200 again once the lock is released."""
    with Server(ctx) as srv:
        status, _, body = _get(srv, "/healthz")
        check(status == 200 and body.strip() == "ok", f"/healthz -> {status} {body!r}")
        status, _, body = _get(srv, "/readyz")
        check(status == 200, f"/readyz before the lock -> {status} {body!r}, expected 200")
        lock = WriteLock(srv.db_path)
        try:
            status, _, body = _get(srv, "/readyz")
            check(status == 503 and "database" in body and "locked" in body,
                  f"/readyz while locked -> {status} {body!r}, expected 503 naming the locked database")
            ctx.log(f"/readyz while locked: {status} {body.strip()!r}")
            status, _, _ = _get(srv, "/healthz")
            check(status == 200, f"/healthz while locked -> {status}, expected 200 (the process runs)")
        finally:
            lock.release()
        status, _, body = _get(srv, "/readyz")
        check(status == 200 and body.strip() == "ready", f"/readyz after the lock -> {status} {body!r}")


def _metric(text, name, labels=""):
    m = re.search(rf"^{re.escape(name + labels)} (\d+)$", text, re.M)
    check(m is not None, f"no sample {name}{labels} in /metrics:\n{text}")
    return int(m.group(1))


@case("metrics-expect-prometheus-text")
def metrics_expect_prometheus_text(ctx):
    """/metrics (no token) is Prometheus text: HELP and TYPE for every family; a trigger and a callback that
    ends busy count in callbackd_triggers_total and callbackd_callbacks_total{outcome="failed"}; a held call
    shows in callbackd_active_legs and the line's channels in use; failed web logins and a lockout count."""
    with Server(ctx, answer_delay_s=1) as srv:
        uas_port = free_port_block(2)
        srv.add_phone("+12015551006", f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
        uas = callee(ctx, "callee-busy", "callback-busy-expect-ack.xml", uas_port)
        ring_once(ctx, srv, "+12015551006")
        uas.expect_success()
        srv.wait_job(lambda j: j["state"] == "failed", 10, "failed (busy)")
        _web_logins(ctx, srv)
        with RtpReceiver() as rtp:
            caller = Sipp(ctx, "held", "answered-hold-expect-kept.xml", srv.gateway_port, remote=srv.sip_target,
                          rows=[[from_uri("+12015551007", srv.gateway_port), "X-Test: metrics"]],
                          keys={"rtp_port": rtp.port}, service=LINE_NUMBER, timeout_s=30).start()
            _wait_log(srv, 0, "Offered -> Answered", 10)
            status, ctype, text = _get(srv, "/metrics")
            caller.expect_success(timeout=30)
        check(status == 200 and ctype.startswith("text/plain; version=0.0.4"), f"/metrics -> {status} {ctype!r}")
        families = re.findall(r"^# TYPE (\S+) (counter|gauge)$", text, re.M)
        helps = set(re.findall(r"^# HELP (\S+) ", text, re.M))
        check({f for f, _ in families} == helps, f"HELP and TYPE lines differ:\n{text}")
        for line in text.splitlines():
            check(line.startswith("# ") or re.match(r"^[a-z_]+(\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\})? \d+$",
                                                    line), f"not a Prometheus sample line: {line!r}")
        check(_metric(text, "callbackd_triggers_total") == 1, "one trigger")
        check(_metric(text, "callbackd_callbacks_total", '{outcome="failed"}') == 1, "one failed callback")
        check(_metric(text, "callbackd_callbacks_total", '{outcome="answered"}') == 0, "no answered callback")
        check(_metric(text, "callbackd_callback_jobs_pending") == 0, "no pending job")
        check(_metric(text, "callbackd_active_legs") == 1, "one leg: the held call")
        check(_metric(text, "callbackd_line_channels_in_use", '{line="fxo1"}') == 1, "fxo1: one channel in use")
        check(_metric(text, "callbackd_line_channels", '{line="fxo1"}') == 4, "fxo1 has 4 channels")
        check(_metric(text, "callbackd_web_login_failures_total") == 5, "five failed web logins")
        check(_metric(text, "callbackd_web_lockouts_total") == 1, "one lockout")
        check(_metric(text, "callbackd_relayed_calls_total") == 0, "no relayed call")
        check(_metric(text, "callbackd_up") == 1, "the call-control loop answered")
        print("---- /metrics scrape during the held call:\n" + text + "---- end of scrape", flush=True)


# --- systemd: sd_notify, watchdog, journald priorities ---------------------------------------------------------

class NotifySocket:
    """A stand-in for systemd's $NOTIFY_SOCKET: a Unix datagram socket collecting what sd_notify sends."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.messages = []

    def wait_for(self, field, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(field in m.split("\n") for m in self.messages):
                return
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except socket.timeout:
                pass
        raise TestFailure(f"no {field} on $NOTIFY_SOCKET within {timeout} s; got {self.messages}")

    def close(self):
        self.sock.close()


@case("systemd-notify-expect-ready-watchdog-journal")
def systemd_notify_expect_ready_watchdog_journal(ctx):
    """As systemd starts it (NOTIFY_SOCKET, WATCHDOG_USEC, JOURNAL_STREAM naming its stderr): READY=1 once up,
    WATCHDOG=1 at least every half interval, RELOADING=1 then READY=1 on SIGHUP, STOPPING=1 on SIGTERM; every
    log line starts with its sd-daemon priority (<6> info, <4> warning) and no time (journald adds it)."""
    srv = Server(ctx, log_level="info")
    notify = NotifySocket(os.path.join(srv.dir, "notify.sock"))
    with open(srv.config_path, "w") as f:
        f.write(srv.config_text())
    log = open(srv.log_path, "wb")
    st = os.fstat(log.fileno())
    env = dict(os.environ, NOTIFY_SOCKET=notify.path, WATCHDOG_USEC="1000000",
               JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
    srv.proc = subprocess.Popen([ctx.callbackd, "--config", srv.config_path], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env)
    try:
        notify.wait_for("READY=1", 20)
        started = time.monotonic()
        time.sleep(2.2)
        notify.messages.clear()
        notify.wait_for("WATCHDOG=1", 1)
        check(time.monotonic() - started < 3.5, "watchdog pings are late")
        status, _ = srv.request("GET", "/api/v1/callbacks", token="wrong-token-0123456789")  # a warning line
        check(status == 401, f"wrong token -> {status}")
        notify.messages.clear()
        srv.proc.send_signal(signal.SIGHUP)
        notify.wait_for("RELOADING=1", 5)
        notify.wait_for("READY=1", 5)
        srv.proc.send_signal(signal.SIGTERM)
        notify.wait_for("STOPPING=1", 5)
        code = srv.proc.wait(timeout=15)
        check(code == 0, f"exit code {code} after SIGTERM")
    finally:
        if srv.proc.poll() is None:
            srv.proc.kill()
            srv.proc.wait()
        log.close()
        notify.close()
    lines = srv.log_text().splitlines()
    bad = [line for line in lines if not re.match(r"^<[2-7]>(debug|info|warning|error|critical) ", line)]
    check(not bad, f"log lines without a priority prefix: {bad[:5]}")
    check(any(line.startswith("<6>info callbackd ready") for line in lines), "no '<6>info callbackd ready' line")
    check(any(line.startswith("<4>warning security: api-unauthorized from=127.0.0.1 ") for line in lines),
          "the security event is not logged at priority 4")
    ctx.log(f"sd_notify READY, WATCHDOG, RELOADING, STOPPING seen; {len(lines)} log lines, all with priorities")


@case("edited-line-expect-callback-at-new-gateway")
def edited_line_expect_callback_at_new_gateway(ctx):
    """An admin moves line fxo1 to a new gateway port through the REST API, without a restart: a ring-once from
    the new gateway is taken on fxo1 and its callback INVITE goes to the new gateway, not the file's; after a
    restart the stored line is still the one in effect, and a SIGHUP of the unchanged file does not undo it."""
    with Server(ctx) as srv:
        new_port = free_port_block(2)
        line = {"name": "fxo1", "gateway": f"127.0.0.1:{new_port}", "number": LINE_NUMBER, "channels": 2,
                "inbound": "auto-attendant", "answer_delay_s": srv.answer_delay_s}
        status, reply = srv.request("PUT", "/api/v1/lines/fxo1", line)
        check(status == 200 and reply["gateway"] == line["gateway"], f"PUT line -> {status} {reply}")
        srv.add_phone("+12015552401", "", delay_s=1, callback_type="pstn")
        ring_once(ctx, srv, "+12015552401", name="trigger-new-gateway", from_port=new_port)
        uas = callee(ctx, "callee-new-gateway", "callback-answer-expect-ack.xml", new_port,
                     keys={"rtp_port": free_port_block(2)})
        uas.expect_success(allow_server_bye=True)
        invite = uas.first("received", method="INVITE")
        check(invite is not None and invite.request_uri.startswith(f"sip:+12015552401@127.0.0.1:{new_port}"),
              f"callback INVITE at the new gateway: {invite and invite.request_uri}\n  {uas.summary()}")
        srv.wait_job(lambda j: j["state"] == "answered", 5, "answered through the edited line")
        before = srv.log_size()
        srv.proc.send_signal(signal.SIGHUP)
        _wait_log(srv, before, "reload:", 5)
        status, lines = srv.request("GET", "/api/v1/lines")
        check(status == 200 and lines[0]["gateway"] == line["gateway"] and lines[0]["channels"] == 2,
              f"after SIGHUP the admin's line stays: {lines}")
        check(srv.stop() == 0, "callbackd did not stop cleanly")
        srv.start()
        status, lines = srv.request("GET", "/api/v1/lines")
        check(status == 200 and lines[0]["gateway"] == line["gateway"], f"after a restart the stored line: {lines}")
        ctx.log(f"line fxo1 moved to port {new_port} by PUT: the next callback INVITE arrived there; SIGHUP and a "
                "restart kept it")
