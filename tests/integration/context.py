"""The run context of one case (or one benchmark run): paths, a private temp dir, and what it started."""

import os
import tempfile
import time


class Context:
    """What a case gets: paths, a private temp dir, and the servers and sipps it started (for the failure dump)."""

    def __init__(self, name, callbackd, prompts, shared, scenarios, prefix="cbd-it-", workdir=None):
        self.name = name
        self.callbackd = os.path.abspath(callbackd)
        self.prompts = os.path.abspath(prompts)
        self.shared = os.path.abspath(shared)
        self.scenarios = os.path.abspath(scenarios)
        self.root = tempfile.mkdtemp(prefix=f"{prefix}{name}-", dir=workdir)
        self.servers = []
        self.sipps = []
        self.started = time.monotonic()
        self._dirs = 0

    def tempdir(self, label):
        self._dirs += 1
        path = os.path.join(self.root, f"{self._dirs:02d}-{label}")
        os.makedirs(path)
        return path

    def log(self, message):
        print(f"[{time.monotonic() - self.started:7.3f}] {self.name}: {message}", flush=True)

    def cleanup(self):
        for s in self.sipps:
            s.kill()
        for srv in self.servers:
            if srv.alive():
                srv.proc.kill()
                srv.proc.wait()
