"""The registrar: REGISTER with SIP digest (RFC 2617, MD5, qop=auth) over UDP, bindings, and what the API shows."""

import hashlib
import re
import socket
import time
import uuid

from registry import case
from server import Server, check

REALM = "callbackd.test"
PASSWORD = "7f3k-pass-of-the-desk"


def _md5(text):
    return hashlib.md5(text.encode()).hexdigest()


class Phone:
    """A SIP phone speaking raw UDP from its own port, so each message's bytes are ours to choose and read."""

    def __init__(self, srv, user, host="127.0.0.1"):
        self.srv = srv
        self.user = user
        self.host = host
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.settimeout(5)
        self.port = self.sock.getsockname()[1]
        self.call_id = uuid.uuid4().hex
        self.cseq = 0

    def register(self, contacts=None, expires=None, auth=None):
        """Sends one REGISTER; returns (status, reason, [(name, value)]) of the final response."""
        self.cseq += 1
        uri = f"sip:{self.srv.sip_target}"
        contacts = [f"<sip:{self.user}@{self.host}:{self.port}>"] if contacts is None else contacts
        lines = [f"REGISTER {uri} SIP/2.0",
                 f"Via: SIP/2.0/UDP {self.host}:{self.port};branch=z9hG4bK{uuid.uuid4().hex};rport",
                 "Max-Forwards: 70",
                 f"From: <sip:{self.user}@{REALM}>;tag=t{self.call_id[:8]}",
                 f"To: <sip:{self.user}@{REALM}>",
                 f"Call-ID: {self.call_id}",
                 f"CSeq: {self.cseq} REGISTER"]
        lines += [f"Contact: {c}" for c in contacts]
        if expires is not None:
            lines.append(f"Expires: {expires}")
        if auth:
            lines.append(f"Authorization: {auth}")
        lines += ["Content-Length: 0", "", ""]
        self.sock.sendto("\r\n".join(lines).encode(), ("127.0.0.1", self.srv.sip_port))
        while True:
            data = self.sock.recv(65535).decode()
            head = data.split("\r\n\r\n", 1)[0].split("\r\n")
            status, reason = int(head[0].split(" ", 2)[1]), head[0].split(" ", 2)[2]
            if status >= 200:
                headers = [tuple(x.strip() for x in h.split(":", 1)) for h in head[1:]]
                return status, reason, headers

    def credentials(self, challenge_headers, password, nc=1, user=None, uri=None):
        """The Authorization value answering a 401's WWW-Authenticate."""
        www = dict(challenge_headers)["WWW-Authenticate"]
        nonce = re.search(r'nonce="([^"]+)"', www).group(1)
        user = user or self.user
        uri = uri or f"sip:{self.srv.sip_target}"
        cnonce, ncs = uuid.uuid4().hex[:16], f"{nc:08x}"
        ha1 = _md5(f"{user}:{REALM}:{password}")
        response = _md5(f"{ha1}:{nonce}:{ncs}:{cnonce}:auth:{_md5('REGISTER:' + uri)}")
        return (f'Digest username="{user}", realm="{REALM}", nonce="{nonce}", uri="{uri}", '
                f'response="{response}", algorithm=MD5, cnonce="{cnonce}", qop=auth, nc={ncs}')

    def register_with(self, password, **kw):
        status, _, headers = self.register(**kw)
        check(status == 401, f"REGISTER without credentials -> {status}, expected 401")
        return self.register(auth=self.credentials(headers, password), **kw)


def _server(ctx, **sip):
    srv = Server(ctx, sip_options={"realm": REALM, "min_expires_s": 2, **sip})
    return srv


def _add_extension(srv, number):
    status, body = srv.request("POST", "/api/v1/extensions", {"number": number, "name": "Desk", "password": PASSWORD})
    check(status == 201, f"POST /api/v1/extensions -> {status} {body}")
    check(body["needs_new_password"] is False and body["registered"] is False, f"new extension: {body}")


def _extension(srv, number):
    status, body = srv.request("GET", f"/api/v1/extensions/{number}")
    check(status == 200, f"GET /api/v1/extensions/{number} -> {status}")
    listed = [e for e in srv.request("GET", "/api/v1/extensions")[1] if e["number"] == number]
    check(listed == [body] or (listed and listed[0]["registered"] == body["registered"]),
          f"the list and the item disagree: {listed} {body}")
    return body


def _contacts(headers):
    return sorted(v for k, v in headers if k.lower() in ("contact", "m"))


@case("register-right-password-expect-200-contacts")
def register_right_password(ctx):
    """An extension registers two phones with the right password: 200 lists both contacts with their expiry, the
    API shows it registered with both; Expires 0 removes one, `Contact: *` removes all, a short binding expires,
    an interval below sip.min_expires_s gets 423 with Min-Expires."""
    with _server(ctx) as srv:
        _add_extension(srv, "201")
        desk, soft = Phone(srv, "201"), Phone(srv, "201")
        status, reason, headers = desk.register_with(PASSWORD, expires=60)
        check(status == 200, f"right password -> {status} {reason}, expected 200")
        check(_contacts(headers) == [f"<sip:201@127.0.0.1:{desk.port}>;expires=60"], f"200 contacts: {headers}")
        status, _, headers = soft.register_with(PASSWORD, expires=30)
        check(status == 200 and len(_contacts(headers)) == 2, f"second phone -> {status} {headers}")
        ext = _extension(srv, "201")
        check(ext["registered"] and sorted(c["uri"] for c in ext["contacts"]) ==
              sorted(f"sip:201@127.0.0.1:{p.port}" for p in (desk, soft)), f"API after two REGISTERs: {ext}")
        ctx.log(f"two contacts registered and listed: {ext['contacts']}")

        status, _, headers = soft.register_with(PASSWORD, expires=0)
        check(status == 200 and _contacts(headers) == [f"<sip:201@127.0.0.1:{desk.port}>;expires=60"] or
              (status == 200 and len(_contacts(headers)) == 1 and str(desk.port) in _contacts(headers)[0]),
              f"Expires 0 for one contact -> {status} {headers}")
        check(len(_extension(srv, "201")["contacts"]) == 1, "one contact left after unregistering the other")

        status, _, headers = desk.register_with(PASSWORD, contacts=["*"], expires=0)
        check(status == 200 and _contacts(headers) == [], f"Contact: * -> {status} {headers}")
        check(_extension(srv, "201")["registered"] is False, "registered after Contact: *")
        ctx.log("unregistered one contact, then all with Contact: *")

        status, _, headers = desk.register_with(PASSWORD, expires=1)
        check(status == 423 and dict(headers).get("Min-Expires") == "2", f"Expires 1 -> {status} {headers}")
        status, _, _ = desk.register_with(PASSWORD, expires=2)
        check(status == 200 and _extension(srv, "201")["registered"], f"Expires 2 -> {status}")
        time.sleep(3)
        check(_extension(srv, "201")["registered"] is False, "still registered 3 s after a 2 s binding")
        ctx.log("423 below the minimum; a 2 s binding expired")


def _normalised(headers):
    """Header names and values, the nonce and the echoed To/Via/From/Call-ID/CSeq taken out."""
    out = []
    for name, value in headers:
        if name.lower() in ("to", "from", "via", "call-id", "cseq", "t", "f", "v", "i"):
            continue
        out.append((name, re.sub(r'nonce="[^"]*"', 'nonce=""', value)))
    return out


@case("register-wrong-password-expect-401-same-as-unknown")
def register_wrong_password(ctx):
    """A wrong password gets 401 with a fresh challenge and a sip-digest-failed security event; an unknown
    extension gets exactly the same answer (status, reason, every header but the nonce); a replayed nonce count
    is refused; an expired nonce with the right password gets stale=true."""
    with _server(ctx, nonce_ttl_s=10) as srv:
        _add_extension(srv, "202")
        known, unknown = Phone(srv, "202"), Phone(srv, "299")
        answers = []
        for phone in (known, unknown):
            status, reason, headers = phone.register()
            first = (status, reason, _normalised(headers))
            status, reason, headers = phone.register(auth=phone.credentials(headers, "wrong-pass"))
            answers.append((first, (status, reason, _normalised(headers))))
        check(answers[0][1][0] == 401, f"wrong password -> {answers[0][1]}")
        check(answers[0] == answers[1], f"known and unknown extensions answered differently:\n{answers[0]}\n{answers[1]}")
        check(_extension(srv, "202")["registered"] is False, "registered after a wrong password")
        log = srv.log_text()
        check(re.search(r'security: sip-digest-failed from=127\.0\.0\.1 port="\d+" user="202"', log), "no event for 202")
        check(re.search(r'security: sip-digest-failed from=127\.0\.0\.1 port="\d+" user="299"', log), "no event for 299")
        check(PASSWORD not in log and "wrong-pass" not in log, "a password is in the log")
        ctx.log(f"wrong password and unknown user both: {answers[0][1][0]} {answers[0][1][1]}, same headers")

        status, _, challenge = known.register()
        auth = known.credentials(challenge, PASSWORD, nc=1)
        check(known.register(auth=auth)[0] == 200, "right password after the failures")
        check(known.register(auth=auth)[0] == 401, "the same nonce count again was accepted (replay)")
        check(known.register(auth=known.credentials(challenge, PASSWORD, nc=2))[0] == 200, "nc 2 on the same nonce")
        ctx.log("replayed nc refused, the next nc accepted")

        time.sleep(11)
        status, _, headers = known.register(auth=known.credentials(challenge, PASSWORD, nc=3))
        www = dict(headers).get("WWW-Authenticate", "")
        check(status == 401 and "stale=true" in www, f"expired nonce -> {status} {www}")
        status, _, _ = known.register(auth=known.credentials(headers, PASSWORD))
        check(status == 200, f"the new nonce after stale -> {status}")
        ctx.log("an expired nonce got stale=true; the new one worked")
