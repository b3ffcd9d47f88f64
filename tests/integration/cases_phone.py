"""Calls from registered phones: an INVITE that is not from a line proves its extension by SIP digest (407), with
the same answers for a known and an unknown extension; a proven extension reaches the Auto Attendant or rings
another extension."""

import re
import time
import uuid

from cases_registrar import PASSWORD, REALM, Phone, _add_extension, _md5, _normalised, _server
from media import RtpReceiver
from registry import case
from server import check
from sipp import Sipp


class Caller(Phone):
    """A phone that places calls over raw UDP, so every byte of the 407s can be compared."""

    def __init__(self, srv, user, rtp_port=0):
        super().__init__(srv, user)
        self.rtp_port = rtp_port
        self.tag = "c" + uuid.uuid4().hex[:8]

    def _invite_text(self, target, call_id, cseq, auth):
        sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
               f"m=audio {self.rtp_port or 4000} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
               "a=rtpmap:101 telephone-event/8000\r\n")
        lines = [f"INVITE sip:{target}@{self.srv.sip_target} SIP/2.0",
                 f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{uuid.uuid4().hex};rport",
                 "Max-Forwards: 70",
                 f"From: <sip:{self.user}@{REALM}>;tag={self.tag}",
                 f"To: <sip:{target}@{REALM}>",
                 f"Call-ID: {call_id}",
                 f"CSeq: {cseq} INVITE",
                 f"Contact: <sip:{self.user}@127.0.0.1:{self.port}>",
                 "Content-Type: application/sdp"]
        if auth:
            lines.append(f"Proxy-Authorization: {auth}")
        lines += [f"Content-Length: {len(sdp)}", "", sdp]
        return "\r\n".join(lines)

    def _read(self, timeout=5):
        """The next response: (status, reason, [(name, value)], body)."""
        self.sock.settimeout(timeout)
        data = self.sock.recv(65535).decode()
        head, _, body = data.partition("\r\n\r\n")
        head = head.split("\r\n")
        status, reason = int(head[0].split(" ", 2)[1]), head[0].split(" ", 2)[2]
        headers = [tuple(x.strip() for x in h.split(":", 1)) for h in head[1:]]
        return status, reason, headers, body

    def _ack(self, target, call_id, cseq, to_header):
        lines = [f"ACK sip:{target}@{self.srv.sip_target} SIP/2.0",
                 f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{uuid.uuid4().hex};rport",
                 "Max-Forwards: 70", f"From: <sip:{self.user}@{REALM}>;tag={self.tag}", f"To: {to_header}",
                 f"Call-ID: {call_id}", f"CSeq: {cseq} ACK", "Content-Length: 0", "", ""]
        self.sock.sendto("\r\n".join(lines).encode(), ("127.0.0.1", self.srv.sip_port))

    def invite(self, target, auth=None, call_id=None, cseq=1, timeout=5):
        """Sends one INVITE, acknowledges its final response; returns (status, reason, headers, body, elapsed)."""
        call_id = call_id or uuid.uuid4().hex
        started = time.monotonic()
        self.sock.sendto(self._invite_text(target, call_id, cseq, auth).encode(),
                         ("127.0.0.1", self.srv.sip_port))
        while True:
            status, reason, headers, body = self._read(timeout)
            if status >= 200:
                elapsed = time.monotonic() - started
                self._ack(target, call_id, cseq, dict(headers)["To"])
                return status, reason, headers, body, elapsed

    def digest(self, headers, password, target, nc=1):
        """The Proxy-Authorization value answering a 407's Proxy-Authenticate."""
        challenge = dict(headers)["Proxy-Authenticate"]
        nonce = re.search(r'nonce="([^"]+)"', challenge).group(1)
        uri = f"sip:{target}@{self.srv.sip_target}"
        cnonce, ncs = uuid.uuid4().hex[:16], f"{nc:08x}"
        ha1 = _md5(f"{self.user}:{REALM}:{password}")
        response = _md5(f"{ha1}:{nonce}:{ncs}:{cnonce}:auth:{_md5('INVITE:' + uri)}")
        return (f'Digest username="{self.user}", realm="{REALM}", nonce="{nonce}", uri="{uri}", '
                f'response="{response}", algorithm=MD5, cnonce="{cnonce}", qop=auth, nc={ncs}')

    def call_with(self, target, password):
        """INVITE, the 407, and the INVITE again with credentials for `password` (same Call-ID, next CSeq)."""
        call_id = uuid.uuid4().hex
        status, _, headers, _, _ = self.invite(target, call_id=call_id)
        check(status == 407, f"INVITE without credentials -> {status}, expected 407")
        return self.invite(target, auth=self.digest(headers, password, target), call_id=call_id, cseq=2)


def _register(srv, user):
    phone = Phone(srv, user)
    status, _, _ = phone.register_with(PASSWORD, expires=60)
    check(status == 200, f"{user} REGISTER -> {status}")
    return phone


@case("phone-invite-known-and-unknown-expect-identical-407", timing=True)
def phone_invite_identical_407(ctx):
    """An INVITE from an address where no phone registered gets 403. From where a phone did, an INVITE that is
    not from a line is challenged with 407 Proxy-Authenticate; a known
    and an unknown extension get the same status, reason and headers (the nonce aside), with and without a wrong
    password, and neither reaches anything: no call record, no far INVITE."""
    with _server(ctx) as srv:
        _add_extension(srv, "201")
        stranger = Caller(srv, "201").invite("0")
        check(stranger[0] == 403, f"INVITE from where no phone registered -> {stranger[0]}, expected 403")
        _register(srv, "201")
        answers = {}
        for user in ("201", "299"):
            phone = Caller(srv, user)
            first = phone.invite("0")
            wrong = phone.invite("0", auth=phone.digest(first[2], "not-the-password", "0"), cseq=2)
            answers[user] = (first, wrong)
            for status, reason, headers, _, _ in (first, wrong):
                check(status == 407 and reason == "Proxy Authentication Required",
                      f"{user}: INVITE -> {status} {reason}, expected 407")
                challenge = dict(headers).get("Proxy-Authenticate", "")
                check(f'realm="{REALM}"' in challenge and 'qop="auth"' in challenge,
                      f"{user}: challenge {challenge!r}")
        for i in (0, 1):
            known, unknown = answers["201"][i][2], answers["299"][i][2]
            check(_normalised(known) == _normalised(unknown),
                  f"known and unknown answered differently:\n{known}\n{unknown}")
        timing = [answers[u][1][4] for u in ("201", "299")]
        ctx.log(f"known and unknown: identical 407s; wrong-password answers took {timing[0]*1000:.1f} and "
                f"{timing[1]*1000:.1f} ms")
        status, records = srv.request("GET", "/api/v1/call-records")
        check(status == 200 and not [r for r in records if r["direction"] == "phone"],
              f"a refused phone left a call record: {records}")


@case("phone-invite-right-password-expect-attendant-answers")
def phone_invite_attendant(ctx):
    """A registered extension that answers the 407 with the right password and dials attendant.number is
    answered by the Auto Attendant: 200 with SDP, and the greeting's RTP arrives at the phone's media port."""
    with _server(ctx) as srv, RtpReceiver() as rtp:
        _add_extension(srv, "201")
        _register(srv, "201")
        phone = Caller(srv, "201", rtp_port=rtp.port)
        status, reason, headers, body, _ = phone.call_with("0", PASSWORD)
        check(status == 200 and "m=audio" in body, f"authenticated INVITE to the attendant -> {status} {reason}")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(rtp.snapshot()) < 50:
            time.sleep(0.1)
        check(len(rtp.snapshot()) >= 50, f"the attendant's audio did not arrive: {len(rtp.snapshot())} packets")
        ctx.log(f"attendant answered extension 201: {len(rtp.snapshot())} RTP packets of its greeting")


def _call_extension(ctx, srv, uas, rtp):
    """201 calls 202, whose phone is the sipp UAS `uas`; checks the callee's INVITE and the caller's 200."""
    uas.start()
    time.sleep(0.5)
    caller = Caller(srv, "201", rtp_port=rtp.port)
    status, reason, _, body, elapsed = caller.call_with("202", PASSWORD)
    check(status == 200 and "m=audio" in body, f"201 calling 202 -> {status} {reason}")
    uas.wait(timeout=15)
    invite = uas.first("received", "INVITE")
    check(invite is not None, "202's phone got no INVITE")
    check("sip:201@" in invite.header("From"), f"the callee sees {invite.header('From')!r}, expected 201")
    ctx.log(f"202 rang and answered; 201 got 200 after {elapsed:.2f} s")


@case("phone-invite-extension-expect-callee-rings-and-bridged")
def phone_invite_extension(ctx):
    """Extension 201 calls extension 202: callbackd sends an INVITE to 202's registered contact (from 201's
    number), and when 202 answers, 201 gets the 200. An unregistered extension answers 480, a number that is no
    extension 404."""
    with _server(ctx) as srv, RtpReceiver() as rtp:
        _add_extension(srv, "201")
        _add_extension(srv, "202")
        callee = _register(srv, "202")
        port = callee.port
        callee.sock.close()  # sipp answers on the registered contact's port from here on
        with RtpReceiver() as callee_rtp:
            uas = Sipp(ctx, "callee", "callback-answer-expect-ack.xml", port, keys={"rtp_port": callee_rtp.port})
            _call_extension(ctx, srv, uas, rtp)
        for target, expected in (("203", 480), ("12015551234", 404)):
            status, reason, _, _, _ = Caller(srv, "201").call_with(target, PASSWORD)
            check(status == expected, f"201 calling {target} -> {status} {reason}, expected {expected}")
        ctx.log("an extension with no phone gets 480, a PSTN number 404")
