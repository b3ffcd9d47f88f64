"""Hand-built SIP messages for the security cases: INVITEs with hostile Via headers, their ACKs, and a client
that sends bursts of INVITEs and collects every final response by Call-ID."""

import re
import socket
import threading
import time
import uuid

from server import LINE_NUMBER

# Via sent-by values and parameters that once reached, or could reach, a failed send of the final response
# followed by nta's assertion on the ACK (port 0 and a broadcast maddr did; the rest are their siblings).
HOSTILE_VIAS = [
    "127.0.0.1:0",
    "127.0.0.1:99999",
    "127.0.0.1:65536",
    "127.0.0.1:-1",
    ":5060",
    "0.0.0.0:0",
    "[::1]:5060",
    "127.0.0.1;maddr=0.0.0.0",
    "127.0.0.1;maddr=255.255.255.255",
    "127.0.0.1;maddr=224.0.0.1;ttl=1",
    "127.0.0.1;maddr=[::1]",
    "127.0.0.1;maddr=127.0.0.1:0",
    "127.0.0.1:0;rport",
    "127.0.0.1;rport=0",
    "127.0.0.1:5060;rport=99999",
    "127.0.0.1;received=",
    "127.0.0.1;received=255.255.255.255",
]


def invite(target_port, sentby, transport="UDP", call_id=None, branch=None, caller="+12015551001", sdp=None,
           contact="127.0.0.1"):
    """(INVITE, its ACK): same Call-ID, branch and CSeq number, as a client sends for a non-2xx final answer."""
    call_id = call_id or uuid.uuid4().hex + "@hostile"
    branch = branch or "z9hG4bK" + uuid.uuid4().hex[:16]
    body = sdp or ""
    head = (f"sip:{LINE_NUMBER}@127.0.0.1:{target_port} SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} {sentby};branch={branch}\r\nMax-Forwards: 70\r\n"
            f"From: <sip:{caller}@127.0.0.1>;tag=h{branch[-8:]}\r\nTo: <sip:{LINE_NUMBER}@127.0.0.1>\r\n"
            f"Call-ID: {call_id}\r\n")
    inv = (f"INVITE {head}CSeq: 1 INVITE\r\nContact: <sip:{caller}@{contact}>\r\n"
           + ("Content-Type: application/sdp\r\n" if body else "")
           + f"Content-Length: {len(body.encode())}\r\n\r\n{body}")
    ack = f"ACK {head}CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
    return inv.encode(), ack.encode()


def two_packets_udp(port, sentby, gap_s, src_port=0):
    """The INVITE, then gap_s later its ACK, from one UDP socket (src_port 0: a fresh port)."""
    inv, ack = invite(port, sentby)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", src_port))
        s.sendto(inv, ("127.0.0.1", port))
        time.sleep(gap_s)
        s.sendto(ack, ("127.0.0.1", port))


def two_packets_tcp(port, sentby, gap_s):
    """The same over one TCP connection (the Via says TCP)."""
    inv, ack = invite(port, sentby, transport="TCP")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(inv)
            time.sleep(gap_s)
            s.sendall(ack)
            time.sleep(0.05)
    except OSError:
        pass  # the server may close a connection whose message it refused; surviving is what counts


def run_parallel(jobs):
    """Runs callables in threads and waits for all of them."""
    threads = [threading.Thread(target=j, daemon=True) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)


SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


class BurstClient:
    """A UDP client on one port: sends INVITEs, records the first final response per Call-ID (raw bytes),
    and ACKs every final response so that the server stops retransmitting it."""

    def __init__(self, server_port, src_port=0, src_host="127.0.0.1"):
        self.server_port = server_port
        self.src_host = src_host  # another loopback address (127.0.0.2) is a host that is no line's gateway
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind((src_host, src_port))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.sent = {}  # call_id -> ack template
        self.invites = {}  # call_id -> the INVITE, retransmitted like timer A until a final response comes
        self.finals = {}  # call_id -> raw final response
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def send(self, caller, sdp=None):
        call_id = uuid.uuid4().hex + "@burst"
        inv, ack = invite(self.server_port, f"{self.src_host}:{self.port};rport", call_id=call_id, caller=caller,
                          sdp=sdp)
        self.sent[call_id] = ack
        self.invites[call_id] = inv
        self.sock.sendto(inv, ("127.0.0.1", self.server_port))
        return call_id

    def _receive(self):
        while not self._stop.is_set():
            try:
                data = self.sock.recvfrom(65535)[0]
            except socket.timeout:
                continue
            except OSError:
                return
            m = re.match(rb"SIP/2\.0 (\d{3}) ", data)
            cid = re.search(rb"\r\nCall-ID: *([^\r\n]+)", data, re.I)
            if not m or not cid or int(m.group(1)) < 200:
                continue
            call_id = cid.group(1).decode()
            self.finals.setdefault(call_id, data)
            self._ack(call_id, data)

    def _ack(self, call_id, response):
        ack = self.sent.get(call_id)
        to = re.search(rb"\r\nTo: *([^\r\n]+)", response, re.I)
        if ack is None or to is None:
            return
        ack = re.sub(rb"\r\nTo: [^\r\n]+", b"\r\nTo: " + to.group(1).replace(b"\\", b"\\\\"), ack, count=1)
        try:
            self.sock.sendto(ack, ("127.0.0.1", self.server_port))
        except OSError:
            pass

    def cancel(self, call_id):
        """CANCELs a sent INVITE that has no final response yet (same Call-ID, branch and CSeq number)."""
        cancel = self.sent[call_id].replace(b"ACK ", b"CANCEL ", 1).replace(b"CSeq: 1 ACK", b"CSeq: 1 CANCEL")
        self.sock.sendto(cancel, ("127.0.0.1", self.server_port))

    def wait_all(self, timeout_s, skip=()):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            waiting = [c for c in self.sent if c not in self.finals and c not in skip]
            if not waiting:
                return
            time.sleep(0.5)
            for c in waiting:  # a loopback burst can overflow a socket buffer; a UAC retransmits
                self.sock.sendto(self.invites[c], ("127.0.0.1", self.server_port))

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
