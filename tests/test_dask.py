"""dask arrays in, lazy dask arrays out: blockwise over the splittable vmap levels (both
levels of a pairwise spec), tree reductions of per-block partials, the memory budget per
task, the one-task fallback, and a real ``LocalCluster`` of worker processes (the tasks'
programs pickle and are rebuilt in the workers). ``pmap`` sharding is tested at the end."""

from __future__ import annotations

import numpy as np
import pytest

import axcomp as ax
import axcomp.numpy as anp
from axcomp.errors import AxisSpecError, MemoryBudgetError

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

from axcomp.transforms.dask import plan_dask  # noqa: E402
from axcomp.transforms.staging import signature_of  # noqa: E402

RNG = np.random.default_rng(0)


def sqdist(x, y):
    return anp.sum((x - y) ** 2)


def nearest(x, B):
    return anp.min(ax.vmap(sqdist, (None, 0))(x, B))


NN = ax.vmap(nearest, (0, None))
PAIRWISE = ax.vmap(ax.vmap(sqdist, (None, 0)), (0, None))


def _data(n=37, m=23, d=5):
    A, B = RNG.normal(size=(n, d)), RNG.normal(size=(m, d))
    return A, B, ((A[:, None] - B[None]) ** 2).sum(-1)


def _boom(*args, **kwargs):
    raise AssertionError("computed before .compute()")


def _plan(f, *args):
    sig = signature_of(args, {})
    sig = type(sig)(sig.treedef, sig.arrays, sig.statics, "numpy")
    return plan_dask(f, sig, tuple(tuple(tuple(c) for c in x.chunks) for x in args))


def test_nearest_neighbour_is_lazy_blockwise_and_exact():
    A, B, D = _data()
    dA, dB = da.from_array(A, chunks=(10, 5)), da.from_array(B, chunks=(8, 5))
    with dask.config.set(scheduler=_boom):
        out = NN(dA, dB)  # builds the graph only
    assert isinstance(out, da.Array) and out.chunks == ((10, 10, 10, 7),)
    plan = _plan(NN, dA, dB)
    assert [lv.chunks for lv in plan.levels] == [(10, 10, 10, 7), (8, 8, 7)]
    assert len(plan.programs) == 4  # full/remainder x full/remainder
    assert "blockwise" in plan.describe()
    layers = " ".join(type(v).__name__ for v in out.dask.layers.values())
    assert "Blockwise" in layers
    np.testing.assert_array_equal(out.compute(scheduler="sync"), NN(A, B))
    np.testing.assert_allclose(out.compute(), D.min(1))


def test_pairwise_blocks_over_both_levels():
    A, B, D = _data()
    out = PAIRWISE(da.from_array(A, chunks=(10, 5)), da.from_array(B, chunks=(8, 5)))
    assert out.chunks == ((10, 10, 10, 7), (8, 8, 7))
    assert out.numblocks == (4, 3)
    np.testing.assert_allclose(out.compute(), D)


def test_sums_several_outputs_and_out_axes():
    A, B, D = _data()
    dA, dB = da.from_array(A, chunks=(10, 5)), da.from_array(B, chunks=(8, 5))
    total = ax.jit(lambda A, B: anp.sum(PAIRWISE(A, B)))
    np.testing.assert_allclose(total(dA, dB).compute(), D.sum())

    def both(x, B):
        row = ax.vmap(sqdist, (None, 0))(x, B)
        return {"far": anp.max(row), "row": row}

    out = ax.vmap(both, (0, None), out_axes={"far": 0, "row": 1})(dA, dB)
    assert set(out) == {"far", "row"}
    np.testing.assert_allclose(out["far"].compute(), D.max(1))
    np.testing.assert_allclose(out["row"].compute(), D.T)


def test_nan_propagates_through_the_min_tree():
    A, B, _ = _data()
    A[3, 1] = np.nan  # row 3's distances are all NaN
    got = NN(da.from_array(A, chunks=(10, 5)), da.from_array(B, chunks=(8, 5))).compute()
    np.testing.assert_array_equal(got, NN(A, B))
    assert np.isnan(got[3]) and np.isnan(got).sum() == 1


def test_the_budget_holds_per_task():
    A, B, D = _data(60, 50, 8)
    f = ax.vmap(nearest, (0, None), memory_limit="8KiB")
    dA, dB = da.from_array(A, chunks=(60, 8)), da.from_array(B, chunks=(50, 8))
    plan = _plan(f, dA, dB)
    assert plan.rechunked and plan.block_temporaries <= 8 << 10
    assert all(len(lv.chunks) > 1 for lv in plan.levels[:1])
    np.testing.assert_allclose(f(dA, dB).compute(), D.min(1))
    with pytest.raises(MemoryBudgetError):
        ax.vmap(nearest, (0, None), memory_limit=16)(dA, dB)


def test_no_splittable_level_is_one_lazy_task():
    X = RNG.normal(size=(12, 4))
    centred = ax.jit(lambda X: X - anp.mean(X, axis=0))  # no vmap: nothing to split
    dX = da.from_array(X, chunks=(5, 4))
    with dask.config.set(scheduler=_boom):
        out = centred(dX)
    assert _plan(centred, dX).levels == ()
    np.testing.assert_allclose(out.compute(), X - X.mean(0))


def test_irregular_and_scalar_chunks():
    A, B, D = _data(30, 9, 3)
    dA = da.from_array(A, chunks=((1, 2, 3, 4, 5, 6, 9), (3,)))
    out = NN(dA, da.from_array(B, chunks=-1))
    assert len(_plan(NN, dA, da.from_array(B, chunks=-1)).programs) <= 4  # rechunked regular
    np.testing.assert_allclose(out.compute(), D.min(1))


def test_local_cluster_with_worker_processes():
    distributed = pytest.importorskip("distributed")
    A, B, D = _data(41, 29, 6)
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        dA, dB = da.from_array(A, chunks=(11, 6)), da.from_array(B, chunks=(10, 6))
        near, pair = client.compute([NN(dA, dB), PAIRWISE(dA, dB)], sync=True)
        np.testing.assert_allclose(near, D.min(1))
        np.testing.assert_allclose(pair, D)
        # pmap: one shard per worker, NumPy in and out
        P = ax.pmap(lambda x: anp.sum(x**2), client=client)
        np.testing.assert_allclose(P(A[:2]), (A[:2] ** 2).sum(1))
        P2 = ax.pmap(ax.vmap(lambda x: anp.sum(x**2)), client=client, shards_per_worker=3)
        np.testing.assert_allclose(P2(A.reshape(41, 1, 6)), (A**2).sum(1)[:, None])
        # a collective over the pmapped name: partials reduced across the worker processes
        P3 = ax.pmap(
            lambda x: x - ax.lax.pmean(x, "i"), axis_name="i", client=client, shards_per_worker=2
        )
        np.testing.assert_allclose(P3(A[:4]), A[:4] - A[:4].mean(0))


def test_blocks_run_fused_loops_as_in_process_and_rebuild_them_in_a_new_process(monkeypatch):
    # pairwise L1 blocks fuse (AXCOMP_FUSE=always: any size, compiled in the first call);
    # a task's pickled program rebuilt where nothing was built (a worker process) calls
    # the same loops
    import pickle

    from axcomp.backends.numpy_backend import fused_steps
    from axcomp.transforms import dask as axdask

    monkeypatch.setenv("AXCOMP_FUSE", "always")
    l1 = ax.vmap(ax.vmap(lambda a, b: anp.sum(anp.abs(a - b)), (None, 0)), (0, None))
    A, B, _ = _data(29, 17, 6)
    want = np.asarray(ax.jit(l1)(A, B))
    dA, dB = da.from_array(A, chunks=(10, 6)), da.from_array(B, chunks=(9, 6))
    np.testing.assert_array_equal(l1(dA, dB).compute(scheduler="sync"), want)
    plan = _plan(l1, dA, dB)
    assert fused_steps(plan.block.plan)
    program = plan.programs[(10, 9)]
    assert program.fused and "_fused_" in program.source
    travelled = pickle.loads(pickle.dumps(program))
    monkeypatch.setattr(axdask, "_built", type(axdask._built)())  # nothing built here yet
    (got,) = travelled(A[:10], B[:9])
    np.testing.assert_array_equal(got, want[:10, :9])


def test_pmap_threads_without_a_client():
    X = RNG.normal(size=(3, 7, 4))
    f = ax.pmap(ax.vmap(lambda x: anp.sum(anp.sin(x))), axis_name="i", devices=4)
    np.testing.assert_allclose(f(X), np.sin(X).sum(-1))
    g = ax.pmap(lambda x, w: x @ w, in_axes=(0, None), out_axes=1, devices=3)
    W = RNG.normal(size=(4, 2))
    np.testing.assert_allclose(g(X, W), np.moveaxis(X @ W, 0, 1))
    with pytest.raises(AxisSpecError, match="devices"):
        ax.pmap(lambda x: x, devices=2)(X)
    h = ax.pmap(lambda x: x * 2, devices=2, shards_per_worker=2)
    np.testing.assert_allclose(h(X), X * 2)
    assert "pmap: 3 shard(s) of 1 on 2 local thread(s)" in str(ax.explain(h, X))
    inside = ax.jit(lambda X: anp.sum(ax.pmap(lambda x: x * 2, devices=1)(X)))  # a vmap
    np.testing.assert_allclose(inside(X), 2 * X.sum())
    with pytest.raises(ax.UnsupportedError, match="NumPy"):
        ax.pmap(lambda x: x, devices=4)(da.from_array(X))


def test_pmap_traces_once_per_signature():
    traces = []

    def kernel(x):
        traces.append(x.shape)  # runs only while tracing
        return x * 2

    X = RNG.normal(size=(3, 4))
    f = ax.pmap(kernel, devices=4)
    for _ in range(3):
        np.testing.assert_allclose(f(X), X * 2)
    assert len(traces) == 2  # the whole program once, the one-example shard program once
    f(RNG.normal(size=(2, 5)))
    assert len(traces) == 4


def test_unsplit_axes_travel_whole():
    X = RNG.normal(size=(12, 4))
    dX = da.from_array(X, chunks=(5, 2))  # the feature axis is not a vmap level
    out = ax.vmap(lambda x: anp.sin(x) * 2)(dX)
    assert out.chunks == ((5, 5, 2), (4,))
    np.testing.assert_allclose(out.compute(), np.sin(X) * 2)


def test_pmap_with_a_collective_over_its_axis_gives_the_jax_result():
    # the shards' partials are combined between rounds of shard programs (never a
    # per-shard partial sum as the result)
    x = np.arange(4.0)
    f = ax.pmap(lambda v: ax.lax.psum(v, "i"), axis_name="i", devices=4)
    np.testing.assert_array_equal(f(x), np.full(4, 6.0))
    g = ax.pmap(
        lambda v: (v - ax.lax.pmean(v, "i")) * 2, axis_name="i", devices=2, shards_per_worker=2
    )
    np.testing.assert_array_equal(g(x), (x - x.mean()) * 2)


def test_pmap_collectives_run_as_rounds_across_shards():
    def batch_norm(v):
        m = ax.lax.pmean(v, "i")
        return (v - m) / anp.sqrt(ax.lax.pmean((v - m) ** 2, "i") + 1e-5)

    X = np.random.default_rng(1).normal(size=(7, 3))
    f = ax.pmap(batch_norm, axis_name="i", devices=2, shards_per_worker=2)
    np.testing.assert_allclose(f(X), (X - X.mean(0)) / np.sqrt(X.var(0) + 1e-5))
    (rounds,) = f._staged.values()
    assert rounds is not None and len(rounds) == 3  # two dependent pmeans: three rounds
    assert all(len(r) == 4 for r in rounds)  # one program per shard (7 = 2 + 2 + 2 + 1)
    x = np.arange(6.0)
    g = ax.pmap(
        lambda v: v * ax.lax.axis_index("i") + ax.lax.pmax(v, "i") - ax.lax.pmin(v, "i"),
        axis_name="i",
        devices=2,
        shards_per_worker=3,
    )
    np.testing.assert_allclose(g(x), x * np.arange(6) + x.max() - x.min())
    gather = ax.pmap(
        lambda v: ax.lax.all_gather(v, "i"), axis_name="i", devices=2, shards_per_worker=2
    )  # needs every shard's values: runs whole
    np.testing.assert_allclose(gather(x), np.broadcast_to(x, (6, 6)))


def test_explain_shows_the_pmap_rounds():
    f = ax.pmap(lambda v: v - ax.lax.pmean(v, "i"), axis_name="i", devices=2, shards_per_worker=2)
    assert "in 2 rounds: the collectives over 'i'" in str(ax.explain(f, np.ones((4, 3))))
