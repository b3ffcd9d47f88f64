"""Toll fraud by phone, over loopback with RFC 4733 digits: dial strings the outgoing policy must refuse in Call
Relay, and the phone login's lockout (engaging after the configured failures, covering the extension from
another caller ID, and expiring)."""

import re
import threading
import time
import urllib.parse

from cases_relay import DIALLED, DIALLED_E164, _relay_caller
from flows import UdpWatch, callee, received_invite, ring_once, wait_bound
from media import RtpPeer
from registry import case
from server import Server, check, free_port_block
from sipp import Sipp

PAUSE = [0] * 8000  # 1 s of silence after each entry: the refusal is posted at once and a key barges in
# After a refused relay number the keys are discarded until the refusal prompt (number-refused, 2.1 s) has
# played, so the next number is keyed 3 s after the '#': keyed earlier, its first digits would be lost.
REFUSED_PAUSE = [0] * 8000 * 3

# What a fraudster keys at the relay prompt of a US line, and the class the policy must refuse it as.
# The case's line has strip_prefixes = ["9"] (an outside-line prefix), so that 9011... is read as 011... and
# refused as international; without it 9011... is not a number at all ("invalid").
FRAUD_DIALS = [
    ("19005550199", "premium-rate"),         # NANP 900: premium rate
    ("011442079460000", "international"),   # 011: the NANP international prefix
    # 00, the ITU international prefix, is no access prefix on a US line: the policy fails closed and refuses
    # 00442079460000 as a number it cannot read ("invalid"); it was "international" before it failed closed.
    ("00442079460000", "invalid"),
    ("9011442079460000", "international"),  # 9 for an outside line, then 011
    ("18765550123", "international"),       # +1 876 is Jamaica: a +1 area code outside the US plan
]


def _security_events(srv, event):
    """The security event lines of one kind in the server's log (docs/operations.md: the contract's format,
    which fail2ban reads), each as a dict of its key="value" fields."""
    lines = [ln for ln in srv.log_text().splitlines() if f"security: {event} " in ln]
    return [dict(re.findall(r'(\w+)="([^"]*)"', ln)) for ln in lines]


def _entry_id(srv, caller_number):
    """The id of the Authorized Phones entry for caller_number, as the security events name it."""
    status, rows = srv.request("GET", "/api/v1/authorized-phones?q=" + urllib.parse.quote(caller_number))
    check(status == 200 and len(rows) == 1, f"GET /api/v1/authorized-phones?q={caller_number} -> {status} {rows}")
    return str(rows[0]["id"])


@case("relay-fraud-dial-strings-expect-refused-no-invite", lock="media")
def relay_fraud_dial_strings(ctx):
    """A logged-in caller at the relay prompt keys a premium number, 011, 00 and 9011 international numbers and a
    +1 area code outside the line's country plan, each ended by #: none of them leaves the server (the line's
    gateway receives exactly one INVITE, for the allowed number keyed last, which proves the caller was back at
    the relay prompt after each refusal), and each refusal is a destination-refused security event naming the
    number, the class it was refused as and the called-back phone that dialled it."""
    script = []
    for digits, _ in FRAUD_DIALS:
        script += [("dtmf", digits + "#"), ("audio", REFUSED_PAUSE)]
    script += [("dtmf", DIALLED + "#")]
    with Server(ctx, line_options={"strip_prefixes": ["9"]}) as srv:
        caller, caller_peer = _relay_caller(ctx, srv, "+12015551060", script)
        entry = _entry_id(srv, "+12015551060")
        try:
            ring_once(ctx, srv, "+12015551060", name="trigger")
            far = Sipp(ctx, "relay-far", "relay-far-answer-pcma-expect-bye.xml", srv.gateway_port,
                       keys={"rtp_port": free_port_block(2)}, timeout_s=90).start()
            wait_bound(srv.gateway_port)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and far.first("sent", status=200) is None:
                time.sleep(0.2)
        finally:
            srv.stop_expect_clean()
            caller_peer.close()
        caller.expect_success(allow_server_bye=True)
        far.expect_success(allow_server_bye=True)
    invites = far.messages_of("received", "INVITE")
    check(len(invites) == 1 and invites[0].request_uri.split(";")[0] == f"sip:{DIALLED_E164}@{srv.gateway}",
          f"the gateway must get one INVITE, for {DIALLED_E164}: got {[i.request_uri for i in invites]}")
    refused = [e for e in _security_events(srv, "destination-refused") if e.get("purpose") == "relay"]
    got = [(e.get("destination"), e.get("reason")) for e in refused]
    ctx.log(f"refused relay destinations: {got}")
    check(got == FRAUD_DIALS, f"each fraud dial string must be refused with its class, in order: {got}")
    # A called-back caller is named by the address its callback reached (pbx/call.hpp: caller_number).
    check(all(e.get("for", "").startswith("sip:mobile@127.0.0.1:") for e in refused),
          f"each event names the caller it refused: {refused}")
    check(all(e.get("entry") == entry for e in refused),
          f"each event names +12015551060's entry {entry}: {refused}")


def _login_call(ctx, srv, ports, caller_number, script, gateway_hook=None):
    """One callback to caller_number, whose entry has no login extension (it must log in by phone), answered by a
    sipp UAS whose RTP peer presses *8 and plays `script`; gateway_hook runs once the trigger is over (the
    gateway's port is free again). The entry is made on the first call (ports: caller number -> callee port).
    Returns the caller's sipp once the server has hung up on it."""
    if caller_number not in ports:
        ports[caller_number] = free_port_block(2)
        srv.add_phone(caller_number, f"sip:mobile@127.0.0.1:{ports[caller_number]}", delay_s=1)
    peer = RtpPeer([("dtmf", "*8"), ("audio", PAUSE)] + script, lead_ms=1000)
    try:
        caller = callee(ctx, f"caller-{caller_number[-4:]}", "relay-caller-rtp-peer-expect-bye.xml",
                        ports[caller_number], keys={"rtp_port": peer.port}, timeout_s=90)
        ring_once(ctx, srv, caller_number, name=f"trigger-{caller_number[-4:]}")
        if gateway_hook is not None:
            gateway_hook()
        caller.expect_success(timeout=90, allow_server_bye=True)
    finally:
        peer.close()
    check(caller.first("received", method="BYE") is not None,
          f"the server must hang up on {caller_number}\n  {caller.summary()}")
    return caller


@case("phone-login-lockout-expect-locked-then-expires")
def phone_login_lockout(ctx):
    """Five wrong passwords for extension 201 from +12015551061: the server says goodbye and hangs up, logging
    five phone-login-failed events and one phone-lockout. While the lockout lasts (lockout_s = 30 here) the right
    password gets nowhere: +12015551061 is hung up at once, and +12015551062 (another caller ID, same extension)
    logs in with it and dials, and no INVITE reaches the line. After the lockout +12015551061 logs in with the
    right password and its relayed call reaches the line."""
    password = "4096271835"  # long enough that no timestamp or port in the log holds it by chance
    lock_s = 30
    right = [("dtmf", "201#"), ("audio", PAUSE), ("dtmf", password + "#"), ("audio", PAUSE),
             ("dtmf", DIALLED + "#")]
    wrong = []
    for guess in ("11111", "22222", "33333", "44444", "55555"):
        wrong += [("dtmf", "201#"), ("audio", PAUSE), ("dtmf", guess + "#"), ("audio", PAUSE)]
    ports = {}
    with Server(ctx, callback={"min_interval_s": 0},
                attendant_options={"lockout_failures": 5, "lockout_s": lock_s}) as srv:
        status, body = srv.request("POST", "/api/v1/extensions",
                                   {"number": "201", "name": "Desk", "pin": password,
                                    "allow_call_relay": True})
        check(status == 201, f"POST /api/v1/extensions -> {status} {body}")
        first = _login_call(ctx, srv, ports, "+12015551061", wrong)
        locked_at = first.first("received", method="BYE").when
        failed = _security_events(srv, "phone-login-failed")
        lockouts = _security_events(srv, "phone-lockout")
        check(len(failed) == 5 and all(e.get("extension") == "201" for e in failed),
              f"five phone-login-failed events for 201, got {failed}")
        # A called-back caller is counted by the address its callback reached (pbx/call.hpp: caller_number).
        check(len(lockouts) == 1 and lockouts[0].get("caller") == f"sip:mobile@127.0.0.1:{ports['+12015551061']}",
              f"one phone-lockout, of +12015551061's phone: {lockouts}")
        entry = _entry_id(srv, "+12015551061")
        check(lockouts[0].get("entry") == entry and all(e.get("entry") == entry for e in failed),
              f"the events name +12015551061's entry {entry}: {lockouts} {failed}")

        # The gateway's port is watched while each locked-out call goes on (not during the triggers, which
        # the gateway sends from that port).
        watches = []

        def watch_gateway():
            watches.append(UdpWatch([srv.gateway_port]))

        def stop_watching():
            for w in watches:
                w.close()

        try:
            again = _login_call(ctx, srv, ports, "+12015551061", right, watch_gateway)
            stop_watching()
            held = (again.first("received", method="BYE").when - again.first("sent", status=200).when)
            check(held.total_seconds() < 8,
                  f"a locked-out caller is let go at once: hung up {held.total_seconds():.1f} s after answering")
            _login_call(ctx, srv, ports, "+12015551062", right, watch_gateway)
            time.sleep(1)
        finally:
            stop_watching()
        invites = [d for w in watches for _, _, d in w.seen if d.startswith("INVITE ")]
        check(len(watches) == 2 and not invites, f"no INVITE may reach the line during the lockout: {invites}")
        check(password not in srv.log_text(), "a password typed by phone must never reach the log")

        remaining = lock_s + 1 - (time.time() - locked_at.timestamp())
        ctx.log(f"waiting {remaining:.1f} s for the lockout to expire")
        time.sleep(max(0.0, remaining))
        far = []

        def start_far():
            far.append(Sipp(ctx, "relay-far", "relay-far-answer-pcma-expect-bye.xml", srv.gateway_port,
                            keys={"rtp_port": free_port_block(2)}, timeout_s=60).start())
            wait_bound(srv.gateway_port)

        errors = []

        def last_call():
            try:
                _login_call(ctx, srv, ports, "+12015551061", right, start_far)
            except Exception as e:  # noqa: BLE001  (re-raised below, in the case's thread)
                errors.append(e)

        watcher = threading.Thread(target=last_call)
        watcher.start()
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not (far and far[0].first("sent", status=200)):
            time.sleep(0.2)
        srv.stop_expect_clean()
        watcher.join(timeout=30)
        if errors:
            raise errors[0]
        check(far, "the trigger after the lockout never ran")
        far[0].expect_success(allow_server_bye=True)
    invite = received_invite(far[0])
    check(invite.request_uri.split(";")[0] == f"sip:{DIALLED_E164}@{srv.gateway}",
          f"after the lockout the relayed call must reach the line: {invite.request_uri}")
