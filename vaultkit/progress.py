"""Progress reporting that library code can call without knowing about terminals.

The CLI passes a rich bar (with the time left) when stderr is a terminal and
plain lines otherwise (logs, CI, pipes): one when a phase starts, one every
few seconds with the time left, one when it ends. Library callers get the
silent one unless they ask.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import TaskID


class Progress:
    """Silent progress: the interface long-running library functions call."""

    def start(self, label: str, total: int) -> None:
        """Begin a task of ``total`` steps (0: a step of unknown length)."""

    def advance(self, steps: int = 1) -> None:
        """Mark ``steps`` more steps done."""

    def stop(self) -> None:
        """End the current task."""


SILENT = Progress()


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


class LineProgress(Progress):
    """Plain lines for a stream that is not a terminal (a log, CI, a pipe).

    A phase that ends within ``quiet`` seconds says nothing. A longer one says
    that it started, how far it is every ``every`` seconds (with the time
    left once steps are counted), and when it ended. A watcher thread speaks,
    so a phase that is one long step (reading a large table) is not silent.
    """

    def __init__(self, stream: TextIO | None = None, *, quiet: float = 1.0, every: float = 5.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.quiet, self.every = quiet, every
        self._label = ""
        self._total = self._done = 0
        self._t0 = 0.0
        self._spoke = False
        self._stop: threading.Event | None = None
        self._lock = threading.Lock()

    def _say(self, text: str, unless: threading.Event | None = None) -> None:
        with self._lock:
            if unless is not None and unless.is_set():
                return  # the phase ended while this line was being made
            print(text, file=self.stream, flush=True)
            self._spoke = True

    def status(self) -> str:
        """Where the current phase stands, with the time left when it can be told."""
        elapsed = time.monotonic() - self._t0
        if not self._total:
            return f"{self._label}: {_clock(elapsed)} so far"
        line = f"{self._label}: {self._done}/{self._total} after {_clock(elapsed)}"
        if self._done:
            line += f", about {_clock(elapsed * (self._total - self._done) / self._done)} left"
        return line

    def _watch(self, stop: threading.Event) -> None:
        if stop.wait(self.quiet):
            return
        self._say(self.status(), stop)
        while not stop.wait(self.every):
            self._say(self.status(), stop)

    def start(self, label: str, total: int) -> None:
        self.stop()
        self._label, self._total, self._done = label, total, 0
        self._t0, self._spoke = time.monotonic(), False
        self._stop = threading.Event()
        threading.Thread(target=self._watch, args=(self._stop,), daemon=True).start()

    def advance(self, steps: int = 1) -> None:
        self._done += steps

    def stop(self) -> None:
        if self._stop is None:
            return
        with self._lock:
            self._stop.set()
        self._stop = None
        if self._spoke:
            self._say(f"{self._label}: done in {time.monotonic() - self._t0:.1f} s")


class RichProgress(Progress):
    """A progress bar with the time left on stderr (only used when stderr is a terminal)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar

        self._bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task: TaskID | None = None

    def start(self, label: str, total: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task(label, total=total or None)

    def advance(self, steps: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, steps)

    def stop(self) -> None:
        if self._task is not None:
            self._bar.remove_task(self._task)
            self._task = None
        self._bar.stop()


def for_terminal(stream: TextIO | None = None) -> Progress:
    """A bar on a terminal, plain lines otherwise."""
    stream = stream if stream is not None else sys.stderr
    return RichProgress() if stream.isatty() else LineProgress(stream)
