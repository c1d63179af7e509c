"""The transforms: vmap, jit, pmap and reverse mode, staged (compiled once per signature)."""

from .autodiff import grad, value_and_grad, vjp
from .compile import Compiled, Traced
from .custom import custom_gradient, custom_jvp, custom_vjp
from .forward import hessian, jacfwd, jacrev, jvp, linearize
from .jit import JittedFunction, jit
from .options import Options, set_options
from .pmap import PmappedFunction, pmap
from .staging import CACHE_SIZE, Staged
from .vmap import VmappedFunction, vmap

__all__ = [
    "CACHE_SIZE",
    "Compiled",
    "JittedFunction",
    "Options",
    "PmappedFunction",
    "Staged",
    "Traced",
    "VmappedFunction",
    "custom_gradient",
    "custom_jvp",
    "custom_vjp",
    "grad",
    "hessian",
    "jacfwd",
    "jacrev",
    "jit",
    "jvp",
    "linearize",
    "pmap",
    "set_options",
    "value_and_grad",
    "vjp",
    "vmap",
]
