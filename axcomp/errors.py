"""The axcomp exception hierarchy.

Every error a user can cause is an ``AxcompError`` and also the built-in type JAX would
raise, so ``except ValueError`` / ``except TypeError`` code written for JAX keeps working.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class AxcompError(Exception):
    """Base class of every error axcomp raises on purpose."""


class AxisSpecError(AxcompError, ValueError):
    """An in_axes / out_axes / axis_size spec does not fit the arguments or outputs."""


class AxisSpecTypeError(AxcompError, TypeError):
    """An in_axes / out_axes spec has the wrong Python type."""


class ShapeError(AxcompError, ValueError):
    """Operand shapes are incompatible for an operation."""


class IncompatibleShapesError(ShapeError, TypeError):
    """Operands whose shapes an operation cannot combine: broadcasting in arithmetic, the
    contracted dimension of a product, a reshape, a concatenation. JAX raises ``TypeError``
    for these (lax's shape rules), NumPy ``ValueError``: this is both."""


class IndexOutOfBounds(ShapeError, IndexError):
    """A static index is outside the axis (IndexError, like NumPy)."""


class AxisError(ShapeError, np.exceptions.AxisError):
    """An axis argument out of range (also NumPy's AxisError, so a ValueError and an
    IndexError)."""

    def __init__(self, message: str) -> None:
        ValueError.__init__(self, message)
        self._msg = message

    def __str__(self) -> str:
        return self._msg


class TracingError(AxcompError, TypeError):
    """A kernel did something that cannot be traced (Python control flow on a traced value,
    an unsupported NumPy function, a leaked tracer)."""


class ConcretizationTypeError(TracingError):
    """Python needed the concrete value of a traced array (``float(x)``, ``x.item()``, a
    shape) inside ``jit``, where values are abstract; ``jax.errors`` names it alike."""


class TracerBoolConversionError(ConcretizationTypeError):
    """``bool()`` of a traced array: an ``if``, ``while``, ``and``/``or`` or ``assert`` on
    a value inside ``jit``."""


class TracerIntegerConversionError(TracingError):
    """``__index__`` of a traced array: a value used as a Python index, ``range`` bound or
    size inside ``jit``."""


class TracerArrayConversionError(TracingError):
    """``np.asarray`` (``__array__``) of a traced array inside ``jit``."""


class JaxTracerError(AxcompError, TypeError):
    """An axcomp function was called on JAX tracers (inside ``jax.jit``, ``jax.grad``,
    ``jax.vmap``): axcomp runs its own compiled NumPy code and cannot be traced by JAX."""


class UnboundAxisError(AxcompError, NameError):
    """A collective (``psum``, ``axis_index``, ...) names an axis that no enclosing
    ``vmap(..., axis_name=...)`` binds (a NameError, like JAX)."""


class UnsupportedError(AxcompError, NotImplementedError):
    """A feature that axcomp does not implement (yet)."""


class MissingFunctionError(UnsupportedError, AttributeError):
    """A name that an axcomp namespace lacks (also an AttributeError, so ``hasattr`` and
    ``getattr(..., default)`` keep working). ``in_jax`` says whether the JAX module has it
    (axcomp does not provide it yet) or not (a typo, or a NumPy name JAX never had)."""

    in_jax: bool | None = None


def missing_function(namespace: str, reference: str, name: str, known: Any) -> MissingFunctionError:
    """The error for ``namespace.name``, suggesting the nearest of ``known`` (difflib) and
    saying, from ``missing_names.STILL_MISSING``, whether ``reference`` (the JAX module)
    has the name."""
    import difflib

    from .missing_names import JAX_VERSION, STILL_MISSING

    near = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.7)
    hint = f"; nearest supported: {', '.join(near)}" if near else ""
    missing = STILL_MISSING.get(reference)
    if missing is None:
        error = MissingFunctionError(
            f"{namespace}.{name} is not supported by axcomp ({reference}.{name} has no "
            f"axcomp equivalent yet){hint}"
        )
    elif name in missing:
        inside = sorted(STILL_MISSING.get(f"{reference}.{name}", ()))
        contents = f" (a module: {', '.join(inside)})" if inside else ""
        error = MissingFunctionError(
            f"{namespace}.{name} is not supported by axcomp yet: {reference}.{name}"
            f"{contents} exists in JAX {JAX_VERSION}, axcomp has no equivalent{hint}"
        )
        error.in_jax = True
    else:
        error = MissingFunctionError(
            f"{namespace}.{name} does not exist: {name!r} is not in {reference} (JAX "
            f"{JAX_VERSION}) at all{hint}"
        )
        error.in_jax = False
    return error


def missing_attribute(namespace: str, reference: str, known: Any) -> Any:
    """A module ``__getattr__`` for ``namespace``: ``missing_function`` for every name the
    module lacks (``known``: its names, or a function returning them)."""

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(f"module {namespace!r} has no attribute {name!r}")
        raise missing_function(namespace, reference, name, known() if callable(known) else known)

    return __getattr__


class SpecSyntaxError(AxcompError, ValueError):
    """DSL text that does not parse or does not make sense; carries line, column and caret."""

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        context: str | None = None,
        hint: str | None = None,
        source_name: str | None = None,
    ) -> None:
        self.message = message
        self.line = line
        self.column = column
        self.context = context
        self.hint = hint
        self.source_name = source_name
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.source_name:
            where = self.source_name
        if self.line is not None:
            where += f"{':' if where else ''}line {self.line}, column {self.column}"
        text = f"{where}: {self.message}" if where else self.message
        if self.context:
            text += "\n" + self.context.rstrip("\n")
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text


class ArgumentValueError(AxcompError, ValueError):
    """An argument whose value or dtype a function refuses where JAX raises ValueError
    (``polygamma``'s non-integer order, a negative ``bernoulli`` count, ...)."""


class GradError(AxcompError, TypeError):
    """A gradient was requested where it is not defined."""


class ArgumentTypeError(TracingError):
    """A bad argument type to an axcomp.numpy function, or a value vmap cannot map (a
    ``str``, any object that is no array): a TypeError, as in JAX."""


class GraphvizNotFound(AxcompError):
    """Rendering a picture needs Graphviz's ``dot`` program, which is not installed."""


class UsageError(AxcompError):
    """The command line is wrong (exit code 2), as opposed to the spec or program (1)."""


class MemoryBudgetError(AxcompError, ValueError):
    """A program's temporaries cannot fit the memory budget, even in the smallest chunks."""


class RandomKeyError(AxcompError, TypeError):
    """A PRNG key (or seed) is not what ``axcomp.random`` accepts: wrong type, shape, dtype."""


class RandomValueError(AxcompError, ValueError):
    """An ``axcomp.random`` argument has a bad value: a batched key, a dtype of the wrong
    kind, parameter shapes that do not broadcast to ``shape``."""


class RandomOverflowError(AxcompError, OverflowError):
    """An integer does not fit the uint32 that ``axcomp.random.fold_in`` folds in."""


class ImmutableArrayError(AxcompError, TypeError):
    """Item assignment on an axcomp array (JAX's arrays are immutable too)."""


class ZeroDimIterationError(AxcompError, TypeError):
    """Iteration over a 0-d array (a TypeError, as in NumPy and JAX)."""


class InvalidValueError(AxcompError, FloatingPointError):
    """A NaN (``jax_debug_nans``) or an infinity (``jax_debug_infs``) in a result: JAX's
    ``FloatingPointError``."""


class TypePromotionError(AxcompError, ValueError):
    """A dtype axcomp cannot promote or canonicalise (``jax.dtypes.TypePromotionError``)."""
