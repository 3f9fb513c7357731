"""A few values recently made from content, by a digest of that content: a process that
reads or renders the same document again (`check` after `generate`, `update`, a program or a
test run calling the stages) copies the value instead of making it again."""

from __future__ import annotations

import hashlib
import pickle
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def digest(*content: Any) -> bytes:
    """The key of plain data (dicts, lists, strings, numbers): the same data in the same
    order gives the same key."""
    return hashlib.sha256(pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL)).digest()


class Recent(Generic[T]):
    """The last `kept` values, by key; a failure to make one is never kept."""

    def __init__(self, kept: int) -> None:
        self._kept = kept
        self._values: OrderedDict[bytes, T] = OrderedDict()

    def get(self, key: bytes, make: Callable[[], T]) -> T:
        if key in self._values:
            self._values.move_to_end(key)
        else:
            self._values[key] = make()
            while len(self._values) > self._kept:
                self._values.popitem(last=False)
        return self._values[key]
