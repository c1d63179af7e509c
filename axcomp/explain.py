"""``axcomp.explain``: what a transformed function compiles to, for given shapes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .compiler import Compiled
from .staging import Staged
from .transforms import jit


@dataclass(frozen=True)
class Explanation:
    compiled: Compiled

    @property
    def equations(self) -> list[str]:
        return self.compiled.equations

    @property
    def source(self) -> str:
        return self.compiled.source

    @property
    def graph(self) -> str:
        return str(self.compiled.graph)

    def __str__(self) -> str:
        lines = [f"axcomp program {self.compiled.name!r}"]
        ins = ", ".join(f"{n.params.name}: {n.type_str()}" for n in self.compiled.graph.inputs)
        lines.append(f"  inputs: {ins}")
        lines.append(f"  contractions: {len(self.equations)}")
        for st in self.compiled.program.contractions:
            assert st.contraction is not None
            lines.append(f"    {st.contraction.equation:<30} flops={st.contraction.flops}")
        lines.append("axis graph:")
        lines.append(self.graph)
        lines.append("generated code:")
        lines.append(self.source.rstrip())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Explanation {self.compiled.name!r}: {len(self.equations)} contraction(s)>"


def explain(fun: Callable[..., Any], *args: Any, **kwargs: Any) -> Explanation:
    """Compile ``fun`` for these arguments (arrays or ShapeDtypeStructs) and describe it."""
    staged = fun if isinstance(fun, Staged) else jit(fun)
    return Explanation(staged.lower(*args, **kwargs))
