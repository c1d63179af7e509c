"""``axcomp.debug.print`` / ``callback``: printed at run time with run-time values, once per
call, in program order, never at trace time; per example under ``vmap``.

Every expected text below is what JAX 0.10.2 prints for the same program (run once by
hand with jax_enable_x64; the texts are NumPy's array printing, so they need no recording).
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as jnp
from axcomp import lax
from axcomp.core.array_impl import ArrayImpl
from axcomp.errors import MemoryBudgetError, UnsupportedError


def _printing(x):
    ax.debug.print("x={x} s={}", x.sum(), x=x)
    return x * 2


def _lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_eager_prints_at_once(capsys):
    _printing(jnp.arange(3.0))
    assert _lines(capsys) == ["x=[0. 1. 2.] s=3.0"]


def test_jit_prints_each_call_with_run_time_values_not_at_trace_time(capsys):
    f = ax.jit(_printing)
    traced = ax.eval_shape(f, jnp.arange(3.0))  # traced, never run
    assert traced.shape == (3,)
    assert _lines(capsys) == []
    f(jnp.arange(3.0))
    f(jnp.arange(3.0) + 1)
    assert _lines(capsys) == ["x=[0. 1. 2.] s=3.0", "x=[1. 2. 3.] s=6.0"]


def test_unused_print_is_kept_and_explained(capsys):
    f = ax.jit(lambda x: (ax.debug.print("unused {}", x), x + 1)[1])
    assert float(f(1.0)) == 2.0
    assert _lines(capsys) == ["unused 1.0"]
    assert "debug.print 'unused {}'" in str(ax.explain(f, 1.0))
    assert _lines(capsys) == []  # explaining compiles, it does not run


def test_identical_prints_are_not_merged_and_keep_their_order(capsys):
    def f(x):
        ax.debug.print("a {}", x)
        ax.debug.print("b {}", x * 2)
        ax.debug.print("a {}", x)
        return x

    ax.jit(f)(1.0)
    assert _lines(capsys) == ["a 1.0", "b 2.0", "a 1.0"]


def test_vmap_prints_once_per_example(capsys):
    ax.vmap(_printing)(jnp.arange(6.0).reshape(2, 3))
    ax.jit(ax.vmap(_printing))(jnp.arange(6.0).reshape(2, 3))
    want = ["x=[0. 1. 2.] s=3.0", "x=[3. 4. 5.] s=12.0"]
    assert _lines(capsys) == want * 2


def test_vmap_unmapped_operand_whole_and_nested_order(capsys):
    ax.vmap(lambda x, y: ax.debug.print("{} {}", x, y), in_axes=(0, None))(
        jnp.arange(2.0), jnp.arange(3.0)
    )
    assert _lines(capsys) == ["0.0 [0. 1. 2.]", "1.0 [0. 1. 2.]"]
    inner = ax.vmap(lambda x, y: ax.debug.print("{} {}", x, y), in_axes=(None, 0))
    ax.vmap(inner, in_axes=(0, None))(jnp.arange(2.0), jnp.arange(3.0))
    # the inner level's index changes slowest, as in JAX
    assert _lines(capsys) == ["0.0 0.0", "1.0 0.0", "0.0 1.0", "1.0 1.0", "0.0 2.0", "1.0 2.0"]


def test_vmap_of_a_print_with_no_mapped_operand_prints_once(capsys):
    def f(x):
        ax.debug.print("pre")
        ax.debug.print("c {}", 5.0)
        return x

    ax.vmap(f)(jnp.arange(3.0))
    assert _lines(capsys) == ["pre", "c 5.0"]


def test_scan_and_fori_loop_print_every_step(capsys):
    def body(c, x):
        ax.debug.print("c={c} x={x}", c=c, x=x)
        return c + x, c

    lax.scan(body, 0.0, jnp.arange(3.0))
    assert _lines(capsys) == ["c=0.0 x=0.0", "c=0.0 x=1.0", "c=1.0 x=2.0"]
    lax.fori_loop(0, 3, lambda i, c: (ax.debug.print("i={}", i), c + i)[1], 0)
    assert _lines(capsys) == ["i=0", "i=1", "i=2"]


def test_while_loop_prints_only_the_steps_taken(capsys):
    def f(x):
        return lax.while_loop(lambda c: c < x, lambda c: (ax.debug.print("w {}", c), c + 1)[1], 0)

    ax.jit(f)(3)
    assert _lines(capsys) == ["w 0", "w 1", "w 2"]
    # batched: every example each step while some example goes on (JAX's order)
    ax.vmap(f)(jnp.array([1, 3]))
    assert _lines(capsys) == ["w 0", "w 0", "w 1", "w 1", "w 1", "w 2"]


def test_cond_prints_the_branch_taken_or_both_when_batched(capsys):
    def f(x):
        return lax.cond(
            x > 0,
            lambda: (ax.debug.print("pos {}", x), x)[1],
            lambda: (ax.debug.print("neg {}", x), -x)[1],
        )

    ax.jit(f)(1.0)
    ax.jit(f)(-2.0)
    assert _lines(capsys) == ["pos 1.0", "neg -2.0"]
    ax.vmap(f)(jnp.array([1.0, -1.0]))
    assert _lines(capsys) == ["neg 1.0", "neg -1.0", "pos 1.0", "pos -1.0"]


def _sin_printing(x):
    ax.debug.print("g x={}", x)
    return jnp.sin(x)


@pytest.mark.parametrize(
    "transform",
    [
        ax.grad,
        lambda f: ax.jit(ax.grad(f)),
        ax.value_and_grad,
        lambda f: lambda x: ax.vjp(f, x),
        lambda f: lambda x: ax.jvp(f, (x,), (1.0,)),
        lambda f: lambda x: ax.linearize(f, x),
        lambda f: ax.grad(ax.checkpoint(f)),
    ],
)
def test_differentiation_prints_the_primal_once(capsys, transform):
    transform(_sin_printing)(1.0)
    assert _lines(capsys) == ["g x=1.0"]


@pytest.mark.parametrize("jacobian", [ax.jacfwd, ax.jacrev, ax.hessian])
def test_jacobians_print_the_primal_once(capsys, jacobian):
    out = jacobian(lambda x: (ax.debug.print("p {}", x), (x * x).sum())[1])(jnp.arange(2.0))
    assert np.asarray(out).size
    assert _lines(capsys) == ["p [0. 1.]"]


def test_grad_of_scan_prints_the_forward_steps(capsys):
    def body(c, x):
        ax.debug.print("c={c} x={x}", c=c, x=x)
        return c + x, c

    g = ax.grad(lambda x: lax.scan(body, x, jnp.arange(2.0))[0])(1.0)
    assert float(g) == 1.0
    assert _lines(capsys) == ["c=1.0 x=0.0", "c=1.0 x=1.0"]


def test_eager_grad_with_python_control_flow_prints_only_the_path_taken(capsys):
    def f(x):
        ax.debug.print("f {}", x)
        return x * 2 if x > 0 else -x

    g = ax.grad(f)
    values = [1.0, -1.0, 1.0, -1.0]
    assert [float(g(v)) for v in values] == [2.0, -1.0, 2.0, -1.0]
    assert _lines(capsys) == [f"f {v}" for v in values]


def test_format_errors_raise_while_tracing(capsys):
    for f in (ax.jit(lambda x: ax.debug.print("{y}", x=x)), lambda x: ax.debug.print("{y}", x=x)):
        with pytest.raises(KeyError):
            f(1.0)
    with pytest.raises(IndexError):
        ax.jit(lambda x: ax.debug.print("{} {}", x))(1.0)
    assert _lines(capsys) == []


def test_format_spec_and_print_options(capsys):
    ax.debug.print("{x:.3f}", x=jnp.float32(1.5))
    with np.printoptions(precision=2):
        ax.jit(lambda x: ax.debug.print("{}", x))(np.array([np.pi, 1.0]))
    assert _lines(capsys) == ["1.500", "[3.14 1.  ]"]


def test_callback_gets_arrays_and_keywords(capsys):
    got = []
    ax.debug.callback(lambda a, b=None: got.append((type(a), np.asarray(a), b)), 1.0, b=2)
    assert got[0][0] is ArrayImpl and float(got[0][1]) == 1.0 and int(got[0][2]) == 2

    def f(x):
        ax.debug.callback(lambda a, b: got.append((np.asarray(a).copy(), float(b))), x, b=2 * x[0])
        return x

    ax.jit(ax.vmap(f))(jnp.arange(4.0).reshape(2, 2))
    assert [(a.tolist(), b) for a, b in got[1:]] == [([0.0, 1.0], 0.0), ([2.0, 3.0], 4.0)]
    assert ax.debug.callback(lambda: None) is None


def test_export_and_array_api_refuse_callbacks():
    with pytest.raises(UnsupportedError, match="calls back into Python"):
        ax.export(_sin_printing, 1.0)
    xp = pytest.importorskip("array_api_strict")
    with pytest.raises(UnsupportedError, match="callback"):
        ax.jit(_sin_printing)(xp.asarray(1.0))


def test_a_program_with_a_callback_is_never_split_into_blocks():
    def kernel(x, printing):
        if printing:
            ax.debug.print("{}", x.sum())
        return jnp.tanh(jnp.outer(x, x) + 1.0).sum()

    x = np.ones((8, 64))
    plain = ax.jit(ax.vmap(lambda x: kernel(x, False)), memory_limit=100_000)
    assert "chunk" in str(ax.explain(plain, x)).lower()  # blocks, without the print
    printing = ax.jit(ax.vmap(lambda x: kernel(x, True)), memory_limit=100_000)
    with pytest.raises(MemoryBudgetError, match="callback"):
        printing(x)


def test_log_goes_to_the_debug_logger(caplog):
    with caplog.at_level(logging.INFO, logger="axcomp.debug"):
        ax.debug.log("val {x}", x=np.float64(1.5))
        ax.jit(lambda x: ax.debug.log("jit val {}", x))(2.0)
    assert [r.getMessage() for r in caplog.records] == ["val 1.5", "jit val 2.0"]


def test_skip_format_check_and_missing_names(capsys):
    f = ax.jit(lambda x: ax.debug.print("{x}", x=x, skip_format_check=True))
    f(1.0)
    assert _lines(capsys) == ["1.0"]
    with pytest.raises(AttributeError, match=r"jax\.debug\.breakpoint"):
        ax.debug.breakpoint  # noqa: B018
