"""Media helpers for the whole-call tests: G.711 u-law, in-band DTMF tones as a pcap, and an RTP receiver.

Standard library only. The u-law codec is written out here (audioop is deprecated and gone in Python 3.13).
"""

import math
import socket
import struct
import threading
import time

ULAW_BIAS = 0x21  # in the 14-bit domain of the encoder
ULAW_CLIP = 8159
ULAW_DECODE_BIAS = 0x84
SAMPLE_RATE = 8000
SAMPLES_PER_PACKET = 160  # 20 ms at 8 kHz

# ITU-T Q.23 frequency pairs (low, high) in Hz.
DTMF_FREQS = {
    "1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "A": (697, 1633),
    "4": (770, 1209), "5": (770, 1336), "6": (770, 1477), "B": (770, 1633),
    "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "C": (852, 1633),
    "*": (941, 1209), "0": (941, 1336), "#": (941, 1477), "D": (941, 1633),
}


def ulaw_encode_sample(sample):
    """One signed 16-bit linear sample to a G.711 u-law byte (the 14-bit algorithm of ITU-T G.711 / g711.c)."""
    value = sample >> 2
    if value < 0:
        value, mask = -value, 0x7F
    else:
        mask = 0xFF
    value = min(value, ULAW_CLIP) + ULAW_BIAS
    segment = max(0, value.bit_length() - 6)  # which of the 8 chords the biased value falls in
    if segment > 7:
        return (0x7F ^ mask) & 0xFF
    return (((segment << 4) | ((value >> (segment + 1)) & 0x0F)) ^ mask) & 0xFF


def ulaw_decode_sample(byte):
    u = ~byte & 0xFF
    exponent = (u >> 4) & 0x07
    magnitude = (((u & 0x0F) << 3) + ULAW_DECODE_BIAS) << exponent
    magnitude -= ULAW_DECODE_BIAS
    return -magnitude if u & 0x80 else magnitude


_ULAW_DECODE_TABLE = [ulaw_decode_sample(b) for b in range(256)]


def ulaw_encode(samples):
    return bytes(ulaw_encode_sample(s) for s in samples)


def ulaw_decode(data):
    return [_ULAW_DECODE_TABLE[b] for b in data]


def alaw_decode_sample(byte):
    """G.711 A-law to a linear sample (ITU-T G.711, the inverse of the even-bit inversion and segments)."""
    a = byte ^ 0x55
    segment = (a & 0x70) >> 4
    value = (a & 0x0F) << 4
    value += 8 if segment == 0 else 0x108
    if segment > 1:
        value <<= segment - 1
    return value if a & 0x80 else -value


def alaw_decode(data):
    return [alaw_decode_sample(b) for b in data]


def rms(samples):
    if not samples:
        return 0.0
    return math.sqrt(sum(s * s for s in samples) / len(samples))


def dtmf_samples(digits, tone_ms=100, gap_ms=100, level_dbfs=-10.0, lead_ms=200, tail_ms=400):
    """Linear samples of the digits: each a sum of its two sines at level_dbfs each, tone_ms on, gap_ms off."""
    amplitude = 32767 * 10 ** (level_dbfs / 20)
    out = [0] * (SAMPLE_RATE * lead_ms // 1000)
    for i, digit in enumerate(digits):
        low, high = DTMF_FREQS[digit]
        n = SAMPLE_RATE * tone_ms // 1000
        for t in range(n):
            x = amplitude * (math.sin(2 * math.pi * low * t / SAMPLE_RATE)
                             + math.sin(2 * math.pi * high * t / SAMPLE_RATE))
            out.append(int(round(x)))
        gap = gap_ms if i + 1 < len(digits) else tail_ms
        out.extend([0] * (SAMPLE_RATE * gap // 1000))
    # Whole packets only.
    out.extend([0] * (-len(out) % SAMPLES_PER_PACKET))
    return out


def _ipv4_checksum(header):
    total = sum(struct.unpack("!10H", header))
    total = (total & 0xFFFF) + (total >> 16)
    total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _ethernet_ipv4_udp(payload, src=("127.0.0.1", 6000), dst=("127.0.0.1", 6002)):
    udp = struct.pack("!HHHH", src[1], dst[1], 8 + len(payload), 0) + payload  # checksum 0: none (IPv4)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     socket.inet_aton(src[0]), socket.inet_aton(dst[0]))
    ip = ip[:10] + struct.pack("!H", _ipv4_checksum(ip)) + ip[12:]
    ethernet = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00"
    return ethernet + ip + udp


def write_ulaw_rtp_pcap(path, samples, ssrc=0x1234ABCD, payload_type=0):
    """The samples as PCMU RTP packets (20 ms each, seq +1, timestamp +160) in a libpcap file (Ethernet link)."""
    records = []
    start = 1_700_000_000.0
    for i in range(0, len(samples), SAMPLES_PER_PACKET):
        k = i // SAMPLES_PER_PACKET
        marker = 0x80 if k == 0 else 0
        rtp = struct.pack("!BBHII", 0x80, marker | payload_type, (1000 + k) & 0xFFFF,
                          (8000 + i) & 0xFFFFFFFF, ssrc)
        frame = _ethernet_ipv4_udp(rtp + ulaw_encode(samples[i:i + SAMPLES_PER_PACKET]))
        when = start + k * 0.020
        sec = int(when)
        usec = int(round((when - sec) * 1e6))
        records.append(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # LINKTYPE_ETHERNET
        f.write(b"".join(records))


def write_dtmf_pcap(path, digits):
    write_ulaw_rtp_pcap(path, dtmf_samples(digits))


class RtpPacket:
    __slots__ = ("arrival", "source", "payload_type", "marker", "seq", "timestamp", "ssrc", "payload", "wall")

    def __init__(self, arrival, source, data):
        b0, b1, self.seq, self.timestamp, self.ssrc = struct.unpack("!BBHII", data[:12])
        csrc_count = b0 & 0x0F
        offset = 12 + 4 * csrc_count
        if b0 & 0x10 and len(data) >= offset + 4:  # header extension
            offset += 4 + 4 * struct.unpack("!H", data[offset + 2:offset + 4])[0]
        payload = data[offset:]
        if b0 & 0x20 and payload:  # padding
            payload = payload[:-payload[-1]]
        self.arrival = arrival
        self.source = source
        self.payload_type = b1 & 0x7F
        self.marker = bool(b1 & 0x80)
        self.payload = payload


class RtpReceiver:
    """Binds a UDP port on 127.0.0.1 and records every RTP packet that arrives, in a background thread."""

    def __init__(self, port=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.packets = []
        self.junk = 0  # datagrams too short or not RTP version 2
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                data, source = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                break
            now = time.monotonic()
            with self._lock:
                if len(data) < 12 or data[0] >> 6 != 2:
                    self.junk += 1
                else:
                    self.packets.append(RtpPacket(now, source, data))

    def snapshot(self):
        with self._lock:
            return list(self.packets)

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def describe_audio(packets, payload_type=0):
    """Summary of a received G.711 u-law stream: counts, loudness, pacing and sequence continuity."""
    audio = [p for p in packets if p.payload_type == payload_type]
    levels = [rms(ulaw_decode(p.payload)) for p in audio]
    gaps = sorted(b.arrival - a.arrival for a, b in zip(audio, audio[1:]))
    seq_steps = [(b.seq - a.seq) & 0xFFFF for a, b in zip(audio, audio[1:])]
    ts_steps = [(b.timestamp - a.timestamp) & 0xFFFFFFFF for a, b in zip(audio, audio[1:])]
    return {
        "packets": len(packets),
        "audio_packets": len(audio),
        "payload_types": sorted({p.payload_type for p in packets}),
        "ssrcs": sorted({p.ssrc for p in audio}),
        "payload_sizes": sorted({len(p.payload) for p in audio}),
        "max_rms": max(levels, default=0.0),
        "loud_packets": sum(1 for v in levels if v > 300),
        "median_gap_ms": 1000 * gaps[len(gaps) // 2] if gaps else None,
        "seq_step_ok": sum(1 for s in seq_steps if s == 1),
        "ts_step_ok": sum(1 for s in ts_steps if s == len(audio[0].payload)) if audio else 0,
    }


def alaw_encode_sample(sample):
    """One signed 16-bit linear sample to a G.711 A-law byte (ITU-T G.711: 13-bit segments, even bits inverted)."""
    value = sample >> 3
    if value >= 0:
        mask = 0xD5
    else:
        mask = 0x55
        value = -value - 1
    segment = max(0, value.bit_length() - 5)  # which of the 8 segments the 12-bit magnitude falls in
    if segment > 7:
        return (0x7F ^ mask) & 0xFF
    mantissa = (value >> max(segment, 1)) & 0x0F
    return (((segment << 4) | mantissa) ^ mask) & 0xFF


def alaw_encode(samples):
    return bytes(alaw_encode_sample(s) for s in samples)


def tone_samples(hz, ms, level=12000, rate=SAMPLE_RATE):
    """A steady sine with no sample at zero (phase pi/8), so that every sign change is one zero crossing."""
    return [int(level * math.sin(2 * math.pi * hz * i / rate + math.pi / 8)) for i in range(rate * ms // 1000)]


def zero_crossing_hz(samples, rate=SAMPLE_RATE):
    """The frequency of a steady tone from its zero crossings (two per period)."""
    if len(samples) < 2:
        return 0.0
    crossings = sum(1 for a, b in zip(samples, samples[1:]) if (a < 0) != (b < 0))
    return crossings * rate / (2.0 * len(samples))


def decoded(packet):
    """The linear samples of a PCMU (0) or PCMA (8) packet; [] for any other payload type."""
    if packet.payload_type == 0:
        return ulaw_decode(packet.payload)
    if packet.payload_type == 8:
        return alaw_decode(packet.payload)
    return []


def is_tone(samples, hz, rate=SAMPLE_RATE, tolerance_hz=60, min_rms=1000):
    """Whether samples carry a steady tone of about hz (loud, and with its zero-crossing rate)."""
    return bool(samples) and rms(samples) >= min_rms and abs(zero_crossing_hz(samples, rate) - hz) <= tolerance_hz


def tone_packets(packets, hz, tolerance_hz=60, min_rms=1000):
    """The audio packets that carry a steady tone of about hz."""
    return [p for p in packets if is_tone(decoded(p), hz, tolerance_hz=tolerance_hz, min_rms=min_rms)]


def tone_frames(samples, hz, rate=SAMPLE_RATE, frame_ms=20, **kw):
    """How many whole frame_ms frames of a recording carry a steady tone of about hz."""
    n = rate * frame_ms // 1000
    return sum(1 for i in range(0, len(samples) - n + 1, n) if is_tone(samples[i:i + n], hz, rate, **kw))


def rfc4733_events(packets, payload_type):
    """The digits carried as RFC 4733 events of payload_type, one per event (its first packet)."""
    keys = "0123456789*#ABCD"
    digits, last = [], None
    for p in packets:
        if p.payload_type != payload_type or len(p.payload) < 4:
            continue
        if p.timestamp != last and p.payload[0] < len(keys):
            digits.append(keys[p.payload[0]])
            last = p.timestamp
    return "".join(digits)


class RtpPeer(RtpReceiver):
    """An RTP endpoint: records what arrives, like RtpReceiver, and once the first packet has come (the server
    sends from the port its SDP named, and latches on to where it hears us from) plays a script back to that
    source from the same socket, paced at 20 ms: ("audio", samples) in the codec's payload type (0 PCMU or
    8 PCMA), ("dtmf", digit) as RFC 4733 events of event_pt, ("wait_for", event) until a threading.Event is
    set, ("mark", name) to note when a step was reached (peer.marks[name], time.time())."""

    def __init__(self, script, codec_pt=0, event_pt=101, lead_ms=0):
        self.script = list(script)
        self.codec_pt = codec_pt
        self.event_pt = event_pt
        self.lead_ms = lead_ms
        self.marks = {}
        self.sent = 0
        self._first = threading.Event()
        self._source = None
        super().__init__()
        self._player = threading.Thread(target=self._play, daemon=True)
        self._player.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                data, source = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                break
            now = time.monotonic()
            with self._lock:
                if len(data) < 12 or data[0] >> 6 != 2:
                    self.junk += 1
                    continue
                packet = RtpPacket(now, source, data)
                packet.wall = time.time()
                self.packets.append(packet)
                if self._source is None:
                    self._source = source
                    self._first.set()

    def _send(self, state, pt, payload, marker=False, advance=True):
        header = struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, state["seq"] & 0xFFFF,
                             state["ts"] & 0xFFFFFFFF, 0x5EED0001 + self.codec_pt)
        state["next"] += 0.020
        delay = state["next"] - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            self.sock.sendto(header + payload, self._source)
            self.sent += 1
        except OSError:
            return
        state["seq"] += 1
        if advance:
            state["ts"] += SAMPLES_PER_PACKET

    def _audio(self, state, samples):
        encode = alaw_encode if self.codec_pt == 8 else ulaw_encode
        samples = list(samples) + [0] * (-len(samples) % SAMPLES_PER_PACKET)
        for i in range(0, len(samples), SAMPLES_PER_PACKET):
            if self._stop.is_set():
                return
            self._send(state, self.codec_pt, encode(samples[i:i + SAMPLES_PER_PACKET]))

    def _dtmf(self, state, digit):
        """One digit as sipp's pcaps send it: 7 packets of one event, then 3 end packets, then 80 ms silence."""
        event = "0123456789*#ABCD".index(digit)
        for k in range(10):
            end = k >= 7
            duration = SAMPLES_PER_PACKET * min(k + 1, 7)
            payload = struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration)
            self._send(state, self.event_pt, payload, marker=k == 0, advance=False)
        state["ts"] += SAMPLES_PER_PACKET * 7
        self._audio(state, [0] * (SAMPLES_PER_PACKET * 4))

    def _play(self):
        while not self._first.wait(0.05):
            if self._stop.is_set():
                return
        state = {"seq": 4000, "ts": 160000, "next": time.monotonic() + self.lead_ms / 1000.0}
        for kind, arg in self.script:
            if self._stop.is_set():
                return
            if kind == "audio":
                self._audio(state, arg)
            elif kind == "dtmf":
                for digit in arg:
                    self._dtmf(state, digit)
            elif kind == "wait_for":
                while not arg.wait(0.02):
                    self._audio(state, [0] * SAMPLES_PER_PACKET)  # silence keeps the stream alive
                    if self._stop.is_set():
                        return
            elif kind == "mark":
                self.marks[arg] = time.time()
        # Silence to the end, so that the server's latched stream carries on.
        while not self._stop.is_set():
            self._audio(state, [0] * SAMPLES_PER_PACKET)

    def close(self):
        self._stop.set()
        self._player.join(timeout=2)
        super().close()
