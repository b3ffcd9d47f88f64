"""A minimal PSTN gateway on one UDP port for the line cases: answers OPTIONS with 200 and every INVITE with a
fixed final status (486 by default), absorbs ACKs, and records the request line of everything it got. It can be
stopped (the port is closed: the server's OPTIONS then go unanswered) and started again on the same port."""

import re
import socket
import threading


def _header(data, name):
    m = re.search(rb"\r\n" + name + rb": *([^\r\n]*)", data, re.I)
    return m.group(1) if m else b""


def _response(request, status, reason, to_tag=None):
    lines = [f"SIP/2.0 {status} {reason}".encode()]
    for name in (b"Via", b"From", b"Call-ID", b"CSeq"):
        for m in re.finditer(rb"\r\n(" + name + rb"): *([^\r\n]*)", request, re.I):
            lines.append(m.group(1) + b": " + m.group(2))
    to = _header(request, b"To")
    if to_tag and b";tag=" not in to:
        to += b";tag=" + to_tag
    lines.append(b"To: " + to)
    lines.append(b"Content-Length: 0")
    return b"\r\n".join(lines) + b"\r\n\r\n"


class FakeGateway:
    def __init__(self, port, invite_status=486, invite_reason="Busy Here"):
        self.port = port
        self.invite_status = invite_status
        self.invite_reason = invite_reason
        self.requests = []  # (method, request line) in arrival order, across restarts
        self._sock = None
        self._thread = None
        self._stop = threading.Event()

    def start(self):
        self._stop.clear()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", self.port))
        self._sock.settimeout(0.1)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        if self._sock:
            self._sock.close()
        self._sock = self._thread = None

    def invites(self):
        return [line for method, line in self.requests if method == "INVITE"]

    def options(self):
        return [line for method, line in self.requests if method == "OPTIONS"]

    def _run(self):
        sock = self._sock
        while not self._stop.is_set():
            try:
                data, src = sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            first = data.split(b"\r\n", 1)[0].decode("utf-8", "replace")
            method = first.split(" ", 1)[0]
            if method.startswith("SIP/"):
                continue
            self.requests.append((method, first))
            if method == "OPTIONS":
                reply = _response(data, 200, "OK")
            elif method == "INVITE":
                reply = _response(data, self.invite_status, self.invite_reason, to_tag=b"gw1")
            elif method in ("BYE", "CANCEL"):
                reply = _response(data, 200, "OK")
            else:
                continue  # ACK
            try:
                sock.sendto(reply, src)
            except OSError:
                pass
