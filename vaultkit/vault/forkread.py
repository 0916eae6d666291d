"""Reading a large vault's notes on every core: shares of the notes parsed in forked processes.

A cold ``links check`` is mostly reading and parsing notes, one at a time on
one core. Where ``os.fork`` is cheap and safe (Linux, a process with no other
thread: a thread holding a lock at the fork would leave the child stuck on
it), the notes are split into shares: each child parses its share and sends
it back as the links cache's bytes (``parsecache.dumps``: columns, a tenth
of the time of pickling 50,000 tuples), while this process parses its own.
Anything wrong in a child (it dies, is killed, sends what does not decode)
makes this process parse that share itself: the answer never depends on the
children, only the time does. Elsewhere (Windows, macOS, a library caller
with threads) everything is read here, as before.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Iterator

from vaultkit.vault import parsecache
from vaultkit.vault.parsecache import CacheEntry

# Below this many notes per process, a child costs more than it saves (fork, sending, decoding).
MIN_SHARE = 1500
MAX_CHILDREN = 7

Result = tuple[list[str], dict[str, CacheEntry] | None, set[str], bytes]
Work = Callable[[list[str], set[str]], dict[str, CacheEntry]]  # a share, the unreadable ones found -> entries


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def split(rels: list[str]) -> list[list[str]]:
    """Shares of ``rels``, this process's first; one share when forking is not worth it or not safe."""
    n = min(cores(), len(rels) // MIN_SHARE, MAX_CHILDREN + 1)
    if n < 2 or not can_fork():
        return [rels]
    return [rels[i::n] for i in range(n)]


class Children:
    """Forked processes, each parsing one share with ``work``."""

    def __init__(self, shares: list[list[str]], work: Work) -> None:
        self.running: list[tuple[list[str], int, int]] = []  # (share, pid, read end of its pipe)
        try:
            for share in shares:
                self.running.append((share, *_fork(share, work)))
        except OSError:
            pass  # no more processes (a limit): the shares not started are parsed here
        self.left = shares[len(self.running) :]

    def results(self) -> Iterator[Result]:
        """Each share with its entries, unreadable notes and the segment of the links cache they came in;
        None where the child failed."""
        for share in self.left:
            yield share, None, set(), b""
        while self.running:
            share, pid, fd = self.running.pop(0)
            raw = _drain(fd)
            _, status = os.waitpid(pid, 0)
            head, _, segment = (raw if status == 0 else b"").partition(b"\n")
            entries, unread = _decoded(head, segment)
            if entries is None or entries.keys() != set(share):
                yield share, None, set(), b""
            else:
                yield share, entries, unread, segment

    def stop(self) -> None:
        """End the children still running (this process is failing, or was interrupted)."""
        import signal

        for _, pid, fd in self.running:
            os.close(fd)
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
        self.running = []


def _fork(share: list[str], work: Work) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:  # the child: parse, send, and leave without running the parent's exit handlers
        code = 1
        try:
            os.close(read_end)
            unread: set[str] = set()
            entries = work(share, unread)
            payload = json.dumps(sorted(unread)).encode() + b"\n" + parsecache.dumps(entries)
            with os.fdopen(write_end, "wb") as fh:
                fh.write(payload)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def _drain(fd: int) -> bytes:
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def _decoded(head: bytes, segment: bytes) -> tuple[dict[str, CacheEntry] | None, set[str]]:
    try:
        unread = json.loads(head)
        entries = parsecache.loads(segment)
    except ValueError:  # parsecache.Damaged among them
        return None, set()
    if entries is None or not isinstance(unread, list):
        return None, set()
    return entries, set(map(str, unread))
