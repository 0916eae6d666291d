"""Progress reporting that library code can call without knowing about terminals.

The CLI passes a rich-backed reporter when stderr is a terminal; everything
else gets the silent one.
"""

from __future__ import annotations


class Progress:
    """Silent progress: the interface long-running library functions call."""

    def start(self, label: str, total: int) -> None:
        """Begin a task of ``total`` steps."""

    def advance(self, steps: int = 1) -> None:
        """Mark ``steps`` more steps done."""

    def stop(self) -> None:
        """End the current task."""


SILENT = Progress()


class RichProgress(Progress):
    """A progress bar on stderr (only used when stderr is a terminal)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=Console(stderr=True), transient=True)
        self._task: int | None = None

    def start(self, label: str, total: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task(label, total=total)

    def advance(self, steps: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, steps)

    def stop(self) -> None:
        if self._task is not None:
            self._bar.remove_task(self._task)
            self._task = None
        self._bar.stop()
