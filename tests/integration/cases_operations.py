"""Operations (issue 11): what an admin's tools see in the log; security events through a real fail2ban filter."""

import os
import re
import shutil
import subprocess

from flows import from_uri, ring_once
from registry import case
from server import LINE_NUMBER, Server, check, free_port_block
from sipp import Sipp

HERE = os.path.dirname(os.path.abspath(__file__))
FILTER = os.path.join(HERE, "..", "..", "contrib", "fail2ban", "filter.d", "callbackd.conf")

# A caller number from a line's gateway that, unescaped, would write a whole forged security event for 6.6.6.6
# on a line of its own (CR LF, the server's timestamp and level); %3A is ':', which a SIP user part cannot hold.
FORGED_TEXT = ('2026-12-02 00%3A00%3A00.000 warning security%3A sip-forbidden from=6.6.6.6 port=%225060%22 '
               'from_uri=%22sip%3Ax%40y%22')
FORGED_USER = "+15551234%0D%0A" + FORGED_TEXT.replace(" ", "%20")
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
    check(any("+15551234\\x0d\\x0a2026" in line for line in carriers),
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
                  rows=[[from_uri("+15559999", rogue_port), "X-Test: stranger"]],
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
    """A real log with every security event (sip-forbidden from a stranger, api-unauthorized for a wrong token,
    web-login-failed, web-login-throttled) and a forged caller number: fail2ban-regex with the shipped filter
    matches each event once, from 127.0.0.1, and nothing for the forged 6.6.6.6."""
    with Server(ctx, log_level="info") as srv:
        _stranger_invite(ctx, srv)
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
    check(kinds == ["api-unauthorized", "sip-forbidden", "web-login-failed", "web-login-throttled"],
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
