"""Remote Call Back Configuration (*6) keyed on a real softphone: baresip, called back, sends RFC 4733 digits."""

import time

from baresip import Baresip
from flows import received_invite, ring_once, wait_bound
from registry import case
from server import Server, check
from sipp import Sipp

PASSWORD = "904172"  # the keypad PIN: 6 to 12 digits
NEW_DESTINATION = "2015553007"  # keyed on the phone
STORED_DESTINATION = "+12015553007"  # stored and called back as the number it is, in E.164


def _key(phone, keys, pause_s=1.0):
    """Keys as a person presses them: one digit at a time (baresip sends each as an RFC 4733 event), then a pause
    for the prompt that follows (a key barges in, so the pause only needs to outlast the server's check)."""
    for k in keys:
        phone.command("sndcode", k)
        time.sleep(0.25)
    time.sleep(pause_s)


@case("baresip-star6-change-expect-row-audit-callback-within-45s", lock="media")
def baresip_star6_change(ctx):
    """A trusted caller's phone is baresip (its entry's destination is baresip's address, login extension 201).
    Called back, baresip answers on its own and keys *6, 201 # 90417 #, 2 (change), # (this phone's entry),
    2015553007 #, 1 (accept the read-back): the server hangs up, the entry's destination is +12015553007 in the
    database with an audit row naming phone:201, and the line's gateway gets the callback to +12015553007 within
    45 s of the hang-up (measured and printed)."""
    with Server(ctx) as srv:
        status, body = srv.request("POST", "/api/v1/extensions", {"number": "201", "name": "Desk",
                                                                  "pin": PASSWORD})
        check(status == 201, f"POST /api/v1/extensions -> {status} {body}")
        phone = Baresip(ctx, "mobile", "mobile", srv.sip_target)
        with phone:
            entry = srv.add_phone("+12015551070", phone.contact_uri, delay_s=1, login_extension="201")
            ring_once(ctx, srv, "+12015551070", name="trigger")
            phone.wait_event("CALL_ESTABLISHED", 15)
            time.sleep(1.5)  # the welcome starts; *6 barges in
            for keys in ("*6", "201#", PASSWORD + "#", "2", "#", NEW_DESTINATION + "#", "1"):
                _key(phone, keys)
            gateway = Sipp(ctx, "remote-callback", "callback-busy-expect-ack.xml", srv.gateway_port,
                           timeout_s=60).start()
            wait_bound(srv.gateway_port)
            phone.wait_event("CALL_CLOSED", 30)
            hung_up = time.time()
            gateway.expect_success(timeout=60)
        invite = received_invite(gateway)
        elapsed = invite.when.timestamp() - hung_up
        ctx.log(f"MEASURED *6 by baresip: callback INVITE {elapsed:.3f} s after the server hung up")
        print(f"MEASURED *6 by baresip: hang-up to callback INVITE {elapsed:.3f} s", flush=True)
        check(invite.request_uri.startswith(f"sip:{STORED_DESTINATION}@"),
              f"callback request-URI {invite.request_uri}")
        check(0 < elapsed <= 45, f"callback INVITE {elapsed:.3f} s after the hang-up, promised within 45 s")
        status, row = srv.request("GET", f"/api/v1/authorized-phones/{entry['id']}")
        check(status == 200 and row["callback_destination"] == STORED_DESTINATION,
              f"the entry after *6 from baresip: {status} {row}")
        status, audit = srv.request("GET", "/api/v1/audit?entity=authorized-phone")
        rows = [r for r in audit if r["actor"] == "phone:201"] if status == 200 else []
        check(len(rows) == 1 and rows[0]["new"]["callback_destination"] == STORED_DESTINATION
              and rows[0]["old"]["callback_destination"] == phone.contact_uri, f"audit rows {audit}")
