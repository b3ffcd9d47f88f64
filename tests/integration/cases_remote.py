"""Remote Call Back Configuration by phone (*6, *5), end to end: a called-back trusted caller logs in with RFC 4733
digits, types and confirms its numbers; what the database, the audit log and the line's gateway then see, and how
long after the hang-up the callback INVITE arrives (measured, printed: the seed promises 45 s)."""

import time

from cases_callback import _tone_wav
from cases_fraud import _security_events
from flows import UdpWatch, callee, from_uri, received_invite, ring_once, wait_bound
from media import RtpPeer, tone_packets
from registry import case
from server import LINE_NUMBER, Server, check, free_port_block
from sipp import Sipp

PASSWORD = "904172"   # the keypad PIN: 6 to 12 digits
SIP_PASSWORD = "4096271835501776"  # the phone's digest password: digits here, so that a caller can key it
PAUSE = [0] * 8000    # 1 s of silence between the steps: the login's check, the read-backs


def _keys(*groups):
    """The caller's audio: each group of keys as RFC 4733 events, a second of silence after each."""
    script = []
    for keys in groups:
        script += [("dtmf", keys), ("audio", PAUSE)]
    return script


def _setup(srv, caller_number, caller_port, **entry):
    """Extension 201 (made by the first caller of a case) and caller_number's entry, logging in as 201."""
    if srv.request("GET", "/api/v1/extensions/201")[0] == 404:
        status, body = srv.request("POST", "/api/v1/extensions",
                                   {"number": "201", "name": "Desk", "pin": PASSWORD, "password": SIP_PASSWORD})
        check(status == 201, f"POST /api/v1/extensions -> {status} {body}")
    return srv.add_phone(caller_number, f"sip:mobile@127.0.0.1:{caller_port}", delay_s=1, login_extension="201",
                         **entry)


def _called_back(ctx, srv, caller_number, keys, after_trigger=None, **entry):
    """A trusted caller rings once, is called back on a sipp UAS whose RTP peer presses `keys`, and hears the
    server's BYE at the end; after_trigger runs once the trigger is over. Returns (entry, caller sipp) once the
    caller's call is over."""
    caller_port = free_port_block(2)
    phone = _setup(srv, caller_number, caller_port, **entry)
    peer = RtpPeer(keys, lead_ms=1500)
    try:
        caller = callee(ctx, "remote-caller", "relay-caller-rtp-peer-expect-bye.xml", caller_port,
                        keys={"rtp_port": peer.port}, timeout_s=60)
        ring_once(ctx, srv, caller_number, name="trigger")
        if after_trigger is not None:
            after_trigger()
        caller.expect_success(timeout=90, allow_server_bye=True)
    finally:
        peer.close()
    return phone, caller


def _measured_callback(ctx, srv, caller, number, what):
    """The callback to `number` reaches the line's gateway within 45 s of the caller's hang-up: measured."""
    gateway = Sipp(ctx, "remote-callback", "callback-busy-expect-ack.xml", srv.gateway_port, timeout_s=60).start()
    wait_bound(srv.gateway_port)
    gateway.expect_success(timeout=60)
    invite = received_invite(gateway)
    check(invite.request_uri.startswith(f"sip:{number}@"), f"callback request-URI {invite.request_uri}")
    bye = caller.first("received", method="BYE")
    check(bye is not None, f"the caller was not hung up\n  {caller.summary()}")
    elapsed = (invite.when - bye.when).total_seconds()
    ctx.log(f"MEASURED {what}: callback INVITE {elapsed:.3f} s after the caller was hung up")
    print(f"MEASURED {what}: hang-up to callback INVITE {elapsed:.3f} s", flush=True)
    check(0 < elapsed <= 45, f"{what}: callback INVITE {elapsed:.3f} s after the hang-up, promised within 45 s")
    return elapsed


def _audit(srv):
    status, body = srv.request("GET", "/api/v1/audit?entity=authorized-phone")
    check(status == 200, f"GET /api/v1/audit -> {status} {body}")
    return [row for row in body if row["actor"].startswith("phone:")]


@case("remote-star6-change-expect-row-audit-callback-within-45s")
def remote_star6_change(ctx):
    """*6, 2, '#' (this phone's entry), a new destination, 1: the entry's destination is changed in the database,
    an audit row names the extension, the caller ID, old and new value, and the gateway gets the callback to the
    new destination within 45 s of the hang-up."""
    with Server(ctx) as srv:
        phone, caller = _called_back(ctx, srv, "+12015551030",
                                     _keys("*6", f"201#{PASSWORD}#", "2", "#", "2015553003#", "1"))
        # Keyed 2015553003: stored and called back as the number it is, in E.164.
        _measured_callback(ctx, srv, caller, "+12015553003", "*6 change")
        status, row = srv.request("GET", f"/api/v1/authorized-phones/{phone['id']}")
        check(status == 200 and row["callback_destination"] == "+12015553003" and row["callback_type"] == "pstn",
              f"the entry after *6: {status} {row}")
        rows = _audit(srv)
        check(len(rows) == 1, f"one audit row of the change by phone, got {rows}")
        audit = rows[0]
        check(audit["actor"] == "phone:201" and audit["source"] == "+12015551030" and audit["action"] == "replace",
              f"audit row {audit}")
        check(audit["old"]["callback_destination"].startswith("sip:mobile@")
              and audit["new"]["callback_destination"] == "+12015553003", f"audit old/new {audit}")
        job = srv.wait_job(lambda j: j["destination"] == "+12015553003", 5, "to +12015553003")
        check(job["one_time"] is False, f"a *6 job is not one-time: {job}")


@case("remote-star6-add-expect-new-entry-no-callback")
def remote_star6_add(ctx):
    """*6, 1, a new trusted caller's number, its destination: the entry is in the database with call back enabled
    and the extension as its login, the audit row says create; the calling phone is not that caller, so no
    callback is placed."""
    with Server(ctx) as srv:
        _called_back(ctx, srv, "+12015551031",
                     _keys("*6", f"201#{PASSWORD}#", "1", "12015552002#", "1", "2015553005#", "1"))
        time.sleep(1)
        status, phones = srv.request("GET", "/api/v1/authorized-phones")
        items = phones["items"] if isinstance(phones, dict) else phones
        added = [p for p in items if p["caller_address"] == "12015552002"]
        check(len(added) == 1, f"the new entry after *6 1: {items}")
        check(added[0]["callback_enabled"] and added[0]["login_extension"] == "201"
              and added[0]["callback_destination"] == "+12015553005", f"new entry {added[0]}")
        rows = _audit(srv)
        check(len(rows) == 1 and rows[0]["action"] == "create" and rows[0]["old"] is None, f"audit {rows}")
        check(not [j for j in srv.callbacks() if j["destination"] in ("2015553005", "+12015553005")],
              f"no callback for another phone's entry: {srv.callbacks()}")


@case("remote-star5-expect-one-time-job-no-entry-callback-within-45s")
def remote_star5_one_time(ctx):
    """*5, a destination, 1: nothing changes in the Authorized Phones Database (no audit row either), the job is
    marked one_time, and the gateway gets the callback within 45 s of the hang-up."""
    with Server(ctx) as srv:
        phone, caller = _called_back(ctx, srv, "+12015551032", _keys("*5", f"201#{PASSWORD}#", "2015553004#", "1"))
        _measured_callback(ctx, srv, caller, "+12015553004", "*5 one-time")  # keyed 2015553004, sent in E.164
        status, row = srv.request("GET", f"/api/v1/authorized-phones/{phone['id']}")
        check(status == 200 and row == phone, f"*5 must not change the entry: {row} (was {phone})")
        check(not _audit(srv), f"*5 writes no audit row: {_audit(srv)}")
        job = srv.wait_job(lambda j: j["destination"] == "+12015553004", 5, "to +12015553004")
        check(job["one_time"] is True, f"the *5 job is one-time: {job}")


@case("remote-star5-every-line-busy-expect-callback-when-free")
def remote_star5_line_busy(ctx):
    """*5 while the only channel of the only line carries another call (answered by the attendant after 30 s of
    ringing, then hung up 3 s later): the callback asked for by phone waits for the channel instead of failing,
    and its INVITE reaches the gateway after that call's BYE, still within 45 s of the caller's hang-up."""
    with Server(ctx, answer_delay_s=30, channels=1) as srv:
        holders = []

        def take_the_line():
            # Another caller takes the line's channel over TCP (matched to the line by address, so the
            # gateway's UDP port stays free for the callback).
            holders.append(Sipp(ctx, "line-holder", "no-cancel-expect-answer.xml", free_port_block(2),
                                remote=srv.sip_target,
                                rows=[[from_uri("+12015559001", srv.gateway_port), "X-Test: holder"]],
                                service=LINE_NUMBER, keys={"rtp_port": free_port_block(2)}, timeout_s=60,
                                extra=("-t", "t1")).start())

        _, caller = _called_back(ctx, srv, "+12015551034", _keys("*5", f"201#{PASSWORD}#", "2015553009#", "1"),
                                 after_trigger=take_the_line)
        holder = holders[0]
        elapsed = _measured_callback(ctx, srv, caller, "+12015553009", "*5 with every line busy")
        holder.expect_success(allow_server_bye=True)
        freed = holder.first("sent", method="BYE")
        hung_up = caller.first("received", method="BYE")
        check(freed is not None and (freed.when - hung_up.when).total_seconds() > 4,
              f"the line must still be busy when the callback falls due (3 s after the hang-up): the holder hung "
              f"up at {freed and freed.when}, the caller at {hung_up.when}\n  {holder.summary()}")
        check(elapsed > (freed.when - hung_up.when).total_seconds(),
              f"the callback INVITE came {elapsed:.1f} s after the hang-up, before the line was free")
        job = srv.wait_job(lambda j: j["destination"] == "+12015553009", 5, "to +12015553009")
        check(job["one_time"] is True, f"the *5 job is one-time: {job}")


@case("remote-refused-destination-and-wrong-password-expect-nothing-written")
def remote_refused(ctx):
    """The extension's SIP password keyed as the login first: it is no PIN, so the login fails (a
    phone-login-failed event) and is asked again; then the PIN and a premium destination: the policy refuses it,
    nothing is written (entry, audit, job) and no callback INVITE reaches the gateway."""
    with Server(ctx) as srv:
        phone, _ = _called_back(ctx, srv, "+12015551033",
                                _keys("*6", f"201#{SIP_PASSWORD}#", f"201#{PASSWORD}#", "2", "#", "19005550199#", "1"))
        failed = [ln for ln in srv.log_text().splitlines() if "security: phone-login-failed " in ln]
        check(len(failed) == 1 and 'extension="201"' in failed[0],
              f"the SIP password keyed at the login must fail it, once: {failed}")
        check(SIP_PASSWORD not in srv.log_text(), "a keyed secret reached the log")
        # The gateway's port is free again once the trigger is over; a callback would come 3 s after the hang-up.
        with UdpWatch([srv.gateway_port]) as watch:
            time.sleep(6)
        invites = [text for _, _, text in watch.seen if text.startswith("INVITE ")]
        check(not invites, f"no callback INVITE may reach the gateway: {invites}")
        status, row = srv.request("GET", f"/api/v1/authorized-phones/{phone['id']}")
        check(status == 200 and row == phone, f"a refused destination must not change the entry: {row}")
        check(not _audit(srv), f"no audit row: {_audit(srv)}")
        jobs = [j for j in srv.callbacks() if j["destination"] != phone["callback_destination"]]
        check(not jobs, f"no job for the refused destination: {jobs}")


@case("remote-star6-lockout-expect-extension-locked-from-another-caller")
def remote_star6_lockout(ctx):
    """Three wrong passwords after *6 (lockout_failures = 3 here) lock extension 201 out: the caller hears
    goodbye and is hung up, and a phone-lockout event names its entry. Then another trusted caller, whose
    entry also logs in as 201, keys *6 with the right password and a new destination: the extension is still
    locked, so nothing is written (entry, audit, job) and no callback INVITE reaches the gateway."""
    with Server(ctx, callback={"min_interval_s": 0},
                attendant_options={"lockout_failures": 3, "lockout_s": 120}) as srv:
        guesser, _ = _called_back(ctx, srv, "+12015551035", _keys("*6", "201#11111#", "201#22222#", "201#33333#"))
        lockouts = _security_events(srv, "phone-lockout")
        check(len(lockouts) == 1 and lockouts[0].get("extension") == "201"
              and lockouts[0].get("entry") == str(guesser["id"]),
              f"one phone-lockout of extension 201 naming entry {guesser['id']}: {lockouts}")
        phone, _ = _called_back(ctx, srv, "+12015551036",
                                _keys("*6", f"201#{PASSWORD}#", "2", "#", "2015553010#", "1"))
        with UdpWatch([srv.gateway_port]) as watch:
            time.sleep(6)  # a callback would come 3 s after the hang-up
        invites = [text for _, _, text in watch.seen if text.startswith("INVITE ")]
        check(not invites, f"no callback INVITE may reach the gateway: {invites}")
        status, row = srv.request("GET", f"/api/v1/authorized-phones/{phone['id']}")
        check(status == 200 and row == phone, f"a locked-out login must not change the entry: {row}")
        check(not _audit(srv), f"no audit row: {_audit(srv)}")
        check(not [j for j in srv.callbacks() if j["destination"] in ("2015553010", "+12015553010")],
              f"no job: {srv.callbacks()}")


# The tone uploaded as the "remote-unavailable" prompt, so the case can tell it apart: well above the voice prompts'
# energy (at 1 kHz the login prompt's speech alone counted 32 packets) and every DTMF frequency.
UNAVAILABLE_HZ = 2700


def _unavailable_after_star6(ctx, srv, caller_number):
    """A call from the line with caller_number that the attendant answers: the caller presses *6. Returns how
    many packets of the remote-unavailable tone it heard after that."""
    peer = RtpPeer([("mark", "six"), ("dtmf", "*6"), ("audio", [0] * 8000 * 3)], lead_ms=500)
    try:
        caller = Sipp(ctx, "caller", "attendant-caller-keys-expect-answer.xml", srv.gateway_port,
                      remote=srv.sip_target, rows=[[from_uri(caller_number, srv.gateway_port), "X-Test: remote"]],
                      keys={"rtp_port": peer.port}, service=LINE_NUMBER, timeout_s=30)
        caller.run(timeout=40)
        caller.expect_success(allow_server_bye=True)
        time.sleep(0.2)
        heard = peer.snapshot()
    finally:
        peer.close()
    check("six" in peer.marks, f"the peer never pressed *6: {peer.marks}")
    return len(tone_packets([p for p in heard if p.wall > peer.marks["six"]], UNAVAILABLE_HZ))


@case("remote-auto-call-relay-entry-expect-unavailable")
def remote_auto_call_relay_entry(ctx):
    """Calls the attendant answers on the line: *6 is offered by the caller ID's entry (no unavailable prompt, the
    login comes next) when that entry has auto_call_relay off, and an entry with auto_call_relay hears that the
    service is unavailable (the seed's note)."""
    with Server(ctx, answer_delay_s=1) as srv:
        status, reply, _ = srv.request_full("PUT", "/api/v1/prompts/en/remote-unavailable",
                                            raw_body=_tone_wav(hz=UNAVAILABLE_HZ, ms=1000),
                                            content_type="audio/wav")
        check(status == 200 and reply["custom"], f"upload of remote-unavailable -> {status} {reply}")
        _setup(srv, "+12015551040", free_port_block(2))
        srv.add_phone("+12015551041", "+12015551041", login_extension="201", auto_call_relay=True)
        offered = _unavailable_after_star6(ctx, srv, "+12015551040")
        relay = _unavailable_after_star6(ctx, srv, "+12015551041")
        ctx.log(f"unavailable tone packets after *6: {offered} (auto_call_relay off), {relay} (on)")
        check(offered < 10, f"an entry without auto_call_relay is offered *6: {offered} unavailable tone packets")
        check(relay >= 35, f"an auto_call_relay entry must hear remote-unavailable (1 s): {relay} tone packets")
