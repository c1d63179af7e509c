"""User names never steer generated code: hostile parameter, kwargs, pytree-key and function
names through jit, vmap, grad, chunked runs, the Array API emitter, export (the module
imported and run) and the CLI's export, each checked against NumPy by hand; the names the
generated code reads are all its own (``_``-prefixed or allocated by the lowering)."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import keyword
import string
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import axcomp as ax
import axcomp.numpy as anp
from axcomp.cli import main
from axcomp.core.names import MAX_LENGTH, is_plain, normalise, python_name
from axcomp.tree_util import tree_leaves

C = np.array([1.0, 2.0, 3.0])
STEPS = 70  # past MAX_UNROLL: a loop statement in the generated code

#: Names generated code has used or uses for itself, Python's words and look-alikes.
HOSTILE = [
    # the export shape check's locals and the builtins generated code calls
    *"value shape dtype label zip bool int min range tuple ValueError".split(),
    # module aliases, helpers, chunk-driver and export locals
    *"_np _xp _bool _range _zip _r _k _s _e _one _block _tail _p0 _o0 _dt0 _dev".split(),
    *"_diagonal _place _SIGNATURE _b64 _run_blocks _make_axcomp_f _k_c0 _dt_float64".split(),
    # every kind of allocated name: temporaries, constants, dtypes, loop and branch names
    *"t0 t1 t2 c0 c1 dt_float64 carry0 step x0 w0 in0 axcomp_f axcomp__lambda_ x x_1".split(),
    # keywords, dunders, NFKC look-alikes of all of the above, non-identifiers
    *"lambda class None True def match type __class__ __builtins__ __name__".split(),
    "ｔ0",
    "ｃ0",
    "ｘ",
    "ｚｉｐ",
    "ｂｏｏｌ",
    "＿np",
    "f²",
    "ﬁ",
    "ℌ",
    "e\u0301",
    "\u0301",
    "a b",
    'q"""\nimport os\n"""',
    "1x",
    "",
    "\x00",
    "\u2028",
    "\x85",
    "\ud800",
    "расстояние",
    "y" * 300,
]


def kernel(x, h):
    """A constant, temporaries, an ``if`` on an unbatched predicate and a loop."""
    y = x * C + h * 2.0
    y = ax.lax.cond(anp.sum(h) > 0, lambda a: a * 2.0, lambda a: a - 1.0, y)
    return ax.lax.fori_loop(0, STEPS, lambda i, a: a * 0.99 + h * 0.01, y)


def kernel_by_hand(x, h):
    y = x * C + h * 2.0
    y = y * 2.0 if h.sum() > 0 else y - 1.0
    for _ in range(STEPS):
        y = y * 0.99 + h * 0.01
    return y


X = np.array([0.5, -1.0, 2.0])
H = np.array([0.25, 1.5, -0.5])


def positional(name):
    """``kernel`` with its second parameter called ``name`` (when Python allows it)."""

    def f(*args):
        return kernel(*args)

    f.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in ("x", name)]
    )
    f.__name__ = name
    return f


def allowed_parameter(name):
    return name.isidentifier() and not keyword.iskeyword(name) and name != "x"


def _own_nodes(fn):
    """The nodes of ``fn``'s body, not descending into functions defined inside it."""
    stack = list(fn.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef):
            stack.extend(ast.iter_child_nodes(node))


def free_names(tree):
    """``(function, name)`` for each name a function of ``tree`` reads that neither it nor
    an enclosing function binds."""
    found = []

    def visit(fn, outer):
        bound = set(outer) | {a.arg for a in fn.args.args + fn.args.kwonlyargs}
        inner = []
        for node in _own_nodes(fn):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                bound.add(node.id)
            elif isinstance(node, ast.FunctionDef):
                bound.add(node.name)
                inner.append(node)
        for node in _own_nodes(fn):
            if (
                isinstance(node, ast.Name)
                and isinstance(node.ctx, ast.Load)
                and node.id not in bound
            ):
                found.append((fn.name, node.id))
        for node in inner:
            visit(node, bound)

    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            visit(node, set())
    return found


def assert_reads_only_its_own(compiled):
    """The generated functions read only ``_`` names and the plan's own constants."""
    constants = {n for n, _ in compiled.plan.constants}
    chunks = compiled.chunks
    if chunks is not None:
        for plan in (chunks.block, chunks.tail):
            if plan is not None:
                constants |= {n for n, _ in plan.constants}
    tree = ast.parse(compiled.source)
    for fn, name in free_names(tree):
        assert name.startswith("_") or name in constants, (fn, name, compiled.source)
    for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        assert fn.name.startswith("axcomp_") and fn.name == normalise(fn.name)
        for a in fn.args.args:  # parameters: plain (the allocator may lengthen them)
            assert is_plain(a.arg[:MAX_LENGTH]) and normalise(a.arg) == a.arg, a.arg


def load_module(tmp_path, source, stem="exported"):
    path = tmp_path / f"{stem}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"axcomp_test_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_module_keeps_to_itself(source, public):
    tree = ast.parse(source)
    for fn, name in free_names(tree):
        assert name.startswith("_"), (fn, name)
    top = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            top.add(node.name)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                top |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
    assert {n for n in top if not n.startswith("_")} == {public}


# -- names as kwargs keys, positional parameters and pytree keys ---------------------------
@pytest.mark.parametrize("name", HOSTILE, ids=ascii)
def test_hostile_kwargs_key_through_jit_and_export(tmp_path, name):
    f = ax.jit(lambda **kw: kernel(kw["x"], kw[name]))
    orders = [{name: H, "x": X}, {"x": X, name: H}] if name != "x" else [{"x": X}]
    for kw in orders:  # the hostile name allocated before and after the other one
        want = kernel_by_hand(X, kw[name])
        np.testing.assert_allclose(f(**kw), want, rtol=1e-12)
        compiled = f.lower(**kw)
        assert_reads_only_its_own(compiled)
        assert ax.explain(f, **kw).source == compiled.source
        source = ax.export(f, **kw, name=name)
        public = python_name(name)
        assert_module_keeps_to_itself(source, public)
        module = load_module(tmp_path, source)
        got = getattr(module, public)(*tree_leaves(((), kw)))
        np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("name", [n for n in HOSTILE if allowed_parameter(n)], ids=ascii)
def test_hostile_parameter_and_function_name(tmp_path, name):
    f = ax.jit(positional(name))
    want = kernel_by_hand(X, H)
    np.testing.assert_allclose(f(X, H), want, rtol=1e-12)
    compiled = f.lower(X, H)
    assert_reads_only_its_own(compiled)
    source = ax.export(f, X, H)
    public = python_name(name)
    assert_module_keeps_to_itself(source, public)
    np.testing.assert_allclose(getattr(load_module(tmp_path, source), public)(X, H), want)
    # forward mode on the same names: columns of the Jacobian in x by central differences
    eps = 1e-6
    fd = np.stack(
        [
            (kernel_by_hand(X + eps * e, H) - kernel_by_hand(X - eps * e, H)) / (2 * eps)
            for e in np.eye(3)
        ],
        axis=1,
    )
    np.testing.assert_allclose(ax.jacfwd(positional(name))(X, H), fd, rtol=1e-6, atol=1e-9)
    _, tangent = ax.jvp(positional(name), (X, H), (np.ones(3), np.zeros(3)))
    np.testing.assert_allclose(tangent, fd.sum(axis=1), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", HOSTILE, ids=ascii)
def test_hostile_pytree_key_through_vmap_and_grad(name):
    xs = np.stack([X, 2 * X, -X])

    def loss(x, tree):
        return anp.sum(kernel(x, tree[name]) ** 2)

    tree = {name: H, "other": np.zeros(3)}
    got = ax.vmap(loss, in_axes=(0, None))(xs, tree)
    np.testing.assert_allclose(got, [np.sum(kernel_by_hand(x, H) ** 2) for x in xs], rtol=1e-12)
    g = ax.grad(loss)(X, tree)
    eps = 1e-6
    fd = [
        (np.sum(kernel_by_hand(X + eps * e, H) ** 2) - np.sum(kernel_by_hand(X - eps * e, H) ** 2))
        / (2 * eps)
        for e in np.eye(3)
    ]
    np.testing.assert_allclose(g, fd, rtol=1e-6)
    gt = ax.grad(loss, argnums=1)(X, tree)
    fd_h = [
        (np.sum(kernel_by_hand(X, H + eps * e) ** 2) - np.sum(kernel_by_hand(X, H - eps * e) ** 2))
        / (2 * eps)
        for e in np.eye(3)
    ]
    np.testing.assert_allclose(gt[name], fd_h, rtol=1e-5)
    np.testing.assert_array_equal(gt["other"], 0.0)


@pytest.mark.parametrize("name", HOSTILE, ids=ascii)
def test_hostile_name_in_chunked_run_and_its_export(tmp_path, name):
    a = np.random.default_rng(1).normal(size=(23, 16))
    b = np.random.default_rng(2).normal(size=(23, 10, 16))
    rows = ax.vmap(lambda u, **kw: anp.sum(anp.abs(u - kw[name]), axis=-1))  # kwargs: axis 0
    f = ax.jit(rows, memory_limit="8KiB", threads=1)
    kw = {name: a}
    compiled = f.lower(b, **kw)
    assert compiled.chunks is not None
    assert_reads_only_its_own(compiled)
    want = np.abs(b - a[:, None, :]).sum(-1)
    np.testing.assert_allclose(f(b, **kw), want, rtol=1e-12)
    source = ax.export(f, b, **kw, name="rows")
    assert_module_keeps_to_itself(source, "rows")
    np.testing.assert_allclose(load_module(tmp_path, source).rows(b, a), want, rtol=1e-12)


def test_hostile_names_on_the_array_api_emitter():
    xp = pytest.importorskip("array_api_strict")
    for name in ["zip", "tuple", "_xp", "_dev", "_k_c0", "_dt_float64", "ｔ0", "c0", "lambda"]:
        f = ax.jit(lambda **kw: kernel(kw["x"], kw[name]))  # noqa: B023
        kw = {"x": xp.asarray(X), name: xp.asarray(H)}
        got = f(**kw)
        assert type(got) is type(kw["x"])
        np.testing.assert_allclose(np.asarray(got), kernel_by_hand(X, H), rtol=1e-12)
        assert_reads_only_its_own(f.lower(**kw))


# -- look-alikes and collisions ------------------------------------------------------------
def test_look_alike_names_are_separate_buffers():
    # the numbers: ``ｔ0`` used to become the temporary ``t0``
    f = ax.jit(lambda **kw: kw["x"] * 2.0 + kw["ｔ0"])
    np.testing.assert_array_equal(f(x=np.arange(3.0), **{"ｔ0": np.full(3, 10.0)}), [10, 12, 14])
    g = ax.jit(lambda **kw: kw["x"] * C + kw["ｃ0"])  # ``ｃ0`` used to shadow the constant
    np.testing.assert_array_equal(g(x=np.arange(3.0), **{"ｃ0": np.full(3, 10.0)}), [10, 12, 16])
    h = ax.jit(lambda **kw: kw["x"] - 2 * kw["ｘ"])  # two names Python reads as one
    np.testing.assert_array_equal(h(x=np.arange(3.0), **{"ｘ": np.full(3, 10.0)}), [-20, -19, -18])
    inputs = h.lower(x=np.arange(3.0), **{"ｘ": np.full(3, 10.0)}).plan.inputs
    assert len(set(inputs)) == 2 and all(is_plain(n) for n in inputs)


FUNCTION_NAMES = {  # a function's name -> the generated function's
    "ｆ": "axcomp_f",
    "f²": "axcomp_f2",
    "<lambda>": "axcomp__lambda_",
    "ℌ": "axcomp_H",
    "a.b": "axcomp_a_b",
    "": "axcomp_fun",
    "f" * 500: "axcomp_" + "f" * MAX_LENGTH,
    "\x00": "axcomp__",
}


@pytest.mark.parametrize("fname", FUNCTION_NAMES, ids=ascii)
def test_any_function_name_compiles(fname):
    def f(x):
        return x * 2.0

    def loss(x):
        return anp.sum(x**2) * 4.0

    f.__name__ = loss.__name__ = fname
    np.testing.assert_array_equal(ax.jit(f)(X), X * 2.0)
    np.testing.assert_array_equal(ax.vmap(f)(X), X * 2.0)
    np.testing.assert_allclose(ax.grad(loss)(X), 8.0 * X)
    assert ax.jit(f).lower(X).source.startswith(f"def {FUNCTION_NAMES[fname]}(x):")


def test_export_docstrings_escape_user_text(tmp_path):
    def f(x):
        return x + 1.0

    f.__qualname__ = 'evil"""\nraise SystemExit("injected")\n"""\\'
    source = ax.export(ax.jit(f), X, name="plus")
    module = load_module(tmp_path, source)
    np.testing.assert_array_equal(module.plus(X), X + 1.0)
    assert 'raise SystemExit("injected")' in module.__doc__  # kept as text, not as code


# -- the DSL and the CLI's export ----------------------------------------------------------
DSL_NAMES = [
    *"value shape dtype label zip bool int range t0 c0 dt_float64 axcomp_f".split(),
    *"_np _r _s _value __class__ __builtins__ x_1 step carry0".split(),
]


@pytest.mark.parametrize("name", DSL_NAMES)
def test_dsl_kernel_parameter_through_cli_export(tmp_path, name):
    text = f"kernel f({name}[i], w[i]) -> [i] = {name}[i] * w[i] + 1\n"
    spec = tmp_path / "k.ax"
    spec.write_text(text)
    x, w = np.array([1.0, 2.0, 3.0]), np.array([5.0, -1.0, 0.5])
    np.testing.assert_array_equal(ax.compile(text)["f"](x, w), x * w + 1)
    out = tmp_path / "k.py"
    assert main(["export", str(spec), "f", "--shapes", "3 3", "-o", str(out)]) == 0
    source = out.read_text()
    assert_module_keeps_to_itself(source, "f")
    np.testing.assert_array_equal(load_module(tmp_path, source, "k").f(x, w), x * w + 1)


@pytest.mark.parametrize("name", ["lambda", "None", "def", "class", "yield"])
def test_dsl_keyword_parameter_is_refused_by_name(tmp_path, name):
    text = f"kernel f({name}[i]) -> [i] = {name}[i] * 2\n"
    with pytest.raises(ax.AxcompError, match=f"'{name}' is a Python keyword") as info:
        ax.compile(text)
    assert isinstance(info.value, ValueError)
    spec = tmp_path / "k.ax"
    spec.write_text(text)
    assert main(["export", str(spec), "f", "--shapes", "3", "-o", str(tmp_path / "o.py")]) != 0


# -- python_name itself, and random names end to end -------------------------------------
IDENTIFIERISH = st.text(
    alphabet=st.one_of(
        st.sampled_from(string.ascii_letters + string.digits + "_"),
        st.characters(min_codepoint=0xA0, max_codepoint=0x2FFF),  # letters, marks, symbols
        st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),  # fullwidth forms
        st.sampled_from("²³¹ﬁﬂℌℍ℮\u0301\u200d $.-\"'\\\n"),
    ),
    max_size=12,
)


@given(IDENTIFIERISH)
@settings(max_examples=300, deadline=None)
def test_python_name_is_plain_and_stable(text):
    name = python_name(text)
    assert is_plain(name) and len(name) <= MAX_LENGTH
    assert python_name(name) == name  # plain names are kept as they are
    if is_plain(normalise(text)):
        assert name == normalise(text)  # readable names stay readable
    compile(f"def f({name}):\n    return {name}\n", "<probe>", "exec")


@given(st.lists(IDENTIFIERISH, min_size=1, max_size=4, unique=True))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_kwargs_names_compute_what_numpy_does(names):
    values = {n: np.full(3, float(k + 1)) * np.arange(1.0, 4.0) for k, n in enumerate(names)}
    weights = {n: float(2**k) for k, n in enumerate(names)}

    def f(**kw):
        out = 0.0
        for n in names:
            out = out + kw[n] * weights[n]
        return out * C

    want = sum(values[n] * weights[n] for n in names) * C
    jitted = ax.jit(f)
    np.testing.assert_allclose(jitted(**values), want, rtol=1e-12)
    compiled = jitted.lower(**values)
    assert_reads_only_its_own(compiled)
    assert len(set(compiled.plan.inputs)) == len(names)
    namespace: dict = {}
    exec(compile(ax.export(jitted, **values), "<exported>", "exec"), namespace)
    public = python_name("f")
    np.testing.assert_allclose(namespace[public](*tree_leaves(((), values))), want, rtol=1e-12)


def test_cli_export_runs_without_axcomp(tmp_path):
    # the hostile names once more in a fresh interpreter that cannot import axcomp
    spec = tmp_path / "k.ax"
    spec.write_text("kernel f(shape[i], zip[i]) -> [i] = shape[i] * zip[i]\n")
    out = tmp_path / "k.py"
    assert main(["export", str(spec), "f", "--shapes", "3 3", "-o", str(out)]) == 0
    code = (
        f"import sys; sys.modules['axcomp'] = None; sys.path.insert(0, {str(tmp_path)!r})\n"
        "import numpy as np, k\n"
        "print(k.f(np.array([1., 2, 3]), np.array([4., 5, 6])).tolist())"
    )

    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[4.0, 10.0, 18.0]"


def test_reserved_prefix_is_what_the_backends_use():
    # every name a backend puts in a generated function's globals is reserved
    from axcomp.backends import array_api, numpy_backend

    assert all(n.startswith("_") for n in numpy_backend.BUILTINS)
    assert numpy_backend.NP.startswith("_") and array_api.XP.startswith("_")
    assert Path(numpy_backend.__file__).is_file()


@pytest.mark.parametrize("name", ["zip", "bool", "ｔ0", "_np", "lambda", "t0", "c0", "ｃ0"])
def test_hostile_names_through_pmap_and_dask(name):
    x = np.arange(12.0).reshape(4, 3)
    h = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
    want = x * C + h
    got = ax.pmap(lambda **kw: kw["x"] * C + kw[name])(x=x[:2], **{name: h[:2]})  # 2 devices
    np.testing.assert_allclose(got, want[:2], rtol=1e-12)
    da = pytest.importorskip("dask.array")
    f = ax.jit(ax.vmap(lambda **kw: kw["x"] * C + kw[name]))
    lazy = f(x=da.from_array(x, chunks=(2, 3)), **{name: da.from_array(h, chunks=(2, 3))})
    np.testing.assert_allclose(lazy.compute(), want, rtol=1e-12)
