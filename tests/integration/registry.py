"""The case registry: @case("name") adds a function taking the run context; ctest runs each as its own test
(tests/CMakeLists.txt reads `run.py --ctest`, so a new case needs no other line anywhere).

How a case is scheduled, from what it checks:
- timing=True: it measures time, memory or throughput under load (a flood, an RTP gap, the answer time of a
  refusal). It runs alone (ctest RUN_SERIAL), and only in the optimised build: under AddressSanitizer its
  figures say nothing.
- otherwise it checks behaviour and runs once, in the sanitizer build (which catches more), in parallel with
  other cases; lock="media" keeps cases that stream RTP on many calls at once (or drive baresip) from running
  beside each other, so that their audio checks do not depend on how busy the machine is.
"""

CASES = {}
SCHEDULE = {}  # name -> (timing, lock)


def case(name, timing=False, lock=None):
    def register(fn):
        CASES[name] = fn
        SCHEDULE[name] = (timing, lock)
        return fn
    return register
