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
    __slots__ = ("arrival", "source", "payload_type", "marker", "seq", "timestamp", "ssrc", "payload")

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
