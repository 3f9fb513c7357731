"""The project's settings: `[tool.finalpos-codegen]` in the nearest pyproject.toml, read once
into one typed object that every command is handed. A key it does not know (a typo would
otherwise be ignored) or a value that is not a string is an error naming the file and key.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import ConfigError

TABLE = "finalpos-codegen"


@dataclass(frozen=True)
class Config:
    """The settings, paths relative to `root` (the folder of the pyproject.toml)."""

    root: Path
    spec_url: str = "https://docs.finalpos.com/_spec/openapi.yaml?download"
    spec_path: str = "spec/finalpos-openapi.yaml"
    lock_path: str = "spec/finalpos-openapi.lock.json"
    output: str = "generated"
    package_name: str = "finalpos"
    client_version: str = "0.0.0"
    """The project's own package's version, bumped by `update`."""

    @property
    def spec(self) -> Path:
        return self.root / self.spec_path

    @property
    def lock(self) -> Path:
        return self.root / self.lock_path

    @property
    def output_folder(self) -> Path:
        return self.root / self.output

    @property
    def pyproject(self) -> Path:
        return self.root / "pyproject.toml"


# Each setting's key in the table: the field's name in kebab case.
KEYS = {field.name.replace("_", "-"): field.name for field in dataclasses.fields(Config)}
del KEYS["root"]


def project_config(start: Path) -> Config:
    """The settings of the nearest pyproject.toml with a `[tool.finalpos-codegen]` table,
    from `start` up; the defaults, rooted at `start`, when there is none."""
    for folder in (start, *start.parents):
        pyproject = folder / "pyproject.toml"
        if not pyproject.is_file():
            continue
        try:
            tool = tomllib.loads(pyproject.read_text()).get("tool", {})
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue  # not ours to judge: another project's file on the way up
        if isinstance(tool, dict) and TABLE in tool:
            return _read(folder, tool[TABLE], pyproject)
    return Config(root=start)


def _read(root: Path, table: Any, pyproject: Path) -> Config:
    where = f"[tool.{TABLE}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table", source=str(pyproject))
    values = {}
    for key, value in table.items():
        if key not in KEYS:
            known = ", ".join(KEYS)
            raise ConfigError(
                f"{where}: unknown setting {key!r} (known: {known})", source=str(pyproject)
            )
        if not isinstance(value, str):
            kind = type(value).__name__
            raise ConfigError(f"{where}: {key} must be a string, not {kind}", source=str(pyproject))
        values[KEYS[key]] = value
    return Config(root=root, **values)
