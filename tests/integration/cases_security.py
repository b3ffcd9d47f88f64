"""Hostile SIP from outside: messages that once aborted the server, and answers that once carried memory bytes."""

import socket
import time

from cases_edge import _control_callback, _options_tcp, _options_udp
from hostile_sip import HOSTILE_VIAS, SDP, BurstClient, invite, run_parallel, two_packets_tcp, two_packets_udp
from registry import case
from server import Server, check, free_port_block

GAPS_S = (0, 0.05, 0.1, 0.15, 0.2, 0.3)

# RFC 3261's phrase for each status the server rejects with: the whole status line must be exactly this.
PHRASES = {403: b"Forbidden", 486: b"Busy Here", 488: b"Not Acceptable Here", 603: b"Decline"}


def _alive_and_answering(ctx, srv, what):
    check(srv.alive(), f"callbackd died after {what}")
    reply = _options_udp(srv.sip_port)
    check(reply.startswith(b"SIP/2.0 200 "), f"no 200 to OPTIONS over UDP after {what}: {reply[:80]!r}")
    reply = _options_tcp(srv.sip_port)
    check(reply.startswith(b"SIP/2.0 200 "), f"no 200 to OPTIONS over TCP after {what}: {reply[:80]!r}")
    ctx.log(f"after {what}: alive, OPTIONS answered over UDP and TCP")


@case("hostile-via-expect-survive")
def hostile_via_expect_survive(ctx):
    """An INVITE with a hostile Via (port 0, 99999, empty host, broadcast maddr, odd rport/received) and its ACK
    0 to 300 ms later, over UDP and TCP, from strangers and from a line's gateway: the server stays up, answers
    OPTIONS, and a real trigger afterwards is called back."""
    with Server(ctx, answer_delay_s=1) as srv:
        uas_port = free_port_block(2)
        srv.add_phone("+12015551009", f"sip:callee@127.0.0.1:{uas_port}", delay_s=1)
        for gap in GAPS_S:
            jobs = [lambda v=v: two_packets_udp(srv.sip_port, v, gap) for v in HOSTILE_VIAS]
            jobs += [lambda v=v: two_packets_tcp(srv.sip_port, v, gap) for v in HOSTILE_VIAS]
            run_parallel(jobs)
            # The gateway's port is one socket: its variants go one after the other.
            for v in HOSTILE_VIAS:
                two_packets_udp(srv.sip_port, v, gap, src_port=srv.gateway_port)
            time.sleep(0.3)  # nta retries a failed final response on its next timer run: let it come
            check(srv.alive(), f"callbackd died after the two-packet sequences with a {gap * 1000:.0f} ms gap")
            ctx.log(f"gap {gap * 1000:.0f} ms: {len(HOSTILE_VIAS)} Via variants x (UDP stranger, TCP stranger, "
                    "UDP gateway) survived")
        _alive_and_answering(ctx, srv, "every hostile Via")
        time.sleep(1.5)  # the gateway's hostile INVITEs hold channels until the attendant's answer (1 s) refuses them
        _control_callback(ctx, srv, "+12015551009", uas_port)


def _expect_exact_phrases(ctx, client, status, skip=()):
    client.wait_all(20, skip)
    want = b"SIP/2.0 %d %s\r\n" % (status, PHRASES[status])
    missing = [c for c in client.sent if c not in client.finals and c not in skip]
    check(not missing, f"{len(missing)} of {len(client.sent)} INVITEs got no final response (expected {status})")
    wrong = [(c, r[:60]) for c, r in client.finals.items() if c not in skip and not r.startswith(want)]
    check(not wrong, f"{len(wrong)} answers are not exactly {want!r}; first: {wrong[:3]}")
    dirty = [c for c, r in client.finals.items() if any(b > 0x7E or (b < 0x20 and b not in (9, 10, 13))
                                                          for b in r.split(b"\r\n\r\n", 1)[0])]
    check(not dirty, f"{len(dirty)} answers carry bytes outside printable ASCII in their headers")
    checked = sum(1 for c in client.finals if c not in skip)
    ctx.log(f"{checked} answers from port {client.port}: every one {want!r}")


def _burst(client, caller, count, sdp=None):
    for i in range(count):
        client.send(caller, sdp=sdp)
        if i % 25 == 24:
            time.sleep(0.01)  # bursts, but not faster than loopback's socket buffers take them


@case("reject-phrases-expect-exact")
def reject_phrases_expect_exact(ctx):
    """1,000 rejected INVITEs at once: 403 to strangers on four ports, 603 from a line that rejects, 486 from a
    line whose only channel is taken, 488 for calls without SDP. Every status line is exactly RFC 3261's, with
    no byte of the server's memory in it; then a trigger over TCP is refused the same way."""
    rej_port, busy_port = free_port_block(2), free_port_block(2)
    lines = [
        {"name": "rej", "gateway": f"127.0.0.1:{rej_port}", "number": "+12015550200", "channels": 4,
         "inbound": "reject", "answer_delay_s": 1},
        {"name": "busy", "gateway": f"127.0.0.1:{busy_port}", "number": "+12015550300", "channels": 1,
         "inbound": "auto-attendant", "answer_delay_s": 300},
    ]
    with Server(ctx, answer_delay_s=1, channels=1000, extra_lines=lines, log_level="info") as srv:
        strangers = [BurstClient(srv.sip_port) for _ in range(4)]
        rej, busy, no_sdp = (BurstClient(srv.sip_port, p) for p in (rej_port, busy_port, srv.gateway_port))
        holder = busy.send("+12015557000", sdp=SDP)  # rings for 300 s, holding the busy line's channel
        time.sleep(0.3)
        jobs = [lambda c=c: _burst(c, "+12015557001", 100) for c in strangers]
        jobs += [lambda: _burst(rej, "+12015557002", 200), lambda: _burst(busy, "+12015557003", 200),
                 lambda: _burst(no_sdp, "+12015557004", 200)]
        run_parallel(jobs)
        try:
            for c in strangers:
                _expect_exact_phrases(ctx, c, 403)
            _expect_exact_phrases(ctx, rej, 603)
            _expect_exact_phrases(ctx, busy, 486, skip={holder})
            _expect_exact_phrases(ctx, no_sdp, 488)
        finally:
            for c in strangers + [rej, busy, no_sdp]:
                c.close()
        _expect_tcp_403(ctx, srv)
        check(srv.alive(), "callbackd died during the bursts")


def _final_over_tcp(sock):
    """The first final response on a TCP connection (1xx skipped; none of these answers has a body)."""
    data = b""
    while True:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return data
            data += chunk
        head, data = data.split(b"\r\n\r\n", 1)
        if not head.startswith(b"SIP/2.0 1"):
            return head + b"\r\n"


def _expect_tcp_403(ctx, srv):
    for i in range(20):
        with socket.create_connection(("127.0.0.1", srv.sip_port), timeout=5) as s:
            inv, _ = invite(srv.sip_port, f"127.0.0.1:{s.getsockname()[1]}", transport="TCP")
            s.sendall(inv)
            reply = _final_over_tcp(s)
            check(reply.startswith(b"SIP/2.0 403 Forbidden\r\n"), f"TCP INVITE #{i}: {reply[:60]!r}")
    ctx.log("20 INVITEs from a stranger over TCP: every one 'SIP/2.0 403 Forbidden'")
