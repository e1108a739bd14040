"""A wall-clock, signal-aware time limit for ``quickjs-ng`` contexts.

Why not ``Context.set_time_limit``: the binding (quickjs-ng 0.17, module
``_quickjs``) implements it with an interrupt handler that compares C's
``clock()`` -- the CPU time of the whole process -- with a limit copied when a
call starts.  So the limit is CPU time (four parallel runs on two cores take
2 s of wall time for a 1 s limit; two JS threads in one process hit it in half
the time), nothing can shorten it once a call runs (SIGINT waited for it), and
while it is set the binding refuses every call from JavaScript into Python
("Can not call into Python with a time limit set"), which forced a mirror of
the stores inside the context.

So we never call ``set_time_limit``.  The binding then leaves the runtime's
interrupt handler alone, and we install our own through QuickJS's exported
``JS_SetInterruptHandler`` (a symbol of the binding's own shared library): a
ctypes callback that QuickJS polls every few thousand operations and that
answers "stop" once the evaluation's wall-clock deadline has passed or the
run was interrupted.  The ``JSRuntime`` pointer is read from the binding's
context object (``PyJsContextObject``: the pointer right after the object
header, then the ``JSContext`` pointer); the layout is checked against the
library itself (``JS_GetRuntime(context) == runtime`` and the runtime's opaque
pointer is the Python object) for the binding versions listed in
``SUPPORTED``, and anything else is refused with a clear error instead of a
guess.
"""

from __future__ import annotations

import ctypes
import time
from pathlib import Path
from typing import Any

from visor_mem.errors import ScriptError

SUPPORTED = ("0.17.",)
"""quickjs-ng versions whose context layout was checked (the prefix of the version)."""

_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_POINTER = ctypes.sizeof(ctypes.c_void_p)
_HEADER = 2 * _POINTER  # PyObject_HEAD: reference count and type


class _Library:
    """The few QuickJS C functions we call, with their signatures."""

    def __init__(self, path: str) -> None:
        lib = ctypes.CDLL(path)
        lib.JS_SetInterruptHandler.argtypes = [ctypes.c_void_p, _HANDLER, ctypes.c_void_p]
        lib.JS_SetInterruptHandler.restype = None
        lib.JS_GetRuntime.argtypes = [ctypes.c_void_p]
        lib.JS_GetRuntime.restype = ctypes.c_void_p
        lib.JS_GetRuntimeOpaque.argtypes = [ctypes.c_void_p]
        lib.JS_GetRuntimeOpaque.restype = ctypes.c_void_p
        self.lib = lib


_LIBRARIES: dict[str, _Library] = {}


def _library(quickjs: Any) -> _Library:
    """The binding's shared library, once its version is known to be supported."""
    import _quickjs  # the binding's C module, next to the ``quickjs`` package

    path = str(_quickjs.__file__)
    known = _LIBRARIES.get(path)
    if known is None:
        version = binding_version(quickjs)
        if not version.startswith(SUPPORTED):
            raise ScriptError(
                f"quickjs-ng {version} is not supported by this visor_mem (its time limit needs "
                f"quickjs-ng {' or '.join(v + 'x' for v in SUPPORTED)})"
            )
        known = _LIBRARIES[path] = _Library(path)
    return known


def binding_version(quickjs: Any) -> str:
    """The installed quickjs-ng version, read from its dist-info folder name.

    (``importlib.metadata`` costs ~100 ms to import; start-up matters.)
    """
    site = Path(quickjs.__file__).resolve().parent.parent
    names = sorted(p.name for p in site.glob("quickjs_ng-*.dist-info"))
    return names[-1][len("quickjs_ng-") : -len(".dist-info")] if names else "(unknown version)"


class Interrupter:
    """The interrupt handler of one QuickJS runtime: a wall-clock deadline and a stop flag.

    ``arm(seconds)`` before each call into JavaScript; QuickJS polls the
    handler and aborts with an uncatchable ``InternalError: interrupted`` once
    ``time.monotonic()`` passes the deadline or ``stop()`` was called (by a
    signal handler, or by another thread when the run is interrupted).
    """

    def __init__(self, quickjs: Any, context: Any) -> None:
        library = _library(quickjs)
        runtime = ctypes.c_void_p.from_address(id(context) + _HEADER).value
        js_context = ctypes.c_void_p.from_address(id(context) + _HEADER + _POINTER).value
        if (
            not runtime
            or not js_context
            or library.lib.JS_GetRuntime(js_context) != runtime
            or library.lib.JS_GetRuntimeOpaque(runtime) != id(context)
        ):
            raise ScriptError("the quickjs-ng context does not have the expected layout")
        self.deadline = float("inf")
        self.stopped = False
        self.expired = False
        # The ctypes callback must live as long as the runtime: kept on self.
        self._callback = _HANDLER(self._poll)
        library.lib.JS_SetInterruptHandler(runtime, self._callback, None)

    def arm(self, seconds: float) -> None:
        """Allow ``seconds`` of wall-clock time from now."""
        self.expired = False
        self.deadline = time.monotonic() + seconds

    def stop(self) -> None:
        """Abort the call in progress (and every later one) at the next poll."""
        self.stopped = True

    def _poll(self, _runtime: object, _opaque: object) -> int:
        # Never raises: an exception in a ctypes callback is printed and lost.
        if self.stopped:
            return 1
        if time.monotonic() > self.deadline:
            self.expired = True
            return 1
        return 0
