"""Cases where the server must say no, or must survive: untrusted callers, wrong source, bad REST input, torture."""

import glob
import os
import socket
import time
import uuid

from flows import callee, expect_no_callback, from_uri, received_invite, ring_once
from registry import case
from server import LINE_NUMBER, Server, check, free_port_block
from sipp import Sipp


def _control_callback(ctx, srv, caller, uas_port):
    """Positive control: a trusted caller in the same set-up does get called back (here the callee is busy)."""
    uas = callee(ctx, "control-callee", "callback-busy-expect-ack.xml", uas_port)
    ring_once(ctx, srv, caller, name="control-trigger")
    uas.expect_success()
    received_invite(uas)
    ctx.log(f"control: trusted caller {caller} was called back")


def _try_add_phone(ctx, srv, caller, destination):
    status, body = srv.request("POST", "/api/v1/authorized-phones", {
        "caller_type": "pstn", "caller_address": caller, "callback_enabled": True, "callback_type": "sip",
        "callback_destination": destination, "callback_delay_s": 1})
    ctx.log(f"entry {caller!r}: {status}" + ("" if status == 201 else f" {body} (the server refuses it; "
                                             "the case goes on without it)"))


@case("unknown-caller-expect-no-callback")
def unknown_caller_expect_no_callback(ctx):
    """Ring-once calls from numbers not in the database (one a prefix of a trusted number) make no callback."""
    with Server(ctx) as srv:
        uas_port = free_port_block(2)
        srv.add_phone("+12015559999", f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
        for caller in ("+12015552001", "+1201555999"):
            ring_once(ctx, srv, caller, name=f"unknown-{caller[1:]}", scenario="ring-once-expect-no-answer.xml")
            expect_no_callback(ctx, srv, [uas_port, srv.gateway_port], 2.5, f"unknown caller {caller}")
        _control_callback(ctx, srv, "+12015559999", uas_port)


@case("sip-caller-from-line-expect-callback")
def sip_caller_from_line_expect_callback(ctx):
    """A line delivers a caller known by a SIP address, not a number (From sip:alice@Partner.Example): the SIP-type
    entry "sip:alice@partner.example" matches it (scheme and host case as the admin typed them) and is called
    back at its destination; sip:mallory@partner.example and sip:alice@evil.example ring once and get nothing."""
    with Server(ctx) as srv:
        uas_port = free_port_block(2)
        srv.add_phone("sip:alice@partner.example", f"sip:callee@127.0.0.1:{uas_port}", delay_s=1,
                      caller_type="sip")
        for stranger in ("sip:mallory@partner.example", "sip:alice@evil.example"):
            ring_once(ctx, srv, stranger, name="stranger", scenario="ring-once-expect-no-answer.xml")
            expect_no_callback(ctx, srv, [uas_port, srv.gateway_port], 2.5, f"unknown SIP caller {stranger}")
        uas = callee(ctx, "callee-sip", "callback-answer-expect-ack.xml", uas_port,
                     keys={"rtp_port": free_port_block(2)})
        ring_once(ctx, srv, "sip:alice@Partner.Example", name="alice")
        uas.expect_success(allow_server_bye=True)
        invite = received_invite(uas)
        check(invite.request_uri.startswith(f"sip:callee@127.0.0.1:{uas_port}"),
              f"callback request-URI {invite.request_uri}")
        job = srv.wait_job(lambda j: j["state"] == "answered", 5, "answered")
        check(job["caller"] == "sip:alice@partner.example", f"the job names the caller's SIP address: {job}")


@case("withheld-caller-expect-no-callback")
def withheld_caller_expect_no_callback(ctx):
    """A withheld caller (From anonymous, Privacy: id, or no user part) is never called back, even under wildcards."""
    with Server(ctx) as srv:
        uas_port = free_port_block(2)
        destination = f"sip:callee@127.0.0.1:{uas_port}"
        srv.add_phone("+1201555*", destination, delay_s=1)
        _try_add_phone(ctx, srv, "*", destination)
        _try_add_phone(ctx, srv, "anonymous", destination)
        variants = [
            ("anonymous", "sip:anonymous@anonymous.invalid", "X-Test: withheld"),
            ("privacy-id", from_uri("+12015553001", srv.gateway_port), "Privacy: id"),
            ("no-user", from_uri("", srv.gateway_port), "X-Test: withheld"),
        ]
        for label, uri, header in variants:
            ring_once(ctx, srv, uri, name=f"withheld-{label}", extra_header=header,
                      scenario="ring-once-expect-no-answer.xml")
            expect_no_callback(ctx, srv, [uas_port, srv.gateway_port], 2.5, f"withheld caller ({label})")
        _control_callback(ctx, srv, "+12015553002", uas_port)


@case("non-gateway-source-expect-403")
def non_gateway_source_expect_403(ctx):
    """An INVITE from a trusted number but not from a line's gateway ip:port is refused with 403; no callback."""
    with Server(ctx) as srv:
        uas_port = free_port_block(2)
        srv.add_phone("+12015551004", f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
        rogue_port = free_port_block(2)
        caller = Sipp(ctx, "rogue", "invite-expect-403.xml", rogue_port, remote=srv.sip_target,
                      rows=[[from_uri("+12015551004", srv.gateway_port), "X-Test: rogue"]],
                      service=LINE_NUMBER, timeout_s=15)
        caller.run(timeout=25)
        caller.expect_success()
        expect_no_callback(ctx, srv, [uas_port, srv.gateway_port], 2.5, "INVITE from a non-gateway port")


def _expect_error(srv, method, path, body, status, field=None, token="default", raw_body=None):
    kwargs = {} if token == "default" else {"token": token}
    got, reply = srv.request(method, path, body, raw_body=raw_body, **kwargs)
    what = f"{method} {path} {body if raw_body is None else raw_body!r}"
    check(got == status, f"{what} -> {got} {reply}, expected {status}")
    if status != 401:
        check(isinstance(reply, dict) and isinstance(reply.get("error"), str) and reply["error"],
              f"{what}: expected an error body {{\"error\": \"...\"}}, got {reply!r}")
        if field:
            check(reply.get("field") == field, f"{what}: expected \"field\": \"{field}\", got {reply!r}")


@case("rest-api-validation")
def rest_api_validation(ctx):
    """REST 401/400/404/409 through real HTTP: missing or wrong token, invalid fields, unknown ids, duplicates."""
    with Server(ctx) as srv:
        base = "/api/v1/authorized-phones"
        good = {"caller_type": "pstn", "caller_address": "+12015551010", "callback_enabled": True,
                "callback_type": "sip", "callback_destination": "sip:callee@127.0.0.1:5099", "callback_delay_s": 2}
        _expect_error(srv, "GET", base, None, 401, token=None)
        _expect_error(srv, "GET", base, None, 401, token="not-the-admin-token-at-all")
        _expect_error(srv, "POST", base, good, 401, token=None)
        _expect_error(srv, "GET", "/api/v1/callbacks", None, 401, token=None)

        status, created = srv.request("POST", base, good)
        check(status == 201 and isinstance(created, dict) and isinstance(created.get("id"), int),
              f"POST {base} -> {status} {created}, expected 201 with an id")
        for k, v in good.items():
            check(created.get(k) == v, f"created entry {created}: {k} should be {v!r}")
        status, fetched = srv.request("GET", f"{base}/{created['id']}")
        check(status == 200 and fetched == created, f"GET {base}/{created['id']} -> {status} {fetched}")

        _expect_error(srv, "POST", base, good, 409)
        _expect_error(srv, "POST", base, dict(good, caller_address="+12015551011", caller_type="fax"), 400,
                      field="caller_type")
        _expect_error(srv, "POST", base, dict(good, caller_address="+12015551012", callback_type="pigeon"), 400,
                      field="callback_type")
        _expect_error(srv, "POST", base, dict(good, caller_address="+12015551013", callback_delay_s="soon"), 400,
                      field="callback_delay_s")
        _expect_error(srv, "POST", base, dict(good, caller_address="+12015551014", callback_delay_s=-5), 400,
                      field="callback_delay_s")
        missing = {k: v for k, v in good.items() if k != "caller_address"}
        _expect_error(srv, "POST", base, missing, 400, field="caller_address")
        _expect_error(srv, "POST", base, None, 400, raw_body=b'{"caller_type": "pstn",')
        _expect_error(srv, "PUT", f"{base}/{created['id']}", dict(good, caller_type="fax"), 400,
                      field="caller_type")

        for method in ("GET", "PUT", "DELETE"):
            _expect_error(srv, method, f"{base}/987654", good if method == "PUT" else None, 404)
        _expect_error(srv, "GET", "/api/v1/callbacks/987654", None, 404)
        _expect_error(srv, "DELETE", "/api/v1/callbacks/987654", None, 404)

        status, ext = srv.request("POST", "/api/v1/extensions",
                                  {"number": "201", "name": "Alice", "password": "s3cret-Passw0rd-of-alice",
                                   "allow_call_relay": False})
        check(status == 201, f"POST /api/v1/extensions -> {status} {ext}, expected 201")
        check("password" not in (ext or {}), f"the extension's password must never be returned: {ext}")
        _expect_error(srv, "POST", "/api/v1/extensions",
                      {"number": "201", "name": "Bob", "password": "an0ther-Passw0rd", "allow_call_relay": False}, 409)

        status, listing = srv.request("GET", base)
        check(status == 200 and listing == [created], f"GET {base} -> {status} {listing}, expected [{created}]")


RFC4475_VALID = {"dblreq", "esc01", "esc02", "escnull", "intmeth", "longreq", "lwsdisp", "mpart01", "noreason",
                 "semiuri", "transports", "unreason", "wsinv"}
RFC5118_VALID = {"ipv6-good", "port-ambiguous", "port-unambiguous", "via-received-param-with-delim",
                 "ipv6-in-sdp", "mult-ip-in-header", "mult-ip-in-sdp", "ipv4-mapped-ipv6",
                 "ipv6-correct-abnf-2-colons"}


def _torture_files(shared):
    root = os.path.join(shared, "testdata", "sip-torture")
    files = sorted(glob.glob(os.path.join(root, "rfc4475", "*.dat"))) + \
        sorted(f for f in glob.glob(os.path.join(root, "rfc5118", "*")) if os.path.isfile(f))
    check(len(files) >= 50, f"expected the torture messages under {root}, found {len(files)} files")
    return files


def _first_line(data):
    return data.split(b"\r\n", 1)[0].decode("latin-1")[:60] if data else "(no reply)"


def _send_udp(port, data, wait=0.15):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(wait)
        s.sendto(data, ("127.0.0.1", port))
        try:
            return s.recvfrom(65535)[0]
        except socket.timeout:
            return b""


def _send_tcp(port, data, wait=0.3):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(data)
        s.settimeout(wait)
        try:
            return s.recv(65535)
        except socket.timeout:
            return b""


def _options(port, transport, local_port):
    branch = "z9hG4bK" + uuid.uuid4().hex[:16]
    return (f"OPTIONS sip:{LINE_NUMBER}@127.0.0.1:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} 127.0.0.1:{local_port};branch={branch};rport\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1:{local_port}>;tag={uuid.uuid4().hex[:8]}\r\n"
            f"To: <sip:{LINE_NUMBER}@127.0.0.1:{port}>\r\nCall-ID: {uuid.uuid4().hex}@127.0.0.1\r\n"
            f"CSeq: 1 OPTIONS\r\nAccept: application/sdp\r\nContent-Length: 0\r\n\r\n").encode()


def _options_udp(port):
    """A response to OPTIONS over UDP (retransmitted like a client transaction), or b''."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        msg = _options(port, "UDP", s.getsockname()[1])
        for wait in (0.5, 1.0, 2.0, 2.0):
            s.sendto(msg, ("127.0.0.1", port))
            s.settimeout(wait)
            try:
                return s.recvfrom(65535)[0]
            except socket.timeout:
                continue
    return b""


def _options_tcp(port):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(_options(port, "TCP", s.getsockname()[1]))
        s.settimeout(5)
        try:
            return s.recv(65535)
        except socket.timeout:
            return b""


@case("torture-expect-survive")
def torture_expect_survive(ctx):
    """Every RFC 4475 / RFC 5118 torture message over UDP (valid ones also over TCP); then OPTIONS still answered."""
    with Server(ctx) as srv:
        files = _torture_files(ctx.shared)
        for path in files:
            name = os.path.basename(path).removesuffix(".dat")
            with open(path, "rb") as f:
                data = f.read()
            reply = _send_udp(srv.sip_port, data)
            line = f"udp {name}: {_first_line(reply)}"
            if name in RFC4475_VALID or name in RFC5118_VALID:
                line += f"; tcp: {_first_line(_send_tcp(srv.sip_port, data))}"
            ctx.log(line)
            check(srv.alive(), f"callbackd died after torture message {name}")
        time.sleep(0.5)
        check(srv.alive(), "callbackd died after the torture messages")
        reply = _options_udp(srv.sip_port)
        check(reply.startswith(b"SIP/2.0 "), f"no response to OPTIONS over UDP after the torture: {reply!r}")
        ctx.log(f"OPTIONS over UDP: {_first_line(reply)}")
        reply = _options_tcp(srv.sip_port)
        check(reply.startswith(b"SIP/2.0 "), f"no response to OPTIONS over TCP after the torture: {reply!r}")
        ctx.log(f"OPTIONS over TCP: {_first_line(reply)}")
        status, _ = srv.request("GET", "/api/v1/callbacks")
        check(status == 200, f"REST no longer answers after the torture: {status}")
        check(srv.callbacks() == [], f"torture messages created callback jobs: {srv.callbacks()}")
