"""scipy.special's compiled functions, loaded without the package's array-API layer.

vaultkit uses four of scipy.special's functions: ``betainc``, ``betaln`` and
``ndtr`` for R's p-values, ``stdtrit`` for the plots' bands. They are numpy
ufuncs of one compiled module, ``scipy.special._ufuncs``, and
``scipy.special`` exports those very objects; its ``__init__`` also loads
scipy's array-API support (array_api_compat, which imports numpy.testing
and numpy.f2py): 0.09-0.16 s of import where the compiled module takes
0.01 s, on the path of ``vaultkit associate`` before its first chunk (a
tenth of its time on 200,000 regions).

So the compiled module is loaded under a bare package standing in for
``scipy.special`` for the moment that takes, and the stand-in is taken
away again: a later ``import scipy.special`` (the user's, or scipy.stats')
runs the real ``__init__``, which finds the compiled modules loaded and
exports the same objects (and gets the submodules loaded before it as its
attributes, as in any process). A thread that imports scipy.special in
that instant keeps the stand-in, which hands it the real package's
attributes. Where anything of this fails (another layout of scipy), the
package is imported as usual.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
import types
from functools import cache
from typing import Any

NEEDED = ("betainc", "betaln", "ndtr", "stdtrit")

_loading = threading.RLock()
_loader: list[int] = []  # the thread loading under the stand-in, while it does


@cache
def ufuncs() -> Any:
    """A module with scipy.special's :data:`NEEDED` functions (the compiled one, or scipy.special)."""
    with _loading:  # decided under the lock: a second caller waits for the first instead of meeting its stand-in
        if "scipy.special" not in sys.modules:
            try:
                return _bare()
            except Exception:  # any surprise of scipy's layout: the usual import below
                pass
        return importlib.import_module("scipy.special")


def _bare() -> types.ModuleType:
    loaded = sys.modules.get("scipy.special._ufuncs")
    if loaded is not None:
        return loaded
    spec = importlib.util.find_spec("scipy.special")  # imports scipy itself, which is light
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("scipy.special is not a package here")
    before = set(sys.modules)
    stand_in = types.ModuleType("scipy.special")
    stand_in.__path__ = list(spec.submodule_search_locations)
    stand_in.__getattr__ = _real_attribute  # type: ignore[method-assign]
    stand_in.__dir__ = _real_dir  # type: ignore[method-assign]
    sys.modules["scipy.special"] = stand_in
    _loader.append(threading.get_ident())
    try:
        compiled = importlib.import_module("scipy.special._ufuncs")
    finally:
        _loader.pop()
        if sys.modules.get("scipy.special") is stand_in:
            del sys.modules["scipy.special"]
        scipy = sys.modules.get("scipy")
        # vars(), not getattr: scipy's module __getattr__ imports a submodule it is asked for.
        if scipy is not None and vars(scipy).get("special") is stand_in:
            delattr(scipy, "special")
        loaded_here = sorted(n for n in set(sys.modules) - before if n.startswith("scipy.special."))
        if loaded_here:
            sys.meta_path.insert(0, _Attach(loaded_here))
    missing = [name for name in NEEDED if not callable(getattr(compiled, name, None))]
    if missing:
        raise ImportError(f"scipy.special._ufuncs has no {missing}")
    return compiled


def _real_package() -> types.ModuleType | None:
    """The real scipy.special, for a thread that imported it while the stand-in stood in (and keeps it),
    once the stand-in is gone; None in the loading thread itself: the import machinery's questions, and
    scipy's modules asking for their package while they load, get no answer, so that the load fails over
    to the usual import rather than recursing."""
    if threading.get_ident() in _loader:
        return None
    with _loading:
        return importlib.import_module("scipy.special")


def _real_attribute(name: str) -> Any:
    real = _real_package()
    if real is None:
        raise AttributeError(name)
    return getattr(real, name)


def _real_dir() -> list[str]:
    real = _real_package()
    return [] if real is None else dir(real)


class _Attach(importlib.abc.MetaPathFinder):
    """Hands the real scipy.special, when it is imported, the submodules loaded under the stand-in as its
    attributes: the import system sets a submodule on its package only when it loads it, and these were
    loaded before the package was (``scipy.special._gufuncs`` must work as in any process)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "scipy.special":
            return None
        with contextlib.suppress(ValueError):  # once: the package is imported once
            sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module
        names = self.names

        def exec_module(module: types.ModuleType) -> None:
            for name in names:
                sub = sys.modules.get(name)
                if sub is not None:
                    setattr(module, name.rsplit(".", 1)[1], sub)
            run(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec
