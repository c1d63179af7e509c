"""What the compiler decided for a nested ``vmap``: ``explain``'s report (levels,
contractions, FLOPs, peak memory, backend), the generated code, and the axis graph as a
picture (Graphviz's ``dot`` renders it; without Graphviz the DOT text is saved instead)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
from gallery import options

import axcomp as ax
import axcomp.numpy as anp


@ax.vmap(in_axes=(0, None))  # over the matrices
@ax.vmap(in_axes=(None, 0))  # over the vectors
def pairwise_matvec(M, v):  # one matrix, one vector
    return anp.dot(M, v)


def main() -> None:
    args = options(__doc__ or "")
    shapes = ((3, 2, 3), (4, 3)) if args.small else ((30, 20, 30), (40, 30))
    report = ax.explain(pairwise_matvec, *(ax.ShapeDtypeStruct(s, np.float64) for s in shapes))
    print(report)
    print()
    print(report.source)
    args.out.mkdir(parents=True, exist_ok=True)
    dot = report.to_dot()
    if shutil.which("dot") is not None:
        picture = args.out / "explain_graph.svg"
        subprocess.run(["dot", "-Tsvg", "-o", str(picture)], input=dot.encode(), check=True)
    else:
        picture = args.out / "explain_graph.dot"
        picture.write_text(dot)
        print("(Graphviz's dot is not on PATH: the axis graph is saved as DOT text)")
    print(f"saved {picture.name}")


if __name__ == "__main__":
    main()
