"""The transforms: vmap, jit and reverse mode, staged (compiled once per signature)."""

from .autodiff import grad, value_and_grad, vjp
from .compile import Compiled, Traced
from .jit import JittedFunction, jit
from .options import Options, set_options
from .staging import CACHE_SIZE, Staged
from .vmap import VmappedFunction, vmap

__all__ = [
    "CACHE_SIZE",
    "Compiled",
    "JittedFunction",
    "Options",
    "Staged",
    "Traced",
    "VmappedFunction",
    "grad",
    "jit",
    "set_options",
    "value_and_grad",
    "vjp",
    "vmap",
]
