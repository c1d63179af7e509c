"""``python tests/jaxsuite record|live|check [-k SUBSTRING] [-v]``.

record: run every case under JAX (x64) and store the outcomes (needs jax installed);
live:   run both libraries in this process and compare;
check:  run axcomp against the stored recording (what the pytest module does).
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time

sys.path[:0] = [
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
]

from jaxsuite import harness, store  # noqa: E402
from jaxsuite.registry import all_cases  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(prog="python tests/jaxsuite")
    parser.add_argument("mode", choices=["record", "live", "check"])
    parser.add_argument("-k", default="", help="only cases whose name contains this")
    parser.add_argument("-v", action="store_true", help="print every failure")
    args = parser.parse_args()
    cases = {n: c for n, c in all_cases().items() if args.k in n}
    if args.mode == "record":
        lib = harness.jax_lib()
        outcomes = {n: harness.run(lib, c) for n, c in cases.items() if not c.excluded}
        import jax

        if args.k and store.META.exists():
            # -k re-records some cases: keep the others, drop those no longer counted
            _, old = store.load()
            counted = {n for n, c in all_cases().items() if not c.excluded}
            outcomes = {n: o for n, o in old.items() if n in counted} | outcomes

        store.save(outcomes, jax.__version__)
        errors = sum(o.error is not None for o in outcomes.values())
        print(f"recorded {len(outcomes)} cases under jax {jax.__version__} ({errors} raise)")
        return 0
    if args.mode == "live":
        jl = harness.jax_lib()
        refs = {n: harness.run(jl, c) for n, c in cases.items() if not c.excluded}
    else:
        _, refs = store.load()
    ax = harness.axcomp_lib()
    failures: dict[str, str] = {}
    start = time.perf_counter()
    for name, c in cases.items():
        if c.excluded or name not in refs:
            continue
        why = harness.compare(c, refs[name], harness.run(ax, c))
        if why is not None:
            failures[name] = why
    elapsed = time.perf_counter() - start
    counted = [n for n, c in cases.items() if not c.excluded and n in refs]
    excluded = collections.Counter(c.excluded for c in cases.values() if c.excluded)
    by_file = collections.Counter(n.split(".")[0] for n in counted)
    fail_by_file = collections.Counter(n.split(".")[0] for n in failures)
    print(f"{'file':<28}{'cases':>7}{'pass':>7}")
    for f in sorted(by_file):
        print(f"{f:<28}{by_file[f]:>7}{by_file[f] - fail_by_file[f]:>7}")
    passed = len(counted) - len(failures)
    rate = 100 * passed / max(1, len(counted))
    print(f"{'total':<28}{len(counted):>7}{passed:>7}   {rate:.1f}% in {elapsed:.1f} s")
    for why, n in sorted(excluded.items()):
        print(f"excluded ({n}): {why}")
    if args.v or len(failures) <= 40:
        for name, why in sorted(failures.items()):
            print(f"FAIL {name}: {why}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
