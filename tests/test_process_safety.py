"""Nothing lost, nothing left running: workers die with a killed parent; a full or read-only vault is a clear error."""

from __future__ import annotations

import errno
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import make_gene_vault
from vaultkit.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def _bench():
    spec = importlib.util.spec_from_file_location("vaultkit_bench", ROOT / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is ``pid``, from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            except (OSError, IndexError, ValueError):
                continue
            if int(ppid) == pid and state != "Z":
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.skipif(sys.platform == "win32" or not Path("/proc/self/stat").exists(), reason="SIGKILL and /proc")
def test_killed_refresh_leaves_no_worker_and_no_lock(tmp_path):
    root = tmp_path / "v"
    _bench().make_refresh_vault(root, genes=40)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "vaultkit.cli_main", "refresh", str(root), "--offline", "--jobs", "2"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while time.monotonic() < deadline and proc.poll() is None:
            workers |= _children(proc.pid)
            if len(workers) >= 2 and len(list((root / "plots").glob("*.png"))) >= 4:
                break  # drawing in both workers
            time.sleep(0.05)
        assert proc.poll() is None and len(workers) >= 2, "refresh ended before it drew in parallel"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "workers outlived their killed parent"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "vault is locked" not in again.stderr
    assert not list(root.rglob("*.vaultkit-tmp"))


def _everything(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".vaultkit" not in p.relative_to(root).parts
    }


def _refuse(code: int, text: str):
    def fail(src, dst=None, *args, **kwargs):
        raise OSError(code, text, os.fspath(src), None, None if dst is None else os.fspath(dst))

    return fail


@pytest.mark.parametrize(
    ("code", "cause"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EACCES, "permission denied"),
        (errno.EROFS, "the file system is read-only"),
    ],
)
def test_a_refused_rename_is_one_clear_line_and_changes_nothing(tmp_path, monkeypatch, code, cause):
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    before = _everything(root)
    # We run as root, where chmod does not stop a write: the system's refusal is simulated where files are replaced.
    monkeypatch.setattr(os, "replace", _refuse(code, os.strerror(code)))
    monkeypatch.setattr(os, "link", _refuse(code, os.strerror(code)))
    result = CliRunner().invoke(cli, ["refresh", str(root), "--offline"])
    assert result.exit_code == 1, (result.stderr, result.exception)
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and cause in lines[0] and str(root) in lines[0], result.stderr
    assert ".vaultkit-tmp" not in lines[0]
    assert "Traceback" not in result.stderr
    assert _everything(root) == before
    assert not list(root.rglob("*.vaultkit-tmp"))


def test_a_full_disk_while_writing_leaves_no_temporary_file(tmp_path, monkeypatch):
    root = make_gene_vault(tmp_path / "v", user_notes=True)
    before = _everything(root)

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    result = CliRunner().invoke(cli, ["refresh", str(root), "--offline"])
    assert result.exit_code == 1, (result.stderr, result.exception)
    assert "error: cannot write" in result.stderr and "the disk is full" in result.stderr
    # write() errors carry no file name (write_if_changed would have to add it): never the temp file's, though.
    assert ".vaultkit-tmp" not in result.stderr
    assert "Traceback" not in result.stderr
    assert _everything(root) == before
    assert not list(root.rglob("*.vaultkit-tmp"))
