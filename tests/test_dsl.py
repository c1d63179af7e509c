"""The axcomp language: every example of issue 3 against NumPy, and DSL == Python API
(same results, same ``.equations``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.dsl import Kernel, Module

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# the module text of issue 3, verbatim (hence the long line)
ISSUE_MODULE = """
# comment
kernel matvec(M[m, n], v[n]) -> [m] = sum[n](M[m, n] * v[n])
kernel matmul(A[i, k], B[k, j]) -> [i, j] = A[i, k] * B[k, j]     # implicit sum over k: a pure product
kernel sqdist(a[d], b[d]) = sum[d]((a[d] - b[d]) ** 2)            # no "->": a scalar result
kernel softmax(x[n]) -> [n] = exp(x[n] - max[n](x[n])) / sum[n](exp(x[n] - max[n](x[n])))

pairwise_matvec = vmap(vmap(matvec, in_axes=(None, 0)), in_axes=(0, None))
batched_matvec  = vmap(matvec, in_axes=(0, 0))
pairwise_dist   = jit(vmap(vmap(sqdist, in_axes=(None, 0)), in_axes=(0, None)))
batched_softmax = vmap(softmax, in_axes=1, out_axes=1)
kernel total(pa[i, d], pb[j, d]) = sum[i, j](pairwise_dist(pa, pb)[i, j])
grad_total      = grad(total, argnums=0)
"""  # noqa: E501

rng = np.random.default_rng(0)
MATS = rng.normal(size=(3, 2, 5))
VECS = rng.normal(size=(4, 5))
PAIRED = rng.normal(size=(3, 5))
PA = rng.normal(size=(3, 2))
PB = rng.normal(size=(4, 2))
X = rng.normal(size=(5, 3))


@pytest.fixture(scope="module")
def mod() -> Module:
    return ax.compile(ISSUE_MODULE)


def np_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_pairwise_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)


def test_every_name_is_an_attribute_and_an_item(mod: Module) -> None:
    assert list(mod) == [
        "matvec",
        "matmul",
        "sqdist",
        "softmax",
        "pairwise_matvec",
        "batched_matvec",
        "pairwise_dist",
        "batched_softmax",
        "total",
        "grad_total",
    ]
    for name in mod:
        assert mod[name] is getattr(mod, name)
    assert "matvec" in mod and len(mod) == 10
    assert isinstance(mod.matvec, Kernel)
    with pytest.raises(KeyError):
        mod["nope"]
    with pytest.raises(AttributeError):
        mod.nope  # noqa: B018


@pytest.mark.parametrize(
    ("name", "args", "reference"),
    [
        ("matvec", (MATS[0], VECS[0]), lambda M, v: M @ v),
        ("matmul", (MATS[0], MATS[1].T), lambda A, B: A @ B),
        ("sqdist", (PA[0], PB[0]), lambda a, b: ((a - b) ** 2).sum()),
        ("softmax", (X[:, 0],), lambda x: np_softmax(x, 0)),
        ("pairwise_matvec", (MATS, VECS), lambda M, V: np.einsum("amn,bn->abm", M, V)),
        ("batched_matvec", (MATS, PAIRED), lambda M, V: np.einsum("amn,an->am", M, V)),
        ("pairwise_dist", (PA, PB), np_pairwise_dist),
        ("batched_softmax", (X,), lambda x: np_softmax(x, 0)),
        ("total", (PA, PB), lambda a, b: np_pairwise_dist(a, b).sum()),
        ("grad_total", (PA, PB), lambda a, b: 2 * (len(b) * a - b.sum(0))),
    ],
)
def test_issue_examples_match_numpy(mod: Module, name: str, args: Any, reference: Any) -> None:
    np.testing.assert_allclose(mod[name](*args), reference(*args), rtol=1e-12, atol=1e-12)


def test_kernel_object_works_with_axcomp_vmap() -> None:
    k = ax.kernel("(M[m, n], v[n]) -> [m] = sum[n](M[m, n] * v[n])", name="mv")
    pairwise = ax.vmap(ax.vmap(k, in_axes=(None, 0)), in_axes=(0, None))
    np.testing.assert_allclose(pairwise(MATS, VECS), np.einsum("amn,bn->abm", MATS, VECS))
    assert "axcomp_mv" in ax.explain(pairwise, MATS, VECS).source


# ---------------------------------------------------------------- DSL == Python API


def py_matvec(M: Any, v: Any) -> Any:
    return anp.dot(M, v)


def py_sqdist(a: Any, b: Any) -> Any:
    return anp.sum((a - b) ** 2)


def py_softmax(x: Any) -> Any:
    return anp.exp(x - anp.max(x)) / anp.sum(anp.exp(x - anp.max(x)))


def py_matmul(A: Any, B: Any) -> Any:
    return A @ B


PY_PAIRWISE_DIST = ax.jit(ax.vmap(ax.vmap(py_sqdist, in_axes=(None, 0)), in_axes=(0, None)))


def py_total(pa: Any, pb: Any) -> Any:
    return anp.sum(PY_PAIRWISE_DIST(pa, pb))


PYTHON = {
    "pairwise_matvec": ax.vmap(ax.vmap(py_matvec, in_axes=(None, 0)), in_axes=(0, None)),
    "batched_matvec": ax.vmap(py_matvec, in_axes=(0, 0)),
    "pairwise_dist": PY_PAIRWISE_DIST,
    "batched_softmax": ax.vmap(py_softmax, in_axes=1, out_axes=1),
    "matmul": py_matmul,
    "total": py_total,
}
ARGS = {
    "pairwise_matvec": (MATS, VECS),
    "batched_matvec": (MATS, PAIRED),
    "pairwise_dist": (PA, PB),
    "batched_softmax": (X,),
    "matmul": (MATS[0], MATS[1].T),
    "total": (PA, PB),
}


@pytest.mark.parametrize("name", sorted(PYTHON))
def test_dsl_and_python_api_give_same_results_and_equations(mod: Module, name: str) -> None:
    args = ARGS[name]
    np.testing.assert_allclose(mod[name](*args), PYTHON[name](*args), rtol=1e-13)
    assert ax.explain(mod[name], *args).equations == ax.explain(PYTHON[name], *args).equations


def test_matvec_is_one_einsum_like_dot(mod: Module) -> None:
    eqs = ax.explain(mod.pairwise_matvec, MATS, VECS).equations
    assert len(eqs) == 1
    assert eqs == ax.explain(PYTHON["pairwise_matvec"], MATS, VECS).equations


def test_grad_matches_python_grad(mod: Module) -> None:
    py = ax.grad(py_total, argnums=0)
    np.testing.assert_allclose(mod.grad_total(PA, PB), py(PA, PB), rtol=1e-13)
    assert ax.explain(mod.grad_total, PA, PB).equations == ax.explain(py, PA, PB).equations


def test_in_axes_literals_mean_what_vmap_says() -> None:
    mod = ax.compile("""
kernel add(a[n], b[n]) -> [n] = a[n] + b[n]
neg = vmap(add, (-1, None), 1)
pos = vmap(add, in_axes=[0, None], out_axes=-1, axis_size=3, axis_name="batch")
""")
    a, b = rng.normal(size=(4, 3)), rng.normal(size=4)
    ref = ax.vmap(lambda x, y: x + y, (-1, None), 1)
    np.testing.assert_allclose(mod.neg(a, b), ref(a, b))
    assert mod.neg.in_axes == (-1, None) and mod.neg.out_axes == 1
    assert mod.pos.axis_size == 3 and mod.pos.axis_name == "batch"
    np.testing.assert_allclose(mod.pos(a.T, b), (a.T + b).T)


def test_dict_in_axes_and_registry_kernels() -> None:
    def pick(tree: dict[str, Any]) -> Any:
        return tree["w"] * 2 + tree["b"]

    mod = ax.compile('f = vmap(pick, in_axes=({"w": 0, "b": None},))', kernels={"pick": pick})
    w, b = rng.normal(size=(5, 2)), rng.normal(size=2)
    np.testing.assert_allclose(mod.f({"w": w, "b": b}), w * 2 + b)


def test_calls_and_registry_inside_kernels() -> None:
    k = ax.kernel("(a[n], b[n]) -> [n] = a[n] * b[n]")
    mod = ax.compile(
        """
kernel inner(x[n], y[n]) = sum[n](prod2(x, y)[n])
kernel twice(x[n]) -> [n] = 2 * prod2(x, x)[n] - -x[n]
""",
        kernels={"prod2": k},
    )
    x, y = rng.normal(size=4), rng.normal(size=4)
    np.testing.assert_allclose(mod.inner(x, y), x @ y)
    np.testing.assert_allclose(mod.twice(x), 2 * x * x + x)


@pytest.mark.parametrize(
    ("text", "args", "reference"),
    [
        ("(x[n]) -> [n] = sigmoid(x[n])", (X[:, 0],), lambda x: 1 / (1 + np.exp(-x))),
        (
            "(x[n]) -> [n] = relu(x[n]) + abs(x[n]) * sign(x[n])",
            (X[:, 0],),
            lambda x: np.maximum(x, 0) + x,
        ),
        ("(x[n]) = logsumexp[n](x[n])", (X[:, 0],), lambda x: np.log(np.exp(x).sum())),
        (
            "(x[i, j]) -> [j] = mean[i](x[i, j]) + min[i](x[i, j]) * max[i](x[i, j])",
            (X,),
            lambda x: x.mean(0) + x.min(0) * x.max(0),
        ),
        (
            "(x[i, j]) -> [j, i] = where(x[i, j] > 0, sqrt(abs(x[i, j])), -x[i, j] / 2)",
            (X,),
            lambda x: np.where(x > 0, np.sqrt(np.abs(x)), -x / 2).T,
        ),
        ("(x[i, j]) = prod[i, j](1 + x[i, j] ** 2)", (X,), lambda x: np.prod(1 + x**2)),
        ("(A[i, i]) = A[i, i]", (MATS[0, :, :2],), lambda a: np.trace(a)),
        ("(A[i, j], c) -> [j, i] = c * A[i, j]", (MATS[0], 3.0), lambda a, c: 3.0 * a.T),
        (
            "(a[i], b[j]) -> [i, j] = maximum(a[i], b[j]) - minimum(log1p(exp(a[i])), "
            "expm1(tanh(b[j]))) + sin(a[i]) * cos(b[j])",
            (PA[:, 0], PB[:, 0]),
            lambda a, b: (
                np.maximum(a[:, None], b)
                - np.minimum(np.log1p(np.exp(a))[:, None], np.expm1(np.tanh(b)))
                + np.sin(a)[:, None] * np.cos(b)
            ),
        ),
        (
            "(K[s, d], q[d]) -> [s, t] = K[s, d] * K[t, d] * q[d]",
            (MATS[0], VECS[0]),
            lambda k, q: np.einsum("sd,td,d->st", k, k, q),
        ),
    ],
)
def test_expression_forms_match_numpy(text: str, args: Any, reference: Any) -> None:
    np.testing.assert_allclose(ax.kernel(text)(*args), reference(*args), rtol=1e-12)


def test_logsumexp_is_stable() -> None:
    k = ax.kernel("(x[n]) = logsumexp[n](x[n])")
    big = np.array([1000.0, 1000.0])
    np.testing.assert_allclose(k(big), 1000 + np.log(2))


def test_newlines_inside_brackets_continue_a_statement() -> None:
    mod = ax.compile(
        "kernel f(a[n],\n         b[n]) = sum[n](\n  a[n] * b[n]\n)\n"
        "g = vmap(f,\n  in_axes=(0,\n           None))\n"
    )
    np.testing.assert_allclose(mod.g(PA, PB[0]), PA @ PB[0])


@pytest.mark.parametrize("path", ["seed.ax", "seed.toml", "seed.yaml"])
def test_seed_examples_express_the_tutorial(path: str) -> None:
    mod = ax.load(EXAMPLES / path)
    mats = np.arange(18.0).reshape(3, 2, 3)
    vecs = np.arange(9.0).reshape(3, 3)
    outer = np.arange(12.0).reshape(4, 3)
    np.testing.assert_allclose(
        mod.matvec_multiply(np.arange(6.0).reshape(2, 3), np.arange(3.0)), [5.0, 14.0]
    )
    np.testing.assert_allclose(mod.batched_matvec(mats, vecs), np.einsum("bmn,bn->bm", mats, vecs))
    result = mod.pairwise_matvec(mats, outer)
    assert result.shape == (3, 4, 2)
    np.testing.assert_allclose(result[1, 2], mats[1] @ outer[2])
    np.testing.assert_allclose(mod.inner_mapped_matvec(mats[0], outer), outer @ mats[0].T)
    a = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    b = np.array([[2.0, 2.0], [-2.0, 2.0], [2.0, -2.0], [-2.0, -2.0]])
    dist = mod.pairwise_distance_sq(a, b)
    assert dist.shape == (3, 4) and dist[0, 0] == 5.0
    np.testing.assert_allclose(mod.jitted_pairwise_distance_sq(a, b), np_pairwise_dist(a, b))
    np.testing.assert_allclose(mod.sum_of_distances(a, b), np_pairwise_dist(a, b).sum())
    np.testing.assert_allclose(mod.grad_sum_dist_wrt_a(a, b), 2 * (len(b) * a - b.sum(0)))
    eqs = ax.explain(mod.pairwise_matvec, mats, outer).equations
    assert eqs == ax.explain(PYTHON["pairwise_matvec"], mats, outer).equations


def test_config_source_key_and_registry(tmp_path: Path) -> None:
    cfg = tmp_path / "m.toml"
    cfg.write_text(
        'source = """\nkernel sq(x[n]) -> [n] = x[n] * x[n]\n"""\n'
        '[functions]\nbatched = "vmap(sq)"\nuse_py = "vmap(py)"\n'
    )
    mod = ax.load(cfg, kernels={"py": lambda x: x + 1})
    np.testing.assert_allclose(mod.batched(PA), PA * PA)
    np.testing.assert_allclose(mod.use_py(PA), PA + 1)
