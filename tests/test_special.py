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


# Prefix of the cases with another thread: ``during_the_load(other)`` calls special.ufuncs() and starts ``other``
# in a thread once the stand-in is in place, waiting until ``other`` sets ``started``; the thread is joined after.
DURING_THE_LOAD = """
import importlib, sys, threading
from vaultkit import special
started = threading.Event()

def during_the_load(other):
    real = importlib.import_module
    def import_module(name, *args):
        if name == "scipy.special._ufuncs" and not started.is_set():
            threading.Thread(target=other).start()
            assert started.wait(10)
        return real(name, *args)
    importlib.import_module = import_module
    try:
        return special.ufuncs()
    finally:
        importlib.import_module = real
        for t in threading.enumerate():
            if t is not threading.current_thread():
                t.join(10)
"""


def test_the_compiled_functions_load_alone_and_scipy_special_imports_afterwards_with_the_same_objects():
    out = _run(
        """
        import sys
        from vaultkit.special import NEEDED, ufuncs
        u = ufuncs()
        assert u.__name__ == "scipy.special._ufuncs", u
        assert "scipy.special" not in sys.modules  # (what the compiled module imports depends on scipy's version)
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
        DURING_THE_LOAD
        + textwrap.dedent(
            """
            got = []

            def other_thread():
                import scipy.special as s  # the stand-in, while the compiled module loads
                started.set()
                got.append((s.betainc, s.gamma, s.__all__, dir(s)))

            u = during_the_load(other_thread)
            betainc, gamma, all_, names = got[0]
            import scipy.special
            assert betainc is u.betainc is scipy.special.betainc and gamma is scipy.special.gamma
            assert all_ is scipy.special.__all__ and names == dir(scipy.special)
            print("ok", u.__name__)
            """
        )
    )
    assert out.strip() == "ok scipy.special._ufuncs"


def test_scipy_special_imported_afterwards_is_the_package_a_fresh_process_has():
    # The submodules loaded under the stand-in are the real package's attributes too, as in any process.
    fresh = _run("import scipy.special; print(sorted(dir(scipy.special)))")
    after = _run(
        """
        from vaultkit.special import ufuncs
        ufuncs()
        import scipy.special
        assert scipy.special._ufuncs is ufuncs()
        print(sorted(dir(scipy.special)))
        """
    )
    assert after == fresh


def test_a_second_caller_during_the_load_waits_for_the_compiled_module():
    out = _run(
        DURING_THE_LOAD
        + textwrap.dedent(
            """
            got = []

            def second_caller():
                started.set()
                got.append(special.ufuncs())  # waits for the first caller, then finds the module loaded

            u = during_the_load(second_caller)
            assert got == [u] and u.__name__ == "scipy.special._ufuncs", got
            print("ok")
            """
        )
    )
    assert out.strip() == "ok"


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
