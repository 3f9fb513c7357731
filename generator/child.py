"""A function of ours in a child interpreter (`python -m <module>`): started early, so its
imports overlap this process's work, given its input when the input is ready, and waited
for when its result is needed. A new interpreter rather than a fork: portable, and safe in
a process with threads. Input and result go as pickles between our own two processes.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

from generator.errors import SpecError


class Child:
    """`python -m <module>` (whose main calls `serve`), started now. `what` names its job
    in errors; `source` is the document they are about."""

    def __init__(self, module: str, what: str, source: str | None = None) -> None:
        self._what, self._source = what, source
        self._process = subprocess.Popen(
            [sys.executable, "-m", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._outcome: list[tuple[bytes, bytes]] = []
        self._sending: threading.Thread | None = None

    def send(self, *arguments: Any) -> None:
        """Give the child its arguments without waiting for it (it may still be importing)."""
        data = pickle.dumps(arguments, protocol=5)
        self._sending = threading.Thread(target=self._communicate, args=(data,), daemon=True)
        self._sending.start()

    def _communicate(self, data: bytes) -> None:
        self._outcome.append(self._process.communicate(data))

    def result(self) -> Any:
        """What the child's function returned; its SpecError, or its death, as a SpecError."""
        if self._sending is None:
            raise RuntimeError("Child.result() before Child.send()")
        self._sending.join()
        output, errors = self._outcome[0] if self._outcome else (b"", b"")
        if self._process.returncode != 0 or not output:
            last = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise SpecError(f"{self._what} failed: {last[0]}", source=self._source)
        kind, value = pickle.loads(output)
        if kind == "error":
            message, pointer = value
            raise SpecError(message, source=self._source, pointer=pointer)
        return value

    def stop(self) -> None:
        """End a child whose result is not wanted (this process failed first)."""
        if self._process.poll() is None:
            self._process.kill()
        if self._sending is not None:
            self._sending.join()
        else:
            self._process.communicate()

    def __enter__(self) -> Child:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve(function: Callable[..., Any]) -> None:
    """The child's side: call `function` with the arguments on stdin, and write what it
    returned (or the message and pointer of its SpecError) as a pickle on stdout."""
    arguments = pickle.load(sys.stdin.buffer)  # sent by our own parent process
    try:
        result: tuple[str, Any] = ("ok", function(*arguments))
    except SpecError as error:
        result = ("error", (error.message, error.pointer))
    sys.stdout.buffer.write(pickle.dumps(result, protocol=5))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # nothing else to do: tearing down the interpreter would take as long
