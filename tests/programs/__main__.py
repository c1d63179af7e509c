"""``python tests/programs record|check [--corpus main|heldout|all] [--stand-in NAME]...``.

record: run every program under JAX (run it with a Python that has JAX, x64 on) and store
        what main() returns, what it prints and what it raises under recorded/;
check:  run every program under axcomp after the import swap (jax -> axcomp) and print
        one row per program (agrees / differs / raises) and a summary count;
reasons: count the programs each reason in known_failures.py blocks, most first.
--stand-in config|Array (check only, diagnostic, repeatable): give the swapped `jax` a
        stand-in for that name where axcomp has none, to see what blocks each program next.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from programs import check, corpus, leaves, store


def record(corpus_name: str, only: str) -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    outcomes = {}
    if only and (store.FOLDER / f"{corpus_name}.json").exists():
        _, outcomes = store.load(corpus_name)  # -k re-records some: keep the others
    names = {p.name for p in corpus.programs(corpus_name)}
    outcomes = {n: r for n, r in outcomes.items() if n in names}
    for program in corpus.programs(corpus_name):
        if only not in program.name:
            continue
        start = time.perf_counter()
        try:
            ran = corpus.run(program)
            rec = store.Recorded(leaves.flatten(jax.device_get(ran.result)), None, ran.stdout, "")
        except Exception as exc:  # recorded: axcomp is then expected to raise the same
            rec = store.Recorded({}, check.first_line(exc), "", "")
            print(f"  {program.name} raises under JAX: {rec.error}")
        outcomes[program.name] = store.Recorded(
            rec.leaves, rec.error, rec.stdout, corpus.source_line(program)
        )
        print(f"  {program.name}: {time.perf_counter() - start:.2f} s")
    store.save(corpus_name, outcomes, jax.__version__)
    print(f"recorded {len(outcomes)} {corpus_name} programs under jax {jax.__version__}")


def reasons() -> str:
    from collections import Counter

    from programs.known_failures import BLOCKERS

    rows = []
    for title, table, pick in (
        ("blocks (anywhere in its chain)", BLOCKERS, slice(None)),
        ("meets first, today", BLOCKERS, slice(1)),
    ):
        counts = Counter(r for chain in table.values() for r in chain[pick])
        rows.append(f"programs each reason {title}:")
        rows += [f"  {n:3}  {reason}" for reason, n in counts.most_common()]
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python tests/programs")
    parser.add_argument("mode", choices=["record", "check", "reasons", "worker"])
    parser.add_argument("--corpus", default="all", choices=[*corpus.CORPORA, "all"])
    parser.add_argument("--stand-in", action="append", default=[], choices=["config", "Array"])
    parser.add_argument("-k", default="", help="record: only programs whose name has this")
    parser.add_argument("names", nargs="*", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.mode == "worker":  # internal: `worker CORPUS NAME...`
        check.worker(args.names[0], args.names[1:] + rest, tuple(args.stand_in))
        return 0
    if args.mode == "reasons":
        print(reasons())
        return 0
    chosen = corpus.CORPORA if args.corpus == "all" else (args.corpus,)
    for name in chosen:
        if args.mode == "record":
            record(name, args.k)
        else:
            print(f"== {name} corpus ==")
            print(check.table(check.check(name, tuple(args.stand_in))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
