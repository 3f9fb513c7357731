"""Shared fixtures: paths, the normalized base spec, a fresh generation, and a venv
with the generated package installed the way a downstream project would."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib
import io
import itertools
import json
import os
import pickle
import shutil
import subprocess
import sys
import threading
import traceback
import venv
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import pytest

from generator import render as render_stage
from generator.cli import main
from generator.client_model import ClientModel
from generator.config import project_config
from generator.model_code import PARSER
from generator.normalize import normalize
from generator.render import render
from generator.validate import VALIDATOR, load_spec

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The vendored snapshot: tests about it check invariants, never its version or files,
# so they pass after any release is vendored.
BASE_SPEC = ROOT / "spec" / "finalpos-openapi.yaml"
# Frozen Final POS documents for tests about fixed inputs (goldens, tenants, releases).
FROZEN = FIXTURES / "finalpos"
FROZEN_SPEC = FROZEN / "finalpos-openapi-1.2.4.yaml"
DEMO_TENANT_SPEC = FROZEN / "finalpos-openapi-1.2.4.demo-tenant.yaml"
OLD_SPEC = FROZEN / "finalpos-openapi-1.0.0.yaml"
# Other people's published documents: read in place, never copied into the repository.
REAL_WORLD_ENV = "FINALPOS_REAL_WORLD_SPECS"
REAL_WORLD = Path(os.environ.get(REAL_WORLD_ENV) or ROOT.parent / "shared" / "real-world-specs")
REAL_WORLD_SUFFIXES = (".json", ".yaml", ".yml")
# The project's client version, as `generate` stamps it on the project's own package.
CLIENT_VERSION = project_config(ROOT).client_version


def package_name(document: Path) -> str:
    """The import name a test generates `document` under: `doc_<stem>`."""
    return "doc_" + "".join(c if c.isalnum() else "_" for c in document.stem).lower()


def real_world_documents() -> list[Any]:
    """The real-world tier's parameters: one per document, or one skipped parameter saying
    why there are none (the tier never shrinks to nothing in silence)."""
    found = sorted(
        p
        for p in [*REAL_WORLD.glob("*"), *REAL_WORLD.glob("large/*")]
        if p.suffix in REAL_WORLD_SUFFIXES
    )
    if found:
        return [pytest.param(path, id=path.name) for path in found]
    reason = f"no real-world documents in {REAL_WORLD} (set {REAL_WORLD_ENV} to a folder of them)"
    return [pytest.param(None, id="real-world-absent", marks=pytest.mark.skip(reason=reason))]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `long_running` open the workers' shares, in turn: pytest-xdist's
    `worksteal` gives each worker an even, consecutive share of the collection to start
    with, so they start at once side by side instead of one holding up the end of the run."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    long = [item for item in items if item.get_closest_marker("long_running")]
    rest = iter([item for item in items if not item.get_closest_marker("long_running")])
    ordered, left = [], len(items)
    for share in range(workers):
        size = left // (workers - share)  # as worksteal splits: the rest over the workers left
        opening = long[share::workers]
        ordered += [*opening, *itertools.islice(rest, max(0, size - len(opening)))]
        left -= size
    items[:] = [*ordered, *rest]


@pytest.fixture(scope="session")
def base_document() -> dict[str, Any]:
    return load_spec(BASE_SPEC)


@pytest.fixture(scope="session")
def normalized_base(base_document: dict[str, Any]) -> dict[str, Any]:
    return normalize(base_document)


@pytest.fixture(scope="session")
def frozen_document() -> dict[str, Any]:
    """Final POS 1.2.4 as frozen in tests/fixtures: the input of goldens and simulations."""
    return load_spec(FROZEN_SPEC)


@pytest.fixture(scope="session")
def normalized_frozen(frozen_document: dict[str, Any]) -> dict[str, Any]:
    return normalize(frozen_document)


@pytest.fixture(scope="session")
def fresh_generation(
    tmp_path_factory: pytest.TempPathFactory, normalized_base: dict[str, Any]
) -> Path:
    """A generation of the vendored spec made by this test run (not the committed tree)."""
    output = tmp_path_factory.mktemp("fresh") / "generated"
    render(normalized_base, output, package="finalpos", client_version=CLIENT_VERSION)
    return output


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    command = [str(Path(sys.executable).parent / "finalpos-codegen"), *args]
    return subprocess.run(command, cwd=cwd or ROOT, capture_output=True, text=True, timeout=300)


def _import_slow_stages() -> None:
    """What a long-lived process calling `main` has imported after its first command: the
    stages then run in it, not in child interpreters that import them again."""
    importlib.import_module(PARSER)
    importlib.import_module(VALIDATOR)


# The warnings a new interpreter shows (Python's default filters), for `run_in_process`.
NEW_INTERPRETER_FILTERS = (
    ("default", DeprecationWarning, "__main__"),
    ("ignore", DeprecationWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", ResourceWarning, ""),
)


def run_in_process(*args: str) -> subprocess.CompletedProcess[str]:
    """`main(args)` in this process, as the console script runs it, with the slow imports
    (the model generator, the validator) made once per test process instead of once per
    document: its exit code, what it printed, a traceback, and each warning a new
    interpreter would show, as Python writes one to stderr."""
    _import_slow_stages()
    out, err = io.StringIO(), io.StringIO()
    with (
        warnings.catch_warnings(record=True) as caught,
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        warnings.resetwarnings()
        for action, category, module in reversed(NEW_INTERPRETER_FILTERS):
            warnings.filterwarnings(action, category=category, module=module)
        try:
            code = main(list(args))
        except Exception:
            traceback.print_exc()
            code = 1
    for shown in caught:
        err.write(
            warnings.formatwarning(shown.message, shown.category, shown.filename, shown.lineno)
        )
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run the CLI in-process from a folder: returns (exit code, stdout, stderr). As in any
    long-lived process, the model generator and the validator are imported once."""

    def invoke(*args: str, cwd: Path = ROOT) -> tuple[int, str, str]:
        _import_slow_stages()
        monkeypatch.chdir(cwd)
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of this whole run, shared by its parallel workers (pytest-xdist)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the folder every worker's base folder sits in
    return shared


class Generation(NamedTuple):
    package: str
    output: Path
    result: subprocess.CompletedProcess[str]

    def rendered(self) -> tuple[dict[str, Any], ClientModel]:
        """The normalized document and the client model the package was rendered from (a
        test reads them instead of normalizing and building a large document again)."""
        with open(self.output.parent / RENDERED, "rb") as file:
            return pickle.load(file)  # noqa: S301 (written by this run's `generation`)


# What `generation` keeps of `render`'s call beside a package, for `Generation.rendered`.
RENDERED = "rendered.pickle"


@contextlib.contextmanager
def render_recorded_in(folder: Path) -> Iterator[None]:
    """Calls of `generator.render.render` in the block leave what they rendered from in
    `folder/RENDERED`: the real call, observed."""
    original = render_stage.render

    def observed(document: dict[str, Any], *args: Any, **kwargs: Any) -> ClientModel:
        client = original(document, *args, **kwargs)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / RENDERED).write_bytes(pickle.dumps((document, client)))
        return client

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render_stage, "render", observed)
        yield


@pytest.fixture(scope="session")
def generation(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Generation]:
    """`generate --spec <document>` once per document and run, when a test first asks for
    it, in the test process (`run_in_process`); every test and every worker that reads that
    document shares the output (so a large document is generated once, not by each test
    file and worker). The console script itself is `run_cli`'s to run."""
    shared = run_folder(tmp_path_factory) / "generations"
    shared.mkdir(exist_ok=True)

    def generated(document: Path) -> Generation:
        package = package_name(document)
        folder = shared / f"{package}-{hashlib.sha256(str(document).encode()).hexdigest()[:8]}"
        record = folder / "generation.json"
        with open(shared / f"{folder.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not record.exists():
                with render_recorded_in(folder):
                    ran = run_in_process(
                        *("generate", "--spec", str(document), "--output", str(folder / package)),
                        *("--package-name", package),
                    )
                fields = {"returncode": ran.returncode, "stdout": ran.stdout, "stderr": ran.stderr}
                folder.mkdir(exist_ok=True)
                record.write_text(json.dumps(fields))
        result = subprocess.CompletedProcess(["generate"], **json.loads(record.read_text()))
        return Generation(package, folder / package, result)

    return generated


@pytest.fixture(scope="session")
def client_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with `pip install ./generated`: the committed package, as users get it.
    Built once per run: parallel workers (pytest-xdist) share it."""
    return _client_venv(run_folder(tmp_path_factory))


@pytest.fixture(scope="session", autouse=True)
def client_venv_in_the_background(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """When a collected test needs the client venv, its build starts with the run, beside
    the first tests (the long ones need it at once: a worker would wait for the other's)."""
    if not any("client_python" in item.fixturenames for item in request.session.items):
        yield
        return
    build = threading.Thread(target=_client_venv, args=(run_folder(tmp_path_factory),))
    build.start()
    yield
    build.join()


def _client_venv(shared: Path) -> Path:
    with open(shared / "client-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        python = shared / "client-venv" / "bin" / "python"
        if not python.exists():
            _install_client(shared / "client-venv", shared / "client-src")
    return python


def _install_client(env_dir: Path, source_dir: Path) -> None:
    """A venv without pip of its own: this environment's uv installs into it (seconds)."""
    venv.EnvBuilder(with_pip=False).create(env_dir)
    source = shutil.copytree(ROOT / "generated", source_dir / "generated", dirs_exist_ok=True)
    install = subprocess.run(
        [
            *(sys.executable, "-m", "uv", "pip", "install", "--quiet", "--compile-bytecode"),
            *("--python", str(env_dir / "bin" / "python")),
            *(str(source), "pytest==9.2.0"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if install.returncode != 0:
        shutil.rmtree(env_dir)  # the next worker tries again instead of using half a venv
    assert install.returncode == 0, install.stdout + install.stderr


# A run's mypy seed, for the runs it starts (the rehearsal's copies): see `mypy_cache`.
MYPY_SEED = "FINALPOS_TESTS_MYPY_SEED"


@pytest.fixture(scope="session", autouse=True)
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One mypy cache per test process (two mypy runs at once must not share one), each a
    copy of a seed made once per run and shared with the runs it starts: the standard
    library, pydantic and httpx are analysed once (errors are still reported on every run)."""
    seed = Path(os.environ.get(MYPY_SEED) or _mypy_seed(run_folder(tmp_path_factory)))
    own = shutil.copytree(seed, tmp_path_factory.mktemp("mypy-cache"), dirs_exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MYPY_CACHE_DIR", str(own))
        patch.setenv(MYPY_SEED, str(seed))
        yield


def _mypy_seed(shared: Path) -> Path:
    """mypy's cache after checking the committed package: what every generated one imports."""
    seed = shared / "mypy-seed"
    with open(shared / "mypy-seed.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (shared / "mypy-seed.made").exists():
            generated = str(ROOT / "generated")
            environment = {**os.environ, "MYPY_CACHE_DIR": str(seed), "MYPYPATH": generated}
            command = [sys.executable, "-m", "mypy", "--strict", "-p", "finalpos"]
            subprocess.run(command, env=environment, capture_output=True, timeout=600)
            seed.mkdir(exist_ok=True)  # a mypy that failed to start leaves a cold cache
            (shared / "mypy-seed.made").touch()
    return seed


@pytest.fixture(scope="session", autouse=True)
def models_made_here() -> None:
    """Each test process makes models itself, as any process that has loaded the model
    generator does (`model_coder`), so an in-process CLI call starts no model child (0.45 s
    of imports each). The child is what every `run_cli` call uses."""
    importlib.import_module(PARSER)


@pytest.fixture(scope="session")
def generated_package(fresh_generation: Path) -> Iterator[ModuleType]:
    """The freshly generated `finalpos`, imported from its folder for inspection."""
    sys.path.insert(0, str(fresh_generation))
    try:
        yield importlib.import_module("finalpos")
    finally:
        sys.path.remove(str(fresh_generation))
        for name in [m for m in sys.modules if m == "finalpos" or m.startswith("finalpos.")]:
            del sys.modules[name]


def mypy_strict(
    packages: dict[str, Path], cwd: Path | None = None, *flags: str
) -> subprocess.CompletedProcess[str]:
    """One `mypy --strict` run over generated packages (name → the folder holding it)."""
    arguments = [arg for name in packages for arg in ("-p", name)]
    environment = {**os.environ, "MYPYPATH": os.pathsep.join(str(p) for p in packages.values())}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            *flags,
            *arguments,
        ],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
    )


def run_python(
    script: str, *args: str, path: Path, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -c script args` with `path` (a generated package's folder) importable, as a
    downstream project imports it."""
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(path)},
        capture_output=True,
        text=True,
    )


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`ruff <args> .` on a generated tree, without a cache folder left behind."""
    command = [sys.executable, "-m", "ruff", *args, "--no-cache", "."]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True)
