#!/usr/bin/env python3
"""`cmake --install` into temporary roots, and the unit checked by systemd's own tools.

  check_install.py --build BUILD_DIR

1. DESTDIR=<tmp> cmake --install BUILD --prefix /usr: every file in its Debian place; the unit is Type=notify
   with a watchdog, its own user and StateDirectory=; `systemd-analyze security --offline=true` rates it below
   2.5; the installed configuration is the sample with the installed paths.
2. cmake --install BUILD --prefix <tmp>/usr (a real install, relocated): `systemd-analyze verify` accepts the
   unit (it checks that ExecStart= exists, hence the relocation), and the installed binary accepts the installed
   configuration with --check-config.
3. cpack -G DEB: the same files in the package (and the man page), the configuration as a conffile, the
   maintainer scripts.
4. That package installed into an empty root (dpkg --root, the maintainer scripts chrootless with DPKG_ROOT):
   the service's user is created there, the unit's ExecStart (its paths mapped into the root, free ports)
   answers /readyz; installed again (an upgrade) the database stays; purged, the database, the configuration
   and the binary are gone, and nothing on the host was touched.
Standard library only; exit code 0 when everything holds.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

MAX_EXPOSURE = 2.5
FILES = ["usr/sbin/callbackd", "etc/callbackd/callbackd.toml", "usr/lib/systemd/system/callbackd.service",
         "usr/lib/sysusers.d/callbackd.conf", "usr/share/callbackd/prompts/en/welcome.wav",
         "usr/share/doc/callbackd/operations.md", "usr/share/doc/callbackd/contrib/fail2ban/filter.d/callbackd.conf",
         "usr/share/doc/callbackd/contrib/fail2ban/jail.d/callbackd.conf", "usr/share/man/man8/callbackd.8"]
UNIT_LINES = ["Type=notify", "WatchdogSec=30s", "User=callbackd", "StateDirectory=callbackd",
              "ExecStart=/usr/sbin/callbackd --config /etc/callbackd/callbackd.toml",
              "ExecReload=/bin/kill -HUP $MAINPID"]
failures = []


def check(condition, message):
    print(("ok: " if condition else "FAILED: ") + message, flush=True)
    if not condition:
        failures.append(message)
    return condition


def run(cmd, env=None):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    return out.returncode, out.stdout + out.stderr


def debian_layout(build, root):
    env = dict(os.environ, DESTDIR=root)
    rc, out = run(["cmake", "--install", build, "--prefix", "/usr"], env)
    if not check(rc == 0, f"DESTDIR={root} cmake --install --prefix /usr exits 0"):
        print(out)
        return
    for f in FILES:
        check(os.path.isfile(os.path.join(root, f)), f"/{f} installed")
    check(os.access(os.path.join(root, "usr/sbin/callbackd"), os.X_OK), "/usr/sbin/callbackd is executable")
    with open(os.path.join(root, "usr/lib/systemd/system/callbackd.service")) as f:
        unit = f.read().splitlines()
    for line in UNIT_LINES:
        check(line in unit, f"the unit has {line}")
    with open(os.path.join(root, "etc/callbackd/callbackd.toml")) as f:
        config = f.read()
    check('sqlite = "/var/lib/callbackd/callbackd.db"' in config, "the configuration keeps its database in "
          "/var/lib/callbackd (the unit's StateDirectory)")
    check('prompts_dir = "/usr/share/callbackd/prompts"' in config, "the configuration names the installed prompts")
    rc, out = run(["systemd-analyze", "security", "--offline=true", f"--root={root}", "callbackd.service"])
    m = re.search(r"Overall exposure level for callbackd\.service: (\d+\.\d+)", out)
    check(m is not None, "systemd-analyze security rates the unit")
    if m:
        exposure = float(m.group(1))
        if not check(exposure < MAX_EXPOSURE, f"systemd-analyze security: exposure {exposure} < {MAX_EXPOSURE}"):
            print(out)
    # Installing again keeps an admin's configuration and puts the new sample beside it.
    config_path = os.path.join(root, "etc/callbackd/callbackd.toml")
    with open(config_path, "a") as f:
        f.write("# changed by the admin\n")
    rc, _ = run(["cmake", "--install", build, "--prefix", "/usr"], env)
    with open(config_path) as f:
        check(rc == 0 and f.read().endswith("# changed by the admin\n"), "a second install keeps the admin's "
              "configuration")
    check(os.path.isfile(config_path + ".sample"), "...and writes the new one as callbackd.toml.sample")


def relocated(build, root):
    prefix = os.path.join(root, "usr")
    rc, out = run(["cmake", "--install", build, "--prefix", prefix])
    if not check(rc == 0, f"cmake --install --prefix {prefix} exits 0"):
        print(out)
        return
    unit = os.path.join(prefix, "lib/systemd/system/callbackd.service")
    rc, out = run(["systemd-analyze", "verify", unit])
    check(rc == 0 and out.strip() == "", f"systemd-analyze verify accepts the unit: rc {rc} {out.strip()!r}")
    config = os.path.join(prefix, "etc/callbackd/callbackd.toml")
    rc, out = run([os.path.join(prefix, "sbin/callbackd"), "--check-config", config])
    check(rc == 0, f"the installed binary accepts the installed configuration: rc {rc} {out.strip()!r}")


def package(build, out):
    """cpack -G DEB: the same files, the configuration a conffile, the patched Sofia-SIP required, a postinst."""
    if not shutil.which("cpack") or not shutil.which("dpkg-deb"):
        check(False, "cpack and dpkg-deb are installed")
        return
    rc, text = run(["cpack", "-G", "DEB", "--config", os.path.join(build, "CPackConfig.cmake"), "-B", out])
    debs = [f for f in os.listdir(out) if f.endswith(".deb")]
    if not check(rc == 0 and len(debs) == 1, f"cpack -G DEB makes one package: {debs}"):
        print(text)
        return
    deb = os.path.join(out, debs[0])
    _, listing = run(["dpkg-deb", "-c", deb])
    for f in FILES:
        check(f" ./{f}" in listing, f"the package holds /{f}")
    check("CMakeFiles" not in listing, "the package holds no build-tree directories")
    _, control = run(["dpkg-deb", "-I", deb, "conffiles"])
    check(control.strip() == "/etc/callbackd/callbackd.toml", f"the configuration is a conffile: {control.strip()!r}")
    _, depends = run(["dpkg-deb", "-f", deb, "Depends"])
    check("systemd" in depends and "libsofia-sip-ua0" in depends, f"Depends: {depends.strip()}")
    _, postinst = run(["dpkg-deb", "-I", deb, "postinst"])
    check("systemd-sysusers callbackd.conf" in postinst, "the postinst creates the service's user")
    _, postrm = run(["dpkg-deb", "-I", deb, "postrm"])
    check("purge" in postrm and "/var/lib/callbackd" in postrm, "the postrm deletes the database on purge only")
    return deb


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dpkg(root, *args):
    return run(["dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends", "--log=/dev/null",
                *args])


def _unit_command(root):
    """The unit's ExecStart=, its paths mapped into root, with a copy of the installed configuration whose paths
    point into root too and whose ports are free."""
    with open(os.path.join(root, "usr/lib/systemd/system/callbackd.service")) as f:
        argv = re.search(r"^ExecStart=(.*)$", f.read(), re.M).group(1).split()
    with open(os.path.join(root, argv[2].lstrip("/"))) as f:
        config = f.read()
    config = re.sub(r'"(/(?:usr|var|etc)/[^"]*)"', lambda m: f'"{root}{m.group(1)}"', config)
    sip, web = _free_port(), _free_port()
    config = config.replace('listen = "127.0.0.1:5060"', f'listen = "127.0.0.1:{sip}"')
    config = config.replace('listen = "127.0.0.1:8080"', f'listen = "127.0.0.1:{web}"')
    mapped = os.path.join(root, "..", "callbackd.toml")
    with open(mapped, "w") as f:
        f.write(config)
    return [os.path.join(root, argv[0].lstrip("/")), argv[1], mapped], web


def _ready(argv, web, log_path):
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    ready = False
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and proc.poll() is None and not ready:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{web}/readyz", timeout=1) as r:
                ready = r.status == 200
        except (OSError, ValueError):
            time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=15)
    return ready, code


def installed_root(deb, tmp):
    root = os.path.join(tmp, "root")
    for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates"):
        os.makedirs(os.path.join(root, d))
    open(os.path.join(root, "var/lib/dpkg/status"), "w").close()
    rc, text = _dpkg(root, "-i", deb)
    if not check(rc == 0, "dpkg --root installs the package into an empty root"):
        print(text)
        return
    with open(os.path.join(root, "etc/passwd")) as f:
        check(re.search(r"^callbackd:", f.read(), re.M), "the postinst created the service's user in that root")
    os.makedirs(os.path.join(root, "var/lib/callbackd"), mode=0o700)  # what the unit's StateDirectory= makes
    argv, web = _unit_command(root)
    log_path = os.path.join(tmp, "callbackd.log")
    ready, code = _ready(argv, web, log_path)
    if not check(ready and code == 0, f"the unit's command answers /readyz with 200 and exits 0 on SIGTERM ({code})"):
        with open(log_path, errors="replace") as f:
            print(f.read()[-4000:])
    db = os.path.join(root, "var/lib/callbackd/callbackd.db")
    check(os.path.isfile(db), "the database is in /var/lib/callbackd")
    rc, text = _dpkg(root, "-i", deb)
    check(rc == 0 and os.path.isfile(db), "installed again (an upgrade), the package keeps the database")
    rc, text = _dpkg(root, "--purge", "callbackd")
    gone = [p for p in ("var/lib/callbackd", "etc/callbackd/callbackd.toml", "usr/sbin/callbackd")
            if not os.path.exists(os.path.join(root, p))]
    check(rc == 0 and len(gone) == 3, f"purged, the database, the configuration and the binary are gone: {gone}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", required=True)
    args = parser.parse_args()
    if not shutil.which("systemd-analyze"):
        print("systemd-analyze (package systemd) is not installed", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="cbd-install-") as tmp:
        debian_layout(os.path.abspath(args.build), os.path.join(tmp, "destdir"))
        relocated(os.path.abspath(args.build), os.path.join(tmp, "prefix"))
        deb = package(os.path.abspath(args.build), os.path.join(tmp, "deb"))
        if deb and shutil.which("dpkg"):
            installed_root(deb, tmp)
    print(f"{len(failures)} failure(s)" if failures else "install: all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
