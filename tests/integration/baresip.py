"""Runs baresip 1.0.0 (Debian's baresip-core) headless as a real softphone, driven over its ctrl_tcp socket.

Each Baresip gets its own config directory in the case's temp dir, free ports for SIP (and the TLS port baresip
opens on SIP + 1), RTP and ctrl_tcp, a sine tone as its microphone (ausine) and no sound card (aubridge). The
sndfile filter writes what it hears, decoded, to dump-*-dec.wav in that directory: that file is the audio that
reached the phone, read back with heard() and checked by frequency (media.tone_frames). The account is added
over ctrl_tcp (uanew) once the harness listens, so no REGISTER_OK or REGISTER_FAIL event is missed.

ctrl_tcp speaks netstrings ("<length>:<bytes>,") of JSON: commands {"command", "params", "token"} are answered by
{"response": true, "ok", "data", "token"}; events {"event": true, "type", "class", "param", ...} arrive unasked.
"""

import glob
import json
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
import wave

from server import TestFailure, free_port, free_port_block

MODULES = "/usr/lib/baresip/modules"
RTP_PORTS = 10  # baresip takes an even port for RTP and the next for RTCP, for each call


class Netstrings:
    """Splits a byte stream into netstrings."""

    def __init__(self):
        self.buffer = b""

    def feed(self, data):
        self.buffer += data
        out = []
        while b":" in self.buffer:
            head, rest = self.buffer.split(b":", 1)
            if not head.isdigit():
                raise TestFailure(f"ctrl_tcp: not a netstring: {self.buffer[:40]!r}")
            size = int(head)
            if len(rest) < size + 1:
                break
            if rest[size:size + 1] != b",":
                raise TestFailure(f"ctrl_tcp: netstring of {size} bytes not ended by a comma: {rest[:size + 1]!r}")
            out.append(rest[:size])
            self.buffer = rest[size + 1:]
        return out


def netstring(payload):
    return str(len(payload)).encode() + b":" + payload + b","


class Baresip:
    """One baresip process with one account, used as a context manager: quit over ctrl_tcp on exit, killed if it
    does not exit within a few seconds. registrar: "host:port" to register there (with password); tone_hz: the
    frequency of its microphone's sine; answermode: "auto" answers every incoming call at once; regint: the
    registration interval in seconds, 0 for none (the AOR's host is then only a name)."""

    def __init__(self, ctx, name, user, registrar, password=None, regint=0, tone_hz=1000, answermode="auto"):
        self.ctx = ctx
        self.name = name
        self.user = user
        self.registrar = registrar
        self.dir = ctx.tempdir("baresip-" + name)
        self.sip_port = free_port_block(2)  # baresip also listens for TLS on SIP + 1
        self.ctrl_port = free_port()
        self.rtp_base = free_port_block(RTP_PORTS)
        self.log_path = os.path.join(self.dir, "baresip.log")
        self.events = []  # every event, in order of arrival
        self.proc = None
        self._log = None
        self._responses = {}
        self._tokens = 0
        self._cond = threading.Condition()
        self._flags = {}
        self._sock = None
        self._reader = None
        self._write_config(password, regint, tone_hz, answermode)
        ctx.sipps.append(self)  # the run's cleanup kills it and its failure dump prints summary()

    @property
    def aor(self):
        return f"sip:{self.user}@{self.registrar}"

    @property
    def contact_uri(self):  # where to dial it directly, registered or not
        return f"sip:{self.user}@127.0.0.1:{self.sip_port}"

    def _write_config(self, password, regint, tone_hz, answermode):
        # ausine only makes 48 kHz stereo; the g711 codecs resample it to 8 kHz mono.
        config = {
            "poll_method": "epoll",
            "sip_listen": f"127.0.0.1:{self.sip_port}",
            "net_interface": "127.0.0.1",  # the interface name "lo" fails in 1.0.0
            "audio_player": "aubridge,nil",
            "audio_source": f"ausine,{tone_hz}",
            "audio_alert": "aubridge,nil",
            "ausrc_srate": "48000",
            "ausrc_channels": "2",
            "rtp_ports": f"{self.rtp_base}-{self.rtp_base + RTP_PORTS - 1}",
            "module_path": MODULES,
            "ctrl_tcp_listen": f"127.0.0.1:{self.ctrl_port}",
            "snd_path": self.dir,
        }
        lines = [f"{k} {v}" for k, v in config.items()]
        lines += [f"module {m}.so" for m in ("g711", "ausine", "aubridge", "sndfile")]
        lines += [f"module_app {m}.so" for m in ("account", "menu", "ctrl_tcp")]
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write("\n".join(lines) + "\n")
        params = [f"regint={regint}", f"answermode={answermode}", "dtmfmode=rtpevent", "audio_codecs=PCMU,PCMA"]
        if password is not None:
            params.append(f"auth_pass={password}")
        self.account = f"<{self.aor}>;" + ";".join(params)
        # No account at start-up: start() adds it over ctrl_tcp (uanew), so that the REGISTER and its events
        # come after the harness listens to them.
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write("# added at run time over ctrl_tcp: " + self.account + "\n")

    # --- process ---------------------------------------------------------------------------------------------
    def start(self, timeout=10):
        self.ctx.log(f"baresip {self.name}: {self.aor}, sip 127.0.0.1:{self.sip_port}, ctrl {self.ctrl_port}, "
                     f"rtp {self.rtp_base}+{RTP_PORTS}")
        if shutil.which("baresip") is None:
            raise TestFailure("baresip is not installed (Debian package baresip-core, see scripts/setup.sh)")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(["baresip", "-f", self.dir], cwd=self.dir, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while self._sock is None:
            if self.proc.poll() is not None:
                raise TestFailure(f"baresip {self.name} exited with {self.proc.returncode} during start-up:\n"
                                  f"{self.log_text()}")
            try:
                self._sock = socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=1)
            except OSError:
                if time.monotonic() > deadline:
                    raise TestFailure(f"baresip {self.name}: ctrl_tcp {self.ctrl_port} not up within {timeout} s")
                time.sleep(0.05)
        self._sock.settimeout(None)  # the reader blocks until baresip closes the socket
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.command("uanew", self.account)
        return self

    def _read(self):
        parser = Netstrings()
        while True:
            try:
                data = self._sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                return
            for raw in parser.feed(data):
                message = json.loads(raw.decode("utf-8", "replace"))
                with self._cond:
                    if message.get("event"):
                        message["at"] = time.monotonic()
                        self.events.append(message)
                        self._flag(message.get("type")).set()
                    elif message.get("response"):
                        self._responses[message.get("token")] = message
                    self._cond.notify_all()

    def command(self, command, params=None, timeout=5):
        """Sends one command; returns its response's data, or raises if baresip said it failed."""
        with self._cond:
            self._tokens += 1
            token = f"t{self._tokens}"
        request = {"command": command, "token": token}
        if params is not None:
            request["params"] = params
        self._sock.sendall(netstring(json.dumps(request).encode()))
        with self._cond:
            if not self._cond.wait_for(lambda: token in self._responses, timeout):
                raise TestFailure(f"baresip {self.name}: no answer to {request} within {timeout} s")
            response = self._responses.pop(token)
        if not response.get("ok"):
            raise TestFailure(f"baresip {self.name}: {request} failed: {response}")
        return response.get("data")

    def _flag(self, event_type):
        with self._cond:
            return self._flags.setdefault(event_type, threading.Event())

    def flag(self, event_type):
        """A threading.Event set when the first event of event_type arrives (for an RtpPeer's "wait_for")."""
        return self._flag(event_type)

    def wait_event(self, types, timeout):
        """The first event of one of types (a name or a tuple of names); raises after timeout."""
        types = (types,) if isinstance(types, str) else tuple(types)
        with self._cond:
            if self._cond.wait_for(lambda: any(e.get("type") in types for e in self.events), timeout):
                return next(e for e in self.events if e.get("type") in types)
        raise TestFailure(f"baresip {self.name}: no event {'/'.join(types)} within {timeout} s; events: "
                          f"{[e.get('type') for e in self.events]}")

    def event_types(self):
        with self._cond:
            return [e.get("type") for e in self.events]

    def stop(self, timeout=5):
        """quit over ctrl_tcp (baresip unregisters and hangs up), then SIGKILL if it is still running."""
        if self.proc is None or self.proc.poll() is not None:
            return self._closed()
        try:
            if self._sock is None:
                raise OSError("no ctrl_tcp connection")
            self._sock.sendall(netstring(json.dumps({"command": "quit", "token": "quit"}).encode()))
            self.proc.wait(timeout=timeout)
        except (OSError, subprocess.TimeoutExpired):
            self.ctx.log(f"baresip {self.name} did not quit within {timeout} s: killed")
            self.kill()
        return self._closed()

    def _closed(self):
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)  # wakes the reader's recv, which close() alone does not
            except OSError:
                pass
            self._sock.close()
        if self._reader is not None:
            self._reader.join(timeout=2)
        if self._log is not None and not self._log.closed:
            self._log.close()
        return self.proc.returncode if self.proc else None

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- what it heard ---------------------------------------------------------------------------------------
    def heard(self):
        """(sample rate, mono samples) of what the phone decoded from its last call (sndfile's -dec.wav)."""
        files = sorted(glob.glob(os.path.join(self.dir, "dump-*-dec.wav")), key=os.path.getmtime)
        if not files:
            raise TestFailure(f"baresip {self.name}: no dump-*-dec.wav in {self.dir} (no call audio decoded)")
        with wave.open(files[-1], "rb") as w:
            rate, channels, width, frames = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
            data = w.readframes(frames)
        if width != 2:
            raise TestFailure(f"baresip {self.name}: {files[-1]} has {width}-byte samples, expected 16-bit")
        samples = struct.unpack(f"<{len(data) // 2}h", data)
        return rate, list(samples[::channels])

    # --- failure dump ----------------------------------------------------------------------------------------
    def log_text(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def summary(self):
        code = self.proc.returncode if self.proc else None
        return (f"baresip {self.name} ({self.aor}) exit {code}; events: {self.event_types()}\n"
                f"  log ({self.log_path}):\n{self.log_text()[-6000:]}")
