"""Run one function over a few items at once, for requests to several independent nodes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def each_at_once(call: Callable[[T], R], items: Sequence[T]) -> list[R | BaseException]:
    """`call(item)` for every item, concurrently, in order: a result or what it raised. One
    item runs in this thread: no thread is started for the common single RPC."""
    if len(items) <= 1:
        return [_outcome(call, item) for item in items]
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(lambda item: _outcome(call, item), items))


def _outcome(call: Callable[[T], R], item: T) -> R | BaseException:
    try:
        return call(item)
    except Exception as error:  # returned, so that the caller decides in the items' order
        return error
