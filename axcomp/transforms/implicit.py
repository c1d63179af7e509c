"""Implicit differentiation: ``linear_transpose``, ``lax.custom_linear_solve`` and
``lax.custom_root``, as in JAX.

The solution is computed without being differentiated (its value is cut from the graph);
its derivative comes from the equation it satisfies. For ``A x = b`` the residual
``r = b - A(x)`` has value ~0 and tangent ``db - dA x`` (both ``b`` and whatever ``A``
closes over are differentiated through it), and ``x + S(r)`` carries the derivative, where
``S`` has value zero and the derivative of the solve: the forward sweep applies ``solve``
to ``dr``, the reverse sweep ``transpose_solve`` (or ``solve`` when ``symmetric``) to the
cotangent. The iterations themselves are never differentiated, so any solver works,
including ``while_loop`` ones. ``custom_root`` does the same with ``f(x) = 0``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import primitives as ops
from ..errors import GradError
from ..tracing.build import lift
from ..tracing.trace import current_trace
from ..tracing.tracer import Tracer
from .autodiff import vjp
from .custom import custom_vjp
from .forward import jvp


def _zeros_like(p: Any) -> Any:
    if isinstance(p, Tracer):
        return ops.elementwise("multiply", p, 0.0)
    return np.zeros(np.shape(p), np.dtype(getattr(p, "dtype", np.result_type(p))))


def linear_transpose(fun: Callable[..., Any], *primals: Any, reduce_axes: Any = ()) -> Any:
    """``jax.linear_transpose``: the transpose of the linear ``fun`` at inputs shaped like
    ``primals`` (arrays or ``ShapeDtypeStruct``s). The result maps an output cotangent to
    the tuple of input cotangents. ``fun`` must be linear: it is transposed through its
    reverse-mode derivative at zero, which for a linear function is its transpose."""
    zeros = [_zeros_like(p) for p in primals]

    def transposed(cotangent: Any) -> tuple[Any, ...]:
        _, pullback = vjp(fun, *zeros)
        return tuple(pullback(cotangent))

    return transposed


def _single(what: str, b: Any) -> None:
    if isinstance(b, (tuple, list, dict)):
        raise GradError(f"{what}: b must be one array (pytrees of arrays are not supported)")


def _split(out: Any, has_aux: bool) -> tuple[Any, Any]:
    return out if has_aux else (out, None)


def _joined(x: Any, aux: Any, has_aux: bool) -> Any:
    return (x, aux) if has_aux else x


def _with_derivative(
    value: Tracer,
    residual: Any,
    forward: Callable[[Tracer], Any],
    backward: Callable[[Tracer], Any],
    name: str,
) -> Tracer:
    """``value`` plus a zero whose tangent is ``forward(d residual)`` and whose reverse rule
    sends a cotangent ``g`` to ``backward(g)`` on ``residual``."""
    trace = current_trace()
    assert trace is not None
    r = lift(residual, trace)

    def zero(res: Any) -> Any:
        return ops.elementwise("multiply", res, 0.0)

    rule = custom_vjp(zero)
    rule.defvjp(lambda res: (zero(res), None), lambda _, g: (backward(g),))
    rule._tangent_rule = lambda primals, tangents: (zero(primals[0]), forward(tangents[0]))
    rule._name = name
    return ops.elementwise("add", value, ops.astype(rule(r), value.dtype))


def custom_linear_solve(
    matvec: Callable[[Any], Any],
    b: Any,
    solve: Callable[[Callable[[Any], Any], Any], Any],
    transpose_solve: Callable[[Callable[[Any], Any], Any], Any] | None = None,
    symmetric: bool = False,
    has_aux: bool = False,
) -> Any:
    """``jax.lax.custom_linear_solve``: ``x = solve(matvec, b)``, differentiated implicitly
    (``dx = solve(matvec, db - dA x)``; reverse: ``transpose_solve`` on the transposed
    ``matvec``, or ``solve`` itself when ``symmetric``)."""
    _single("custom_linear_solve", b)

    def run(rhs: Any) -> tuple[Any, Any]:
        return _split(solve(matvec, rhs), has_aux)

    trace = current_trace()
    if trace is None:
        return _joined(*run(b), has_aux)  # concrete values: nothing to differentiate
    x_value, aux = run(ops.stop_gradient(lift(b, trace)))
    x_value = ops.stop_gradient(x_value)
    residual = ops.elementwise("subtract", b, matvec(x_value))

    def forward(t: Tracer) -> Any:
        return run(t)[0]

    def backward(g: Tracer) -> Any:
        if symmetric:
            return run(g)[0]
        if transpose_solve is None:
            raise GradError(
                "custom_linear_solve: transpose_solve is required for reverse-mode "
                "differentiation of a non-symmetric solve"
            )
        vecmat = linear_transpose(matvec, x_value)
        out = transpose_solve(lambda y: vecmat(y)[0], g)
        return out[0] if has_aux else out

    x = _with_derivative(x_value, residual, forward, backward, "custom_linear_solve")
    return _joined(x, aux, has_aux)


def custom_root(
    f: Callable[[Any], Any],
    initial_guess: Any,
    solve: Callable[[Callable[[Any], Any], Any], Any],
    tangent_solve: Callable[[Callable[[Any], Any], Any], Any],
    has_aux: bool = False,
) -> Any:
    """``jax.lax.custom_root``: ``x = solve(f, initial_guess)`` with ``f(x) = 0``,
    differentiated implicitly: ``dx = -tangent_solve(J, df)`` where ``J`` is ``f``'s
    derivative in ``x`` at the root (its transpose in reverse mode)."""
    _single("custom_root", initial_guess)

    trace = current_trace()
    if trace is None:
        return _joined(*_split(solve(f, initial_guess), has_aux), has_aux)
    x_value, aux = _split(solve(f, ops.stop_gradient(lift(initial_guess, trace))), has_aux)
    x_value = ops.stop_gradient(x_value)
    residual = f(x_value)  # value ~0; tangent: f's derivative in what it closes over

    def jac(v: Any) -> Any:
        return jvp(f, (x_value,), (v,))[1]

    def forward(t: Tracer) -> Any:
        return ops.elementwise("negative", tangent_solve(jac, t))

    def backward(g: Tracer) -> Any:
        jac_t = linear_transpose(jac, x_value)
        return ops.elementwise("negative", tangent_solve(lambda y: jac_t(y)[0], g))

    x = _with_derivative(x_value, residual, forward, backward, "custom_root")
    return _joined(x, aux, has_aux)
