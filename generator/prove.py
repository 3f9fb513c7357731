"""Stage 6: prove the staged package works before it replaces the old one. A child
interpreter imports every module of the package (a package that fails at import would
otherwise be written with exit 0) and compiles every other Python file, so each file is
compiled once. The child starts while the package is rendered, so its own imports
(pydantic, httpx) cost nothing on the way.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path

from generator.child import Child, serve
from generator.errors import SpecError


def compile_all(folder: Path, *, skip: frozenset[Path] = frozenset()) -> None:
    """Compile every Python file under `folder` but those in `skip`; the first that fails
    is a SpecError naming the file and the line (`duplicate argument`, a bad escape...)."""
    for path in sorted(folder.rglob("*.py")):
        if path not in skip:
            try:
                compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
            except SyntaxError as error:
                raise _not_compiling(folder, error) from error


def _not_compiling(folder: Path, error: SyntaxError) -> SpecError:
    where = Path(error.filename or "?")
    relative = where.relative_to(folder).as_posix() if where.is_relative_to(folder) else where
    return SpecError(
        f"the generated package does not compile: {relative}:{error.lineno}: {error.msg}"
    )


# Modules a host program imports, never the package's users: the pytest plugin needs pytest,
# which neither the package nor the generator depends on (compiled, like every module).
HOSTED_MODULES = frozenset({"_pytest_plugin"})


def modules_of(folder: Path, package: str) -> dict[str, Path]:
    """The dotted names of every module of `package` in `folder` but those a host program
    imports (`HOSTED_MODULES`), packages first, with their files."""
    names = {}
    for path in sorted((folder / package).rglob("*.py")):
        parts = path.relative_to(folder).with_suffix("").parts
        if parts[-1] not in HOSTED_MODULES:
            names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return dict(sorted(names.items(), key=lambda item: (item[0].count("."), item[0])))


def import_all(folder: str, package: str) -> int:
    """Import every module of `package` from `folder` and compile every other Python file
    there (in the child); the first failure is a SpecError naming the module or the file,
    the line and the error."""
    sys.dont_write_bytecode = True  # nothing may be added to the staged tree
    sys.path.insert(0, folder)
    modules = modules_of(Path(folder), package)
    compile_all(Path(folder), skip=frozenset(modules.values()))
    for module in modules:
        try:
            importlib.import_module(module)
        except SyntaxError as error:
            raise _not_compiling(Path(folder), error) from error
        except Exception as error:
            raise SpecError(
                f"the generated package does not import: {module}: {_where(error, folder)}"
                f"{type(error).__name__}: {error}"
            ) from error
    return len(modules)


def _where(error: BaseException, folder: str) -> str:
    """`path:line: ` of the innermost frame in the generated package, if any."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(folder)]
    if not frames:
        return ""
    return f"{Path(frames[-1].filename).relative_to(folder).as_posix()}:{frames[-1].lineno}: "


class ImportCheck:
    """Imports and compiles the staged package in a child started before the package is
    written (no child when not `enabled`: the package is only compiled, here)."""

    def __init__(self, *, enabled: bool = True) -> None:
        what = "the import check of the generated package"
        self._child = Child("generator.prove", what) if enabled else None

    def prove(self, folder: Path, package: str) -> None:
        if self._child is None:
            compile_all(folder)
        else:
            self._child.send(str(folder.resolve()), package)
            self._child.result()

    def __enter__(self) -> ImportCheck:
        return self

    def __exit__(self, *exception: object) -> None:
        if self._child is not None:
            self._child.stop()


if __name__ == "__main__":
    import httpx  # noqa: F401  (what every generated package imports: loaded while waiting)
    import pydantic  # noqa: F401

    serve(import_all)
