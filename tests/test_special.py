"""vaultkit.special: scipy.special's compiled functions without the package's __init__, and nothing broken by it.

Each case runs in a fresh interpreter: this one has scipy.special imported already.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from vaultkit import special

REPO = Path(__file__).resolve().parent.parent


def _run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_compiled_functions_load_alone_and_scipy_special_imports_afterwards_with_the_same_objects():
    out = _run(
        """
        import sys
        from vaultkit.special import NEEDED, ufuncs
        u = ufuncs()
        assert u.__name__ == "scipy.special._ufuncs", u
        assert "scipy.special" not in sys.modules and "scipy._lib._array_api" not in sys.modules
        assert "special" not in vars(sys.modules["scipy"])  # no stand-in left on the parent either
        assert abs(u.ndtr(-1.959963984540054) - 0.025) < 1e-12
        import scipy.special, scipy.stats
        assert scipy.special.__file__.endswith("__init__.py")
        assert all(getattr(scipy.special, name) is getattr(u, name) for name in NEEDED)
        assert hasattr(scipy.special, "gamma") and abs(scipy.stats.t.ppf(0.975, 10) - 2.2281388519649) < 1e-9
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_a_thread_that_meets_the_stand_in_gets_the_real_package():
    out = _run(
        """
        import importlib, sys, threading
        from vaultkit import special
        got, holding = [], threading.Event()

        def other_thread():
            import scipy.special as s  # the stand-in, while the compiled module loads
            holding.set()
            got.append((s.__name__, s.betainc, s.gamma))

        real = importlib.import_module
        def import_module(name, *args):
            if name == "scipy.special._ufuncs" and not holding.is_set():
                threading.Thread(target=other_thread).start()
                assert holding.wait(10)
            return real(name, *args)
        importlib.import_module = import_module
        u = special.ufuncs()
        importlib.import_module = real
        for t in threading.enumerate():
            if t is not threading.current_thread():
                t.join(10)
        name, betainc, gamma = got[0]
        import scipy.special
        assert betainc is u.betainc is scipy.special.betainc and gamma is scipy.special.gamma
        print("ok", u.__name__)
        """
    )
    assert out.strip() == "ok scipy.special._ufuncs"


def test_a_failed_load_falls_back_to_the_usual_import_and_leaves_no_stand_in():
    out = _run(
        """
        import importlib, sys
        from vaultkit import special
        real = importlib.import_module
        def import_module(name, *args):
            if name == "scipy.special._ufuncs":
                raise ImportError("another layout")
            return real(name, *args)
        importlib.import_module = import_module
        u = special.ufuncs()
        importlib.import_module = real
        assert u is sys.modules["scipy.special"] and u.__file__.endswith("__init__.py"), u
        assert u.betainc(2.0, 0.5, 0.3) > 0
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_with_scipy_special_imported_it_is_scipy_special():
    import scipy.special

    special.ufuncs.cache_clear()
    try:
        assert special.ufuncs() is scipy.special
    finally:
        special.ufuncs.cache_clear()
