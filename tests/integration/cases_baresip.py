"""A real softphone: baresip 1.0.0 registers as an extension with digest and is called through Call Relay."""

import time

from baresip import Baresip
from flows import callee, ring_once
from media import RtpPeer, dtmf_samples, rfc4733_events, tone_frames, tone_packets, tone_samples
from registry import case
from server import Server, TestFailure, check, free_port_block

PASSWORD = "desk-phone-4711-secret"
CALLER_HZ = 600    # the called-back caller's tone
PHONE_HZ = 1000    # baresip's microphone (ausine): neither is a DTMF frequency
REGISTER_TIMEOUT_S = 10


def _add_extension(srv, number, password=PASSWORD, allow_call_relay=False):
    status, body = srv.request("POST", "/api/v1/extensions", {"number": number, "name": "Softphone",
                                                              "password": password,
                                                              "allow_call_relay": allow_call_relay})
    check(status == 201, f"POST /api/v1/extensions {number} -> {status} {body}")


def _extension(srv, number):
    status, body = srv.request("GET", f"/api/v1/extensions/{number}")
    check(status == 200, f"GET /api/v1/extensions/{number} -> {status} {body}")
    return body


def _wait_registered(srv, number, registered, timeout):
    """The extension as the API shows it once `registered` is what it says (polling), else a failure."""
    deadline = time.monotonic() + timeout
    ext = _extension(srv, number)
    while ext["registered"] != registered and time.monotonic() < deadline:
        time.sleep(0.1)
        ext = _extension(srv, number)
    check(ext["registered"] == registered, f"extension {number}: registered should be {registered}: {ext}")
    return ext


@case("baresip-register-right-password-expect-bound", lock="media")
def baresip_register_right_password(ctx):
    """baresip registers extension 202 with its password: it reports REGISTER_OK (200), the API lists the
    binding with baresip's own address and port; on quit baresip unregisters and the binding is gone."""
    with Server(ctx) as srv:
        _add_extension(srv, "202")
        phone = Baresip(ctx, "desk", "202", srv.sip_target, password=PASSWORD, regint=600)
        with phone:
            ok = phone.wait_event(("REGISTER_OK", "REGISTER_FAIL"), REGISTER_TIMEOUT_S)
            check(ok["type"] == "REGISTER_OK", f"baresip: {ok}, expected REGISTER_OK")
            check(ok.get("param", "").startswith("200"), f"REGISTER_OK with {ok.get('param')!r}, expected 200")
            ext = _wait_registered(srv, "202", True, 2)
            uris = [c["uri"] for c in ext["contacts"]]
            check(len(uris) == 1 and f"@127.0.0.1:{phone.sip_port}" in uris[0],
                  f"the binding must be baresip's address 127.0.0.1:{phone.sip_port}: {ext['contacts']}")
            check(0 < ext["contacts"][0]["expires_s"] <= 600, f"binding expiry: {ext['contacts']}")
            ctx.log(f"baresip registered: {ok.get('param')}; API: {ext['contacts']}")
        check(phone.proc.returncode == 0, f"baresip exited with {phone.proc.returncode} on quit")
        _wait_registered(srv, "202", False, 3)
        ctx.log("baresip quit and unregistered: the binding is gone")


def _refused(ctx, srv, user, password):
    """What a baresip registering user with password is told: the REGISTER_FAIL event's param."""
    with Baresip(ctx, f"desk-{user}", user, srv.sip_target, password=password, regint=600) as phone:
        fail = phone.wait_event(("REGISTER_OK", "REGISTER_FAIL"), REGISTER_TIMEOUT_S)
        check(fail["type"] == "REGISTER_FAIL", f"baresip {user}: {fail}, expected REGISTER_FAIL")
        time.sleep(0.5)
        check("REGISTER_OK" not in phone.event_types(), f"baresip {user} registered: {phone.event_types()}")
    return fail.get("param", "")


@case("baresip-register-wrong-password-expect-refused", lock="media")
def baresip_register_wrong_password(ctx):
    """baresip registers extension 203 with a wrong password: the server answers its digest with 401 (a fresh
    challenge), baresip reports REGISTER_FAIL, and the API shows no binding. A baresip registering the unknown
    extension 299 is told exactly the same."""
    with Server(ctx) as srv:
        _add_extension(srv, "203")
        known = _refused(ctx, srv, "203", "not-the-password")
        check(known.startswith("401 Unauthorized"), f"REGISTER_FAIL with {known!r}: expected the server's 401")
        ext = _extension(srv, "203")
        check(ext["registered"] is False and ext["contacts"] == [], f"no binding after a wrong password: {ext}")
        unknown = _refused(ctx, srv, "299", "not-the-password")
        check(unknown == known, f"unknown extension 299 told {unknown!r}, known 203 {known!r}: must be the same")
        ctx.log(f"baresip refused for 203 and for the unknown 299 alike: {known!r}; API: {ext}")


def _relay_caller(ctx, srv, caller_number, script):
    """A trusted caller logged in as extension 201 by its entry and sent straight to the Call Relay prompt,
    called back on a sipp UAS whose audio is an RtpPeer playing `script`. Returns (sipp, peer)."""
    _add_extension(srv, "201", password="road warrior 4711", allow_call_relay=True)
    caller_port = free_port_block(2)
    srv.add_phone(caller_number, f"sip:mobile@127.0.0.1:{caller_port}", delay_s=1, login_extension="201",
                  auto_call_relay=True)
    peer = RtpPeer(script, codec_pt=0, event_pt=101, lead_ms=1000)
    sipp = callee(ctx, "relay-caller", "relay-caller-rtp-peer-expect-bye.xml", caller_port,
                  keys={"rtp_port": peer.port}, timeout_s=60)
    return sipp, peer


def _extension_record(srv, timeout=5):
    """The call record of the leg that rang the extension, once it has ended (written at the BYE)."""
    deadline = time.monotonic() + timeout
    rows = []
    while time.monotonic() < deadline:
        status, rows = srv.request("GET", "/api/v1/call-records")
        check(status == 200, f"GET /api/v1/call-records -> {status} {rows}")
        done = [r for r in rows if r.get("direction") == "extension" and r.get("ended_at")]
        if done:
            return done[0]
        time.sleep(0.1)
    raise TestFailure(f"no ended call record of direction extension within {timeout} s: {rows}")


@case("baresip-relay-to-extension-expect-audio-both-ways", lock="media")
def baresip_relay_to_extension(ctx):
    """A called-back caller at the relay prompt keys 202# (in-band): callbackd rings the registered baresip,
    which answers on its own and shows the call as from the attendant. Each hears the other, checked by
    frequency where it arrives: baresip's 1000 Hz tone in the caller's RTP, the caller's 600 Hz tone in what
    baresip decoded (its sndfile recording); a 5 that baresip sends as RFC 4733 reaches the caller as payload
    type 101; the extension leg's call record is answered."""
    caller_number = "+12015551030"
    with Server(ctx) as srv:
        _add_extension(srv, "202")
        phone = Baresip(ctx, "desk", "202", srv.sip_target, password=PASSWORD, regint=600, tone_hz=PHONE_HZ)
        with phone:
            ok = phone.wait_event(("REGISTER_OK", "REGISTER_FAIL"), REGISTER_TIMEOUT_S)
            check(ok["type"] == "REGISTER_OK", f"baresip: {ok}, expected REGISTER_OK")
            answered = phone.flag("CALL_ESTABLISHED")
            caller, caller_peer = _relay_caller(ctx, srv, caller_number, [
                ("audio", dtmf_samples("202#", lead_ms=0, tail_ms=300)), ("wait_for", answered),
                ("audio", tone_samples(CALLER_HZ, 4000))])
            try:
                ring_once(ctx, srv, caller_number, name="trigger")
                incoming = phone.wait_event("CALL_ESTABLISHED", 25)
                time.sleep(2)
                phone.command("sndcode", "5")
                time.sleep(2.5)
                heard_by_caller = caller_peer.snapshot()
                phone.stop()  # baresip first: it hangs up (BYE) and unregisters while the server still answers
                record = _extension_record(srv)
            finally:
                phone.stop()
                srv.stop_expect_clean()
                caller_peer.close()
        caller.expect_success(allow_server_bye=True)
    check(record.get("answered_at") and record.get("end_cause") == "answered" and record.get("call_ref"),
          f"the extension call's record must be answered and linked to its call: {record}")
    rate, heard_by_phone = phone.heard()
    # The caller was called back at a sip: destination, not a number: the extension sees the attendant.
    check(incoming.get("direction") == "incoming" and incoming.get("peeruri") == f"sip:attendant@{srv.sip_target}",
          f"the extension must see the call as from sip:attendant@{srv.sip_target}: {incoming}")
    at_caller = tone_packets(heard_by_caller, PHONE_HZ)
    at_phone = tone_frames(heard_by_phone, CALLER_HZ, rate)
    ctx.log(f"caller heard baresip's {PHONE_HZ} Hz tone in {len(at_caller)} packets; baresip decoded the "
            f"caller's {CALLER_HZ} Hz tone in {at_phone} frames of 20 ms ({len(heard_by_phone) / rate:.1f} s)")
    check(len(at_caller) >= 150, f"baresip's {PHONE_HZ} Hz tone must reach the caller: {len(at_caller)} packets")
    check(at_phone >= 150, f"the caller's {CALLER_HZ} Hz tone must reach baresip: {at_phone} frames")
    digits = rfc4733_events(heard_by_caller, 101)
    ctx.log(f"RFC 4733 digits at the caller (payload type 101): {digits!r}")
    check(digits == "5", f"baresip's 5 must reach the caller as RFC 4733 payload type 101: got {digits!r}")


@case("baresip-calls-baresip-expect-407-then-audio-both-ways", lock="media")
def baresip_calls_baresip(ctx):
    """Two registered baresip phones: 201 dials 202 through callbackd. 201's INVITE is challenged with 407 and
    baresip answers it with its password on its own; 202 rings and answers (auto), showing the call as from
    201; each phone decodes the other's tone (201: 600 Hz, 202: 1000 Hz) in its own recording."""
    with Server(ctx) as srv:
        _add_extension(srv, "201")
        _add_extension(srv, "202")
        desk = Baresip(ctx, "desk", "202", srv.sip_target, password=PASSWORD, regint=600, tone_hz=PHONE_HZ)
        mobile = Baresip(ctx, "mobile", "201", srv.sip_target, password=PASSWORD, regint=600, tone_hz=CALLER_HZ,
                         answermode="manual")
        with desk, mobile:
            for phone in (desk, mobile):
                ok = phone.wait_event(("REGISTER_OK", "REGISTER_FAIL"), REGISTER_TIMEOUT_S)
                check(ok["type"] == "REGISTER_OK", f"baresip {phone.name}: {ok}, expected REGISTER_OK")
            mobile.command("dial", f"sip:202@{srv.sip_target}")
            incoming = desk.wait_event("CALL_ESTABLISHED", 15)
            outgoing = mobile.wait_event("CALL_ESTABLISHED", 5)
            time.sleep(3)
            mobile.command("hangup")
            desk.wait_event("CALL_CLOSED", 5)
        check(incoming.get("peeruri", "").startswith("sip:201@"),
              f"202 must see the call as from extension 201: {incoming}")
        ctx.log(f"201 -> 202 established: {outgoing.get('param', '')!r}; 202 saw {incoming.get('peeruri')}")
        rate, at_desk = desk.heard()
        rate_m, at_mobile = mobile.heard()
        heard_desk = tone_frames(at_desk, CALLER_HZ, rate)
        heard_mobile = tone_frames(at_mobile, PHONE_HZ, rate_m)
        ctx.log(f"202 decoded 201's {CALLER_HZ} Hz in {heard_desk} frames; 201 decoded 202's {PHONE_HZ} Hz in "
                f"{heard_mobile} frames (20 ms each)")
        check(heard_desk >= 75, f"201's tone must reach 202: {heard_desk} frames")
        check(heard_mobile >= 75, f"202's tone must reach 201: {heard_mobile} frames")
        status, rows = srv.request("GET", "/api/v1/call-records")
        phone_calls = [r for r in rows if r.get("direction") == "phone"]
        check(status == 200 and len(phone_calls) == 1 and phone_calls[0]["caller"] == "201" and
              phone_calls[0]["callee"] == "202" and phone_calls[0]["answered_at"],
              f"one answered call record from extension 201 to 202: {phone_calls}")
