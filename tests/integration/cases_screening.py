"""Screening and the registrar as an attacker meets them: caller IDs that only look like a trusted number, and
digest passwords guessed by REGISTER from one address and from many."""

import re
import time

from cases_registrar import REALM, Phone
from registry import case
from server import LINE_NUMBER, Server, check, free_port_block
from sipp import Sipp
from flows import UdpWatch, from_uri, wait_bound

STRONG_PASSWORD = "correct horse battery 4711"


def _events(srv, event):
    """(from, fields) of each security event line of one kind in the server's log."""
    out = []
    for line in srv.log_text().splitlines():
        m = re.search(rf"security: {event} from=(\S+)(.*)$", line)
        if m:
            out.append((m.group(1), dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))))
    return out


@case("pstn-wildcard-caller-id-not-a-number-expect-no-callback")
def pstn_wildcard_not_a_number(ctx):
    """Two number entries: +1201555* "auto" without a destination (call the caller back) and +1201556* with the
    destination +12015550199. Ring-once calls from the line's gateway whose caller ID only starts like them
    (From sip:+1201555attacker@127.0.0.3:<port>, sip:+1201556attacker@127.0.0.3:<port>, +1201556ABC1234, 500
    digits, +1201556*, +1201556?234) make no job and send nothing to 127.0.0.3; a valid +12015550177 in the same
    burst is called back through the line: one INVITE at the gateway, Request-URI sip:+12015550177@<gateway>,
    never at the host a From names."""
    with Server(ctx) as srv:
        srv.add_phone("+1201555*", "", delay_s=1, callback_type="auto")
        srv.add_phone("+1201556*", "+12015550199", delay_s=1, callback_type="pstn")
        attacker_port = free_port_block(2)
        hostile = [f"sip:+1201555attacker@127.0.0.3:{attacker_port}",
                   f"sip:+1201556attacker@127.0.0.3:{attacker_port}",
                   from_uri("+1201556ABC1234", srv.gateway_port),
                   from_uri("+1201556" + "5" * 492, srv.gateway_port),
                   from_uri("+1201556*", srv.gateway_port),
                   from_uri("+1201556?234", srv.gateway_port)]
        rows = [[uri, "X-Test: trigger"] for uri in hostile + [from_uri("+12015550177", srv.gateway_port)]]
        with UdpWatch([("127.0.0.3", attacker_port)]) as watch:
            triggers = Sipp(ctx, "triggers", "ring-once-expect-487.xml", srv.gateway_port, remote=srv.sip_target,
                            rows=rows, service=LINE_NUMBER, calls=len(rows), timeout_s=20)
            triggers.run(timeout=30)
            triggers.expect_success()
            # The valid trigger came last (sipp places them in order): once its job is there, any job the hostile
            # ones made would be too.
            srv.wait_job(lambda j: j["caller"] == "+12015550177", 10, "the valid trigger's job")
            jobs = srv.callbacks()
            check([j["caller"] for j in jobs] == ["+12015550177"], f"only the valid number may make a job: {jobs}")
            uas = Sipp(ctx, "callee-gateway", "callback-answer-expect-ack.xml", srv.gateway_port,
                       keys={"rtp_port": free_port_block(2)}, calls=1, timeout_s=20).start()
            wait_bound(srv.gateway_port)
            uas.expect_success(allow_server_bye=True)
        uris = [i.request_uri.split(";")[0] for i in uas.messages_of("received", "INVITE")]
        check(uris == [f"sip:+12015550177@{srv.gateway}"], f"callback INVITEs at the gateway: {uris}")
        check(not watch.seen, f"something reached the host a caller's From named: {watch.seen}")
        ctx.log(f"{len(hostile)} hostile caller IDs: no job, nothing at 127.0.0.3; {uris[0]} through the line")


def _extension(srv, number, password):
    status, body = srv.request("POST", "/api/v1/extensions", {"number": number, "name": "Desk", "password": password})
    check(status == 201, f"POST /api/v1/extensions {number} -> {status} {body}")


def _guess(phone, password):
    status, _, headers = phone.register()
    check(status == 401, f"REGISTER without credentials from {phone.host} -> {status}")
    return phone.register(auth=phone.credentials(headers, password))[0]


@case("register-guessing-expect-source-throttled-then-extension-locked")
def register_guessing(ctx):
    """Digest guessing by REGISTER. A 4-digit SIP password (guessed in 1.4 s before) and a PIN of 4 are refused
    with 400 on their fields. From 127.0.0.2, 3 wrong passwords (auth_source_failures = 3) and then the
    right one gets 401 (its credentials go unchecked) with a sip-auth-throttled event, while the desk phone on
    127.0.0.1 registers. 3 more wrong guesses from 127.0.0.3 make 6 for 201 (auth_lockout_failures = 6):
    sip-digest-lockout, and the right password from 127.0.0.5 gets 401, while the desk phone, registered from
    127.0.0.1, still refreshes. After auth_lockout_s (4 s) the right password from 127.0.0.5 registers."""
    sip = {"realm": REALM, "min_expires_s": 2, "auth_source_failures": 3, "auth_lockout_failures": 6,
           "auth_lockout_s": 4}
    with Server(ctx, sip_options=sip) as srv:
        for weak in ({"password": "4711"}, {"password": "correct horse b"}, {"pin": "4711"},
                     {"password": STRONG_PASSWORD, "pin": "123456"}):
            status, body = srv.request("POST", "/api/v1/extensions", {"number": "201", **weak})
            field = "pin" if "pin" in weak else "password"
            check(status == 400 and body.get("field") == field, f"POST {weak} -> {status} {body}, expected 400 {field}")
        _extension(srv, "201", STRONG_PASSWORD)
        desk = Phone(srv, "201")
        a, b, c = (Phone(srv, "201", host=f"127.0.0.{i}") for i in (2, 3, 5))
        for i in range(3):
            check(_guess(a, f"guess {i}") == 401, "a wrong password was accepted")
        check(_guess(a, STRONG_PASSWORD) == 401, "the right password from a throttled source must go unchecked")
        throttled = _events(srv, "sip-auth-throttled")
        check([f for f, _ in throttled] == ["127.0.0.2"], f"sip-auth-throttled events: {throttled}")
        check(_guess(desk, STRONG_PASSWORD) == 200, "the desk phone on another address must register")
        ctx.log("127.0.0.2 throttled after 3 guesses; the desk phone registered from 127.0.0.1")

        for i in range(3):
            check(_guess(b, f"more guesses {i}") == 401, "a wrong password was accepted")
        locks = _events(srv, "sip-digest-lockout")
        check(len(locks) == 1 and locks[0][0] == "127.0.0.3" and locks[0][1].get("user") == "201",
              f"sip-digest-lockout events: {locks}")
        locked_at = time.monotonic()
        check(_guess(c, STRONG_PASSWORD) == 401, "the right password must not register a locked extension")
        check(_guess(desk, STRONG_PASSWORD) == 200, "the registered desk phone must go on refreshing")
        ctx.log("201 locked after 6 guesses from two addresses; the desk phone still refreshes")

        time.sleep(max(0.0, locked_at + 4.2 - time.monotonic()))
        check(_guess(c, STRONG_PASSWORD) == 200, "the lockout must end after auth_lockout_s")
        digest_failed = _events(srv, "sip-digest-failed")
        check(len(digest_failed) == 6, f"each guess is one sip-digest-failed event: {len(digest_failed)}")
        check(STRONG_PASSWORD not in srv.log_text(), "the password is in the log")
        ctx.log("after 4 s the right password registers from 127.0.0.5")
