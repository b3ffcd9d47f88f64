#!/usr/bin/env python3
"""Whole-call integration tests of callbackd: the built server against real peers (sipp, HTTP, raw sockets).

  run.py --callbackd build/callbackd --prompts build/prompts --shared ../shared [--case NAME ...] [--list]

Each case starts its own callbackd on fresh ports with a fresh database, and stops it with SIGTERM expecting exit
code 0. On failure the case's server log and sipp message flows are printed. Exit code: 0 when every selected
case passed. Standard library only.
"""

import argparse
import os
import shutil
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # keep the source tree clean

import cases_api  # noqa: E402,F401  (registers cases)
import cases_baresip  # noqa: E402,F401
import cases_baresip_remote  # noqa: E402,F401
import cases_callback  # noqa: E402,F401
import cases_edge  # noqa: E402,F401
import cases_overload  # noqa: E402,F401
import cases_relay  # noqa: E402,F401
import cases_fraud  # noqa: E402,F401
import cases_remote  # noqa: E402,F401
import cases_remote_dialogue  # noqa: E402,F401
import cases_registrar  # noqa: E402,F401
import cases_http_limits  # noqa: E402,F401
import cases_lines  # noqa: E402,F401
import cases_drain  # noqa: E402,F401
import cases_resilience  # noqa: E402,F401
import cases_operations  # noqa: E402,F401
import cases_security  # noqa: E402,F401
import cases_throttle  # noqa: E402,F401
import cases_phone  # noqa: E402,F401
import cases_dialplan  # noqa: E402,F401
import cases_screening  # noqa: E402,F401
from context import Context  # noqa: E402
from registry import CASES, SCHEDULE  # noqa: E402
from server import TestFailure  # noqa: E402


def dump(ctx):
    for s in ctx.sipps:
        print(f"---- {s.summary()}")
    for i, srv in enumerate(ctx.servers):
        try:
            with open(srv.config_path) as f:
                config = f.read()
        except FileNotFoundError:
            config = "(not written)"
        print(f"---- callbackd #{i} config ({srv.config_path}):\n{config}")
        print(f"---- callbackd #{i} log ({srv.log_path}), exit code {srv.exit_code}:")
        print(srv.log_text()[-60000:])
        print(f"---- end of callbackd #{i} log")


def run_case(args, name):
    ctx = Context(name, args.callbackd, args.prompts, args.shared, args.scenarios)
    ctx.log("start")
    ok = False
    try:
        CASES[name](ctx)
        ok = True
    except TestFailure as e:
        ctx.log(f"FAILED: {e}")
    except Exception:  # a bug in the harness or an unexpected reply: report it like a failure
        ctx.log("ERROR:\n" + traceback.format_exc())
    finally:
        ctx.cleanup()
    if ok:
        ctx.log(f"PASSED in {time.monotonic() - ctx.started:.1f} s")
        if not args.keep:
            shutil.rmtree(ctx.root, ignore_errors=True)
    else:
        dump(ctx)
        ctx.log(f"files kept in {ctx.root}")
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--callbackd", help="the server binary")
    parser.add_argument("--prompts", help="the built prompts directory (build/prompts)")
    parser.add_argument("--shared", help="the shared directory holding testdata/sip-torture")
    parser.add_argument("--scenarios", default=os.path.join(HERE, "..", "sip"), help="sipp scenarios")
    parser.add_argument("--case", action="append", help="run only this case (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--ctest", action="store_true",
                        help="list the cases for tests/CMakeLists.txt: name|timing or behaviour[|lock], one a line")
    parser.add_argument("--keep", action="store_true", help="keep the temp files of passing cases")
    args = parser.parse_args()
    if args.ctest:
        for name in CASES:
            timing, lock = SCHEDULE[name]
            print(f"{name}|{'timing' if timing else 'behaviour'}" + (f"|{lock}" if lock else ""))
        return 0
    if args.list:
        for name, fn in CASES.items():
            print(f"{name}: {(fn.__doc__ or '').strip().splitlines()[0]}")
        return 0
    if not (args.callbackd and args.prompts and args.shared):
        parser.error("--callbackd, --prompts and --shared are required")
    names = args.case or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}; see --list")
    if not shutil.which("sipp"):
        print("sipp (package sip-tester) is not installed", file=sys.stderr)
        return 2
    failed = [n for n in names if not run_case(args, n)]
    print(f"{len(names) - len(failed)} of {len(names)} passed" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
