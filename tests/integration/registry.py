"""The case registry: @case("name") adds a function taking the run context; ctest runs each as its own test."""

CASES = {}


def case(name):
    def register(fn):
        CASES[name] = fn
        return fn
    return register
