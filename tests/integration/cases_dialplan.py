"""The toll-fraud policy's dial plan end to end (issue 23's acceptance test): a table of dial strings of every
class the policy knows and their neighbours, keyed at the Call Relay prompt over loopback (RFC 4733 and
in-band) and stored through the REST API, each row asserting whether an INVITE leaves and its exact
Request-URI. The unit-level table is tests/unit/callback/toll_policy_test.cpp; this one goes through the
attendant, the relay, the line's dialing settings and the web layer of the built server."""

import collections
import re
import threading
import time

from cases_fraud import _entry_id, _security_events
from cases_relay import _relay_caller
from flows import callee, from_uri, wait_bound
from media import RtpPeer, dtmf_samples
from registry import case
from server import LINE_NUMBER, Server, check, free_port_block
from sipp import Sipp

# A row of the table: the keys (or the stored destination), the reason the policy refuses it with (its
# destination-refused event, and the REST error), or else the number the line's gateway must be sent as the
# Request-URI's user. `rest` is the REST API's answer where it differs from the relay prompt's: GRAMMAR when
# the destination grammar refuses the text before the policy sees it ('#', '*', 1 digit, over 20 digits).
Dial = collections.namedtuple("Dial", "keys refused sent rest", defaults=(None,))
GRAMMAR = "grammar"


def refused(keys, reason, rest=None):
    return Dial(keys, reason, None, rest)


def dialled(keys, sent, rest=None):
    return Dial(keys, None, sent, rest)


# A default US line (no strip_prefixes, dial_format e164, no carrier codes). Keyed with RFC 4733 events.
US_DIALS = [
    # Domestic and toll free: sent in E.164 whatever was keyed.
    dialled("2125550199", "+12125550199"),
    dialled("12125550199", "+12125550199"),
    dialled("8005550100", "+18005550100"),
    dialled("18005550100", "+18005550100"),
    dialled("9195550199", "+19195550199"),          # a leading 9 is an area code when the line strips nothing
    dialled("19015550199", "+19015550199"),         # 901 (Memphis), next to premium 900
    dialled("4045550199", "+14045550199"),
    # '#' ends the number: what follows reaches the far end as digits, never a second INVITE.
    dialled("2015550123#9005550199", "+12015550123", rest=GRAMMAR),
    # Premium rate, 976 and directory assistance.
    refused("19005550199", "premium-rate"),
    refused("9005550199", "premium-rate"),
    refused("1900", "too-short"),
    refused("19765550100", "invalid"),              # 976 is no area code in service
    refused("2019765555", "denied-prefix"),         # a 976 exchange in an ordinary area code
    refused("12019765555", "denied-prefix"),
    refused("2125551212", "denied-prefix"),         # directory assistance
    refused("12125551212", "denied-prefix"),
    # International: 011 is the NANP access prefix; 00 and 9011 are no prefix on this line (fail closed).
    refused("011442079460000", "international"),
    refused("011442071234567", "international"),
    refused("011882123456789", "satellite"),
    refused("0119005550199", "invalid"),
    refused("00442079460000", "invalid"),
    refused("0033142685300", "invalid"),
    refused("9011442079460000", "invalid"),
    # Carrier access codes (101XXXX), and what merely starts like one.
    refused("10102889005550199", "carrier-access-code"),
    refused("10102882125550199", "carrier-access-code"),
    refused("1010288", "carrier-access-code"),
    refused("1012125550199", "carrier-access-code"),
    # An extension's digits after a number, too long and too short neighbours of valid numbers.
    refused("2015550199123", "invalid"),
    refused("21255501990", "invalid"),
    refused("121255501990", "invalid"),
    refused("201555019", "too-short"),
    refused("212555019", "too-short"),
    refused("5550100", "too-short"),               # seven-digit local dialling
    refused("15550100", "too-short"),
    refused("5551234567", "invalid"),              # no 555 area code
    refused("15551234567", "invalid"),
    refused("912125550199", "invalid"),            # no outside-line prefix declared
    refused("92125550199", "invalid"),
    # Two and three digits, N11 services, the operator.
    refused("12", "too-short"),
    refused("123", "too-short"),
    refused("411", "too-short"),
    refused("611", "too-short"),
    refused("811", "too-short"),
    refused("1800", "too-short"),
    refused("00", "too-short"),
    refused("01", "too-short"),
    refused("011", "too-short"),
    # Emergency numbers, and strings around them.
    refused("911", "emergency-number"),
    refused("112", "emergency-number"),
    refused("9911", "too-short"),
    refused("1911", "too-short"),
    # Other countries inside +1: the Caribbean and Canada, as 11 and as 10 digits.
    refused("18765550123", "international"),       # Jamaica
    refused("8765550123", "international"),
    refused("18095550199", "international"),       # Dominican Republic
    refused("8095550199", "international"),
    refused("12684641234", "international"),       # Antigua
    refused("12683456789", "invalid"),             # ... a range libphonenumber does not know
    refused("18685550199", "invalid"),             # Trinidad, no such range
    refused("16135550199", "international"),       # Ottawa
    refused("6135550199", "international"),
    refused("14165550199", "international"),       # Toronto
]

# The same US line, keyed as in-band tones (the server's Goertzel detector, not RFC 4733).
INBAND_DIALS = [
    refused("19005550199", "premium-rate"),
    refused("2019765555", "denied-prefix"),
    refused("011442079460000", "international"),
    refused("911", "emergency-number"),
    dialled("2015550199", "+12015550199"),
]

# A line with strip_prefixes = ["9"] and dial_format = "national": the prefix is removed once, and the gateway
# is sent national digits.
NATIONAL_LINE = {"strip_prefixes": ["9"], "dial_format": "national"}
NATIONAL_DIALS = [
    dialled("92125550199", "2125550199"),
    dialled("912125550199", "2125550199"),
    dialled("99195550199", "9195550199"),          # stripped once only
    dialled("2015550199", "2015550199"),           # no prefix keyed: still a number
    dialled("98005550100", "8005550100"),
    refused("9011442079460000", "international"),  # 9, then 011
    refused("99005550199", "premium-rate"),
    refused("9911", "emergency-number"),
    refused("9195550199", "too-short"),            # this line reads the leading 9 as its prefix
    refused("92019765555", "denied-prefix"),
]

# Stored destinations only the REST API can take ('+' cannot be keyed), on the default US line.
REST_ONLY = [
    dialled("+12125550199", "+12125550199"),
    dialled("+18005550100", "+18005550100"),
    refused("+19005550199", "premium-rate"),
    refused("+12019765555", "denied-prefix"),
    refused("+442071234567", "international"),
    refused("+882123456789", "satellite"),
    refused("+8816123456", "satellite"),
    refused("+16135550199", "international"),
    refused("+18765550100", "international"),
    refused("+15550100", "too-short"),
    refused("+999123456", "invalid"),
    # The grammar's limits: 1 digit, over 20 digits, '*' and '#' are no PSTN destination at all.
    refused("0", GRAMMAR),
    refused("1010288011442071234567", GRAMMAR),
    refused("*6712125550199", GRAMMAR),
    refused("12125550199#", GRAMMAR),
]

DTMF_S = 0.28     # one RFC 4733 digit as RtpPeer sends it: 10 event packets and 80 ms of silence
INBAND_S = 0.2    # one in-band digit: 100 ms on, 100 ms off
REFUSED_S = 3.0   # after a refusal keys are dropped until "number-refused" (2.1 s) has played
ANSWERED_S = 2.0  # the far end (a sipp on the gateway) answers at once: the bridge is up well within this
HUNG_UP_S = 1.5   # after **, back at the relay prompt


def _silence(seconds):
    return ("audio", [0] * int(8000 * seconds))


def _keyed(keys, inband):
    return ("audio", dtmf_samples(keys, lead_ms=0, tail_ms=300)) if inband else ("dtmf", keys)


def _script(rows, far_ready, inband=False):
    """The caller's audio for a list of rows: each entry ended by '#', then silence for a refusal; an allowed
    number waits for the bridge and hangs up with ** (the far end must be up before one is keyed)."""
    steps = []
    for row in rows:
        if row.sent is not None:
            steps.append(("wait_for", far_ready))
        steps.append(_keyed(row.keys + "#", inband))
        if row.sent is None:
            steps.append(_silence(REFUSED_S))
        else:
            steps += [_silence(ANSWERED_S), _keyed("**", inband), _silence(HUNG_UP_S)]
    steps.append(("mark", "done"))
    return steps


def _seconds(rows, inband=False):
    per_key = INBAND_S if inband else DTMF_S
    return sum((len(r.keys) + 1) * per_key + (REFUSED_S if r.sent is None else ANSWERED_S + HUNG_UP_S + 1)
               for r in rows)


def _split(rows, parts):
    """rows in `parts` lists of about the same keying time, each keeping the table's order."""
    shares = [[] for _ in range(parts)]
    for row in sorted(rows, key=lambda r: -_seconds([r])):
        min(shares, key=_seconds).append(row)
    order = {id(r): i for i, r in enumerate(rows)}
    return [sorted(s, key=lambda r: order[id(r)]) for s in shares]


def _another_relay_caller(ctx, srv, caller_number, script):
    """As cases_relay._relay_caller, for a second trusted caller logged in as the same extension 201."""
    caller_port = free_port_block(2)
    srv.add_phone(caller_number, f"sip:mobile@127.0.0.1:{caller_port}", delay_s=1, login_extension="201",
                  auto_call_relay=True)
    peer = RtpPeer(script, codec_pt=0, event_pt=101, lead_ms=1000)
    sipp = callee(ctx, f"relay-caller-{caller_number[-4:]}", "relay-caller-rtp-peer-expect-bye.xml", caller_port,
                  keys={"rtp_port": peer.port}, timeout_s=120)
    return sipp, peer


def _outcomes(srv):
    """What the server did with each relay entry, per caller (its callback address), in order: ("refused",
    keys, reason) from destination-refused events, ("dialled", number) from the relay's own log line."""
    relaying = re.compile(r"relaying caller (\S+) to (\S+) on line")
    events = iter(_security_events(srv, "destination-refused"))
    out = collections.defaultdict(list)
    for line in srv.log_text().splitlines():
        if "security: destination-refused " in line:
            e = next(events)
            if e.get("purpose") == "relay":
                out[e.get("for")].append(("refused", e.get("destination"), e.get("reason")))
        elif m := relaying.search(line):
            out[m.group(1)].append(("dialled", m.group(2)))
    return out


def _expected(rows):
    return [("refused", r.keys, r.refused) if r.sent is None else ("dialled", r.sent) for r in rows]


def _relay_table(ctx, srv, tables, first_number):
    """Calls back one trusted caller per (rows, inband) in `tables` at once, each keying its rows at the relay
    prompt, with one sipp on the line's gateway answering every relayed call. Checks each caller's entries came
    out as its rows say, in order, and that the gateway got exactly the allowed rows' INVITEs, each with the
    exact Request-URI sip:<sent>@<gateway>."""
    far_ready = threading.Event()
    numbers = [f"+1201555{first_number + i:04d}" for i in range(len(tables))]
    callers = []
    for i, (number, (rows, inband)) in enumerate(zip(numbers, tables)):
        make = _relay_caller if i == 0 else _another_relay_caller
        callers.append(make(ctx, srv, number, _script(rows, far_ready, inband)))
    ctx.log("rows per caller: " + ", ".join(f"{len(rows)} ({_seconds(rows, inband):.0f} s)"
                                           for rows, inband in tables))
    entries = [_entry_id(srv, n) for n in numbers]
    allowed = [r for rows, _ in tables for r in rows if r.sent is not None]
    far = None
    try:
        # Every trigger in one sipp (the gateway's port is then free for the far end), 10 per second.
        triggers = Sipp(ctx, "triggers", "ring-once-expect-487.xml", srv.gateway_port, remote=srv.sip_target,
                        rows=[[from_uri(n, srv.gateway_port), "X-Test: trigger"] for n in numbers],
                        service=LINE_NUMBER, calls=len(numbers), timeout_s=20)
        triggers.run(timeout=30)
        triggers.expect_success()
        far = Sipp(ctx, "relay-far", "relay-far-answer-pcma-expect-bye.xml", srv.gateway_port,
                   keys={"rtp_port": free_port_block(2)}, calls=len(allowed), timeout_s=120).start()
        wait_bound(srv.gateway_port)
        far_ready.set()
        deadline = time.monotonic() + max(_seconds(rows, inband) for rows, inband in tables) + 30
        while time.monotonic() < deadline and not all("done" in peer.marks for _, peer in callers):
            time.sleep(0.2)
        time.sleep(0.5)  # the last entry's refusal is logged at once; a last BYE may still be in flight
        unfinished = [n for n, (_, peer) in zip(numbers, callers) if "done" not in peer.marks]
    finally:
        srv.stop_expect_clean()
        for _, peer in callers:
            peer.close()
    for sipp, _ in callers:
        sipp.expect_success(allow_server_bye=True)
    if far.proc.poll() is None:
        far.kill()  # a call the table expected never came: the Request-URIs below say which
    check(not unfinished, f"callers {unfinished} did not get through their rows in time")
    outcomes = _outcomes(srv)
    wrong = []
    for (sipp, _), number, entry, (rows, inband) in zip(callers, numbers, entries, tables):
        who = f"sip:mobile@127.0.0.1:{sipp.local_port}"
        got, want = outcomes.get(who, []), _expected(rows)
        how = "in-band" if inband else "RFC 4733"
        ctx.log(f"{number} ({how}): {len(got)} outcomes for {len(want)} rows")
        for i in range(max(len(got), len(want))):
            g = got[i] if i < len(got) else None
            w = want[i] if i < len(want) else None
            if g != w:
                wrong.append(f"{number} ({how}) row {i + 1}: expected {w}, got {g}")
        events = [e for e in _security_events(srv, "destination-refused") if e.get("for") == who]
        if not all(e.get("entry") == entry for e in events):
            wrong.append(f"{number}: an event does not name its entry {entry}: {events}")
    uris = sorted(i.request_uri.split(";")[0] for i in far.messages_of("received", "INVITE"))
    want_uris = sorted(f"sip:{r.sent}@{srv.gateway}" for r in allowed)
    ctx.log(f"INVITEs at the gateway: {uris}")
    if uris != want_uris:
        wrong.append(f"the gateway must get exactly the allowed rows' INVITEs:\n    expected {want_uris}\n"
                     f"    got      {uris}")
    check(not wrong, f"{len(wrong)} difference(s) from the table:\n  " + "\n  ".join(wrong)
          + f"\n  {far.summary()}")
    check(len(far.messages_of("received", "BYE")) == len(allowed),
          f"each relayed call must end with a BYE from the server (**)\n  {far.summary()}")
    far.expect_success()


@case("dialplan-relay-expect-exact-request-uri-or-refused", lock="media")
def dialplan_relay(ctx):
    """A default US line: the whole US_DIALS table keyed with RFC 4733 at the relay prompt by several called-back
    callers at once, and INBAND_DIALS as in-band tones by one more. Each refused row is a destination-refused
    event with its reason and no INVITE; each allowed row one INVITE to the line's gateway whose Request-URI is
    exactly sip:<E.164>@<gateway>, answered and hung up with **; after each, the caller is back at the prompt."""
    parts = _split(US_DIALS, 12)
    with Server(ctx, channels=16) as srv:
        _relay_table(ctx, srv, [(p, False) for p in parts] + [(INBAND_DIALS, True)], first_number=1070)


@case("dialplan-national-line-expect-stripped-national-request-uri", lock="media")
def dialplan_national_line(ctx):
    """A line with strip_prefixes = ["9"] and dial_format = "national": NATIONAL_DIALS keyed at the relay prompt
    (9 is removed once, and the gateway is sent national digits: 92125550199 -> sip:2125550199@<gateway>); the
    REST API judges stored destinations by the same line (92125550199 is 201, 9011... 400), and a callback to
    a stored 92125550199 is sent sip:2125550199@<gateway> too."""
    with Server(ctx, channels=16, line_options=NATIONAL_LINE) as srv:
        _check_rest_table(ctx, srv, NATIONAL_DIALS, first_number=2200)
        _relay_table(ctx, srv, [(p, False) for p in _split(NATIONAL_DIALS, 4)], first_number=1090)
    with Server(ctx, line_options=NATIONAL_LINE) as srv:
        _check_callbacks(ctx, srv, [("+12015553010", "92125550199", "2125550199"),
                                    ("+12015553011", "+18005550100", "8005550100")])


def _check_rest_table(ctx, srv, rows, first_number):
    """POST /api/v1/authorized-phones with each row's keys as a pstn callback_destination: 201 for an allowed
    row, 400 on callback_destination naming the row's reason for a refused one."""
    for i, row in enumerate(rows):
        entry = {"caller_type": "pstn", "caller_address": f"+1201555{first_number + i:04d}", "callback_enabled": True,
                 "callback_type": "pstn", "callback_destination": row.keys, "callback_delay_s": 1}
        status, body = srv.request("POST", "/api/v1/authorized-phones", entry)
        reason = row.rest or row.refused
        if reason is None:
            check(status == 201, f"POST of destination {row.keys!r}: {status} {body}, expected 201")
            continue
        error = body.get("error", "") if isinstance(body, dict) else ""
        named = ("is not valid for callback_type pstn" in error if reason == GRAMMAR
                 else f"refused by the toll-fraud policy: {reason} " in error)
        check(status == 400 and body.get("field") == "callback_destination" and named,
              f"POST of destination {row.keys!r}: {status} {body}, expected 400 on callback_destination "
              f"for {reason}")
    ctx.log(f"REST: {len(rows)} destinations judged as the table says")


def _check_callbacks(ctx, srv, rows):
    """Each (caller, stored destination, sent) row: an entry stored through the API rings once, and the callback
    INVITE reaches the line's gateway with the exact Request-URI sip:<sent>@<gateway>."""
    for caller, destination, _ in rows:
        srv.add_phone(caller, destination, delay_s=2, callback_type="pstn")
    triggers = Sipp(ctx, "triggers", "ring-once-expect-487.xml", srv.gateway_port, remote=srv.sip_target,
                    rows=[[from_uri(c, srv.gateway_port), "X-Test: trigger"] for c, _, _ in rows],
                    service=LINE_NUMBER, calls=len(rows), timeout_s=20)
    triggers.run(timeout=30)
    triggers.expect_success()
    uas = Sipp(ctx, "callee-gateway", "callback-answer-expect-ack.xml", srv.gateway_port,
               keys={"rtp_port": free_port_block(2)}, calls=len(rows), timeout_s=20).start()
    wait_bound(srv.gateway_port)
    uas.expect_success(allow_server_bye=True)
    uris = sorted(i.request_uri.split(";")[0] for i in uas.messages_of("received", "INVITE"))
    want = sorted(f"sip:{sent}@{srv.gateway}" for _, _, sent in rows)
    ctx.log(f"callback INVITEs at the gateway: {uris}")
    check(uris == want, f"callback Request-URIs: expected {want}, got {uris}\n  {uas.summary()}")


@case("dialplan-rest-destinations-expect-policy-and-callback-uri")
def dialplan_rest(ctx):
    """The US_DIALS table and REST_ONLY (E.164 with '+', the grammar's limits) as callback_destination of POST
    /api/v1/authorized-phones on a default US line: refused rows 400 on callback_destination naming their
    reason, allowed rows 201. Stored 12125550199 and 8005550100 are called back as sip:+12125550199@<gateway>
    and sip:+18005550100@<gateway>: the normalised number, not the stored text."""
    with Server(ctx) as srv:
        _check_rest_table(ctx, srv, US_DIALS + REST_ONLY, first_number=2000)
        _check_callbacks(ctx, srv, [("+12015553001", "12125550199", "+12125550199"),
                                    ("+12015553002", "8005550100", "+18005550100")])
