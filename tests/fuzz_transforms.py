"""Fuzzer 1: random chains of transforms over random kernels, against independent oracles.

A case is a kernel (:mod:`fuzz_kernels`) of two vector parameters and a chain of
:class:`Layer` s, innermost first: ``jit``, ``vmap`` (random ``in_axes``/``out_axes``,
``None`` included, ``axis_size`` when nothing is mapped), ``grad``, ``jacfwd``,
``jacrev``, ``hessian``, ``jvp`` (the tangent output, fixed tangents) and ``sumw`` (a
weighted sum, so that ``grad``/``hessian`` can follow a vector-valued layer).

The oracle applies the same chain to the NumPy kernel with every transform replaced by its
definition: ``vmap`` by the loop oracle (tests/oracle.py), derivatives by central finite
differences in float64 (tests/gradcheck.py), ``jit`` by nothing. Nothing of axcomp's runs
in the oracle. A derivative mismatch is re-checked with two other step sizes before it is
called wrong, so that rounding or a nearby kink does not count as a wrong answer.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from fuzz_harness import Mismatch, Outcome, compare, run_axcomp, run_oracle
from fuzz_kernels import AXCOMP, NUMPY, KernelProgram, random_kernel
from gradcheck import numeric_grad, numeric_jacobian, numeric_jvp
from oracle import loop_vmap

import axcomp as ax
import axcomp.numpy as anp

DERIVATIVES = ("grad", "jacfwd", "jacrev", "hessian", "jvp")
MAX_ELEMENTS = 96  # per argument and output; finite differences cost 2 calls per element
Shapes = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]  # x, y, output


@dataclass(frozen=True)
class Layer:
    kind: str  # jit | vmap | sumw | one of DERIVATIVES
    argnum: int = 0
    in_axes: tuple[int | None, int | None] = (0, 0)
    out_axes: int | None = 0
    size: int = 0  # the batch size of a vmap
    axis_size: int | None = None

    def text(self, inner: str) -> str:
        if self.kind == "jit":
            return f"ax.jit({inner})"
        if self.kind == "vmap":
            extra = f", axis_size={self.axis_size}" if self.axis_size is not None else ""
            return f"ax.vmap({inner}, in_axes={self.in_axes}, out_axes={self.out_axes}{extra})"
        if self.kind == "sumw":
            return f"(lambda x, y: anp.sum({inner}(x, y) * W))"
        if self.kind == "jvp":
            return f"(lambda x, y: ax.jvp({inner}, (x, y), (TX, TY))[1])"
        return f"ax.{self.kind}({inner}, argnums={self.argnum})"


def _insert(shape: tuple[int, ...], axis: int, size: int) -> tuple[int, ...]:
    pos = axis % (len(shape) + 1)
    return shape[:pos] + (size,) + shape[pos:]


def _fixed(shape: tuple[int, ...], phase: float) -> np.ndarray:
    """A deterministic, generic array (weights, tangents) of ``shape``."""
    return np.cos(np.arange(int(np.prod(shape)), dtype=np.float64) * 1.3 + phase).reshape(shape)


def layer_shapes(kernel: KernelProgram, layers: tuple[Layer, ...]) -> list[Shapes]:
    """Shapes before the first layer and after each one."""
    x = y = (kernel.n,)
    out = kernel.out_shape
    shapes = [(x, y, out)]
    for layer in layers:
        args = [x, y]
        if layer.kind == "vmap":
            for k, axis in enumerate(layer.in_axes):
                if axis is not None:
                    args[k] = _insert(args[k], axis, layer.size)
            x, y = args
            if layer.out_axes is not None:
                out = _insert(out, layer.out_axes, layer.size)
        elif layer.kind == "sumw":
            out = ()
        elif layer.kind == "grad":
            out = args[layer.argnum]
        elif layer.kind in ("jacfwd", "jacrev"):
            out = out + args[layer.argnum]
        elif layer.kind == "hessian":
            out = args[layer.argnum] * 2
        shapes.append((x, y, out))
    return shapes


@dataclass(frozen=True)
class ChainCase:
    kernel: KernelProgram
    layers: tuple[Layer, ...]
    seed: int

    @property
    def derivatives(self) -> int:
        # a Hessian's oracle nests two finite differences
        return sum((layer.kind in DERIVATIVES) + (layer.kind == "hessian") for layer in self.layers)

    def inputs(self) -> tuple[np.ndarray, np.ndarray]:
        x, y, _ = layer_shapes(self.kernel, self.layers)[-1]
        rng = np.random.default_rng(self.seed)
        return rng.normal(size=x) * 0.7, rng.normal(size=y) * 0.7

    def compiled(self) -> Callable[..., Any]:
        return build(self, AXCOMP_TRANSFORMS, self.kernel.function(AXCOMP))

    def reference(self, eps: float) -> Callable[..., Any]:
        return build(self, oracle_transforms(eps), self.kernel.function(NUMPY))

    def repro(self) -> str:
        x, y = self.inputs()
        text = "kernel"
        for layer in self.layers:
            text = layer.text(text)
        return (
            f"{self.kernel.source()}\n"
            f"f = {text}\n"
            f"x, y = (np.random.default_rng({self.seed}).normal(size=s) * 0.7 "
            f"for s in ({x.shape}, {y.shape}))\n"
            "f(x, y)  # W, TX, TY: fuzz_transforms._fixed(shape, 0.5 / 0.1 / 0.2)"
        )

    def smaller(self) -> list[ChainCase]:
        out = [replace(self, layers=self.layers[:-1])] if len(self.layers) > 1 else []
        for k, layer in enumerate(self.layers):
            if layer.kind in ("jit", "sumw"):
                out.append(replace(self, layers=self.layers[:k] + self.layers[k + 1 :]))
        out += [replace(self, kernel=k) for k in self.kernel.shrunk()]
        return [c for c in out if _valid(c.kernel, c.layers)]


Transform = Callable[[Layer, Callable[..., Any], Shapes], Callable[..., Any]]


def _ax_transform(layer: Layer, f: Callable[..., Any], shapes: Shapes) -> Callable[..., Any]:
    kind = layer.kind
    if kind == "jit":
        return ax.jit(f)
    if kind == "vmap":
        return ax.vmap(f, in_axes=layer.in_axes, out_axes=layer.out_axes, axis_size=layer.axis_size)
    if kind == "sumw":
        w = _fixed(shapes[2], 0.5)
        return lambda x, y: anp.sum(f(x, y) * w)
    if kind == "jvp":
        tx, ty = _fixed(shapes[0], 0.1), _fixed(shapes[1], 0.2)
        return lambda x, y: ax.jvp(f, (x, y), (tx, ty))[1]
    transform = {"grad": ax.grad, "jacfwd": ax.jacfwd, "jacrev": ax.jacrev, "hessian": ax.hessian}
    return transform[kind](f, argnums=layer.argnum)


def oracle_transforms(eps: float) -> Transform:
    def apply(layer: Layer, f: Callable[..., Any], shapes: Shapes) -> Callable[..., Any]:
        kind = layer.kind
        k = layer.argnum
        if kind == "jit":
            return f
        if kind == "vmap":
            return loop_vmap(f, layer.in_axes, layer.out_axes, layer.axis_size)
        if kind == "sumw":
            w = _fixed(shapes[2], 0.5)
            return lambda x, y: np.sum(np.asarray(f(x, y)) * w)
        if kind == "jvp":
            tx, ty = _fixed(shapes[0], 0.1), _fixed(shapes[1], 0.2)
            return lambda x, y: numeric_jvp(f, (x, y), (tx, ty), eps)
        if kind == "grad":
            return lambda x, y: numeric_grad(f, (x, y), k, eps)
        if kind in ("jacfwd", "jacrev"):
            return lambda x, y: numeric_jacobian(f, (x, y), k, eps)

        def hess(x: Any, y: Any) -> Any:  # the Jacobian of the gradient
            return numeric_jacobian(lambda *a: numeric_grad(f, a, k, eps), (x, y), k, eps)

        return hess

    return apply


AXCOMP_TRANSFORMS: Transform = _ax_transform


def build(case: ChainCase, transform: Transform, kernel: Callable[..., Any]) -> Callable[..., Any]:
    shapes = layer_shapes(case.kernel, case.layers)
    f = kernel
    for layer, before in zip(case.layers, shapes):
        f = transform(layer, f, before)
    return f


def _valid(kernel: KernelProgram, layers: tuple[Layer, ...]) -> bool:
    shapes = layer_shapes(kernel, layers)
    for layer, (_, _, out) in zip(layers, shapes):
        if layer.kind in ("grad", "hessian") and out != ():
            return False
    return all(int(np.prod(s)) <= MAX_ELEMENTS for shape in shapes for s in shape)


def _random_vmap(rng: random.Random, shapes: Shapes) -> Layer:
    size = 0 if rng.random() < 0.05 else rng.randint(1, 3)
    axes: list[int | None] = []
    for shape in shapes[:2]:
        if rng.random() < 0.3:
            axes.append(None)
        else:
            axes.append(rng.randint(-len(shape) - 1, len(shape)))
    in_axes = (axes[0], axes[1])
    if in_axes == (None, None):  # nothing mapped: axis_size, and out_axes None is allowed
        out_axes = None if rng.random() < 0.5 else rng.randint(-len(shapes[2]) - 1, len(shapes[2]))
        return Layer("vmap", in_axes=in_axes, out_axes=out_axes, size=size, axis_size=size)
    out_axes = rng.randint(-len(shapes[2]) - 1, len(shapes[2]))
    return Layer("vmap", in_axes=in_axes, out_axes=out_axes, size=size)


def draw(rng: random.Random) -> ChainCase:
    n_derivatives = rng.choice([0, 1, 1, 2])
    kernel = random_kernel(rng, smooth=n_derivatives == 2 or rng.random() < 0.3)
    layers: tuple[Layer, ...] = ()
    wanted = rng.randint(1, 4)
    left = n_derivatives
    for _ in range(12):
        if len(layers) >= wanted and left == 0:
            break
        shapes = layer_shapes(kernel, layers)[-1]
        kind = rng.choice(["jit", "vmap", "vmap", "deriv", "deriv"])
        if kind == "deriv":
            if left == 0:
                continue
            # a Hessian is two derivatives (and its oracle two nested finite differences);
            # more than two nested differences are too inexact to judge anything
            second_order = left >= 2 and kernel.smooth
            kind = rng.choice([d for d in DERIVATIVES if d != "hessian" or second_order])
            new: tuple[Layer, ...] = (Layer(kind, argnum=rng.randint(0, 1)),)
            if kind in ("grad", "hessian") and shapes[2] != ():
                new = (Layer("sumw"),) + new
            cost = 2 if kind == "hessian" else 1
            left -= cost
        elif kind == "vmap":
            new = (_random_vmap(rng, shapes),)
        else:
            new = (Layer("jit"),)
        if _valid(kernel, layers + new):
            layers += new
        elif kind in DERIVATIVES:
            left += cost
    if not layers:
        layers = (Layer("jit"),)
    return ChainCase(kernel, layers, rng.randrange(1 << 30))


def _tolerances(derivatives: int) -> tuple[float, float]:
    return {0: (1e-9, 1e-11), 1: (1e-5, 1e-6)}.get(derivatives, (2e-3, 2e-4))


def _steps(derivatives: int) -> tuple[float, ...]:
    return (1e-6, 1e-5, 1e-7) if derivatives <= 1 else (1e-4, 1e-3, 3e-5)


def check(case: ChainCase) -> Outcome:
    x, y = case.inputs()
    got, failed = run_axcomp(lambda: case.compiled()(x, y))
    if failed is not None:
        return failed
    rtol, atol = _tolerances(case.derivatives)
    problem = ""
    for eps in _steps(case.derivatives)[: 1 + 2 * (case.derivatives > 0)]:
        want, bad = run_oracle(lambda step=eps: case.reference(step)(x, y))
        if bad is not None:
            return bad
        try:
            compare(got, want, rtol=rtol, atol_scale=atol)
            return Outcome("agree")
        except Mismatch as exc:
            problem = problem or str(exc)
    return Outcome("wrong", problem)


def known_issue(case: ChainCase) -> str | None:
    """No subset is known to fail any more (the soak counts every case)."""
    return None
