"""A function over a stream of items, computed on a few threads ahead of the consumer, in order.

For work that releases the GIL (Arrow parsing a chunk of text): a stream
read by one thread is then parsed on other cores, while what follows
still sees the items one by one, in order. At most a few items are in
flight, so memory stays a few items whatever the length of the stream.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_ahead(
    fn: Callable[[T], R], items: Iterable[T], *, workers: int, ahead: int = 0
) -> Iterator[tuple[T, Future[R]]]:
    """Each item with the future of ``fn(item)``, in the order of ``items``, computed on ``workers`` threads:
    at most ``max(workers, ahead)`` items are in flight, the one the consumer holds included, so the items
    after it are computed while the consumer works on it. With fewer than two in flight, ``fn`` runs in the
    consumer's thread, when the item is yielded. Leaving the loop early cancels what has not started."""
    in_flight = max(workers, ahead)
    if workers < 1 or in_flight < 2:
        for item in items:
            done: Future[R] = Future()
            try:
                done.set_result(fn(item))
            except BaseException as exc:  # raised by result(), where the caller would meet it
                done.set_exception(exc)
            yield item, done
        return
    pending: deque[tuple[T, Future[R]]] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vaultkit-ahead") as pool:
        try:
            for item in items:
                pending.append((item, pool.submit(fn, item)))
                if len(pending) >= in_flight:
                    yield pending.popleft()
            while pending:
                yield pending.popleft()
        finally:
            for _, future in pending:
                future.cancel()
