"""The commands of `finalpos-codegen` (`generator.cli` parses the command line): each reads
its inputs, runs the stages and prints what it did. Errors are CodegenErrors for `cli`
to print; warnings one line each.
"""

from __future__ import annotations

import argparse
import builtins
import dataclasses
import json
import keyword
import os
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from generator import changelog as changelog_stage
from generator import diff as diff_stage
from generator import fetch as fetch_stage
from generator import load as load_stage
from generator import release as release_stage
from generator import validate as validate_stage
from generator.compat import Verdict, judge
from generator.config import Config
from generator.errors import FetchError, SpecError
from generator.finalpos import Official, is_final_pos, official_of, recorded_core
from generator.fsutil import CHANGELOG, write_atomic
from generator.model_code import model_coder
from generator.normalize import normalize, normalize_against, to_yaml
from generator.validate import Problem


def _official(config: Config, document: dict[str, Any]) -> Official | None:
    """The vendored snapshot's record, when `document` may be a tenant's description of it
    (Final POS's, same API version, per the lock); None otherwise, and when `document` is
    the snapshot itself. The lock records the snapshot's core customer properties; a lock
    written before it did costs a normalization of the snapshot."""
    if not is_final_pos(document):
        return None  # another API's document has no Final POS tenants
    snapshot = _snapshot(config)
    locked = snapshot.read_lock().get("api_version")
    version = (document.get("info") or {}).get("version")
    if not snapshot.spec_path.is_file() or (locked is not None and str(locked) != str(version)):
        return None
    core = snapshot.recorded(snapshot.spec_path, fetch_stage.CORE_LOCK_KEY)
    if core is not None:
        return Official(str(version), tuple(core))
    vendored = load_stage.read_spec(snapshot.spec_path)
    return None if vendored == document else official_of(normalize(vendored))


def _normalized(
    repaired: dict[str, Any], spec: Path | str, official: Official | None = None
) -> dict[str, Any]:
    """A document validation repaired, normalized the rest of the way."""
    try:
        return normalize_against(repaired, official, repaired=True)
    except RecursionError as exc:
        raise SpecError("document nests too deeply", source=str(spec)) from exc


def _warn(command: str, source: str, problems: list[Problem]) -> None:
    for problem in problems:
        print(f"finalpos-codegen {command}: warning: {problem.line(source)}", file=sys.stderr)


def _check(
    args: argparse.Namespace, document: dict[str, Any], source: str, snapshot: fetch_stage.Snapshot
) -> dict[str, Any]:
    """Check a document, printing its problems as warnings (errors under --strict), and
    return it repaired. The vendored snapshot was validated when it was fetched: it is
    trusted by its checksum."""
    findings = _vouched_findings(source, snapshot)
    checked = validate_stage.checked(document, source, strict=args.strict, findings=findings)
    _warn(args.command, source, checked.problems)
    return checked.repaired


def _vouched_findings(source: str | Path, snapshot: fetch_stage.Snapshot) -> list[Problem] | None:
    """The validator's findings the lock records for `source` when it is the vendored
    snapshot (same sha256); None: validate it."""
    if str(source).startswith(("http://", "https://")):
        return None
    return snapshot.findings_for(Path(source))


def _load_normalized(args: argparse.Namespace, spec: Path, config: Config) -> dict[str, Any]:
    document = load_stage.read_spec(spec)
    repaired = _check(args, document, str(spec), _snapshot(config))
    return _normalized(repaired, spec, _official(config, document))


def _headers(pairs: list[str]) -> dict[str, str]:
    """`NAME=VALUE` pairs; a VALUE of `$VAR` is read from the environment. Values are
    secrets: no message repeats them."""
    headers = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise SpecError(f"--header takes NAME=VALUE, got one without '=' for {name!r}")
        if value.startswith("$"):
            if value[1:] not in os.environ:
                raise SpecError(f"--header {name}: environment variable {value} is not set")
            value = os.environ[value[1:]]
        headers[name.strip()] = value
    return headers


def _retrieve(
    args: argparse.Namespace, config: Config, snapshot: fetch_stage.Snapshot
) -> fetch_stage.Release | None:
    url = args.url or (None if args.file else config.spec_url)
    release = fetch_stage.retrieve(
        url=url,
        file=args.file,
        snapshot=snapshot,
        root=config.root,
        strict=args.strict,
        headers=_headers(args.header),
        timeout=args.timeout,
    )
    if release is not None:
        _warn(args.command, release.source, release.problems)
    return release


def _snapshot(config: Config) -> fetch_stage.Snapshot:
    return fetch_stage.Snapshot(config.spec, config.lock)


def _package_name(name: str) -> str:
    """A name `import NAME` works with and that shadows nothing: no keyword, no builtin."""
    taken = keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in dir(builtins)
    if not name.isidentifier() or not name.isascii() or name.startswith("_") or taken:
        raise SpecError(
            f"--package-name must be a plain Python identifier that is not a keyword or "
            f"builtin, got {name!r}"
        )
    return name


def cmd_fetch(args: argparse.Namespace, config: Config) -> int:
    snapshot = _snapshot(config)
    release = _retrieve(args, config, snapshot)
    if release is not None and is_final_pos(release.document):  # the lock records its core
        core = recorded_core(_normalized(release.repaired, release.source))
        release = dataclasses.replace(release, core=core)
    changed = release is not None and fetch_stage.vendor(release, snapshot)
    print(f"{snapshot.spec_path}: {'updated' if changed else 'unchanged'}")
    return 0


def cmd_update(args: argparse.Namespace, config: Config) -> int:
    snapshot = _snapshot(config)
    release = _retrieve(args, config, snapshot)
    if release is None or release.is_vendored(snapshot):
        print(f"{snapshot.spec_path}: unchanged; nothing to do")
        return 0
    with model_coder() as coder:
        outcome = release_stage.update(
            release,
            snapshot=snapshot,
            pyproject=config.pyproject,
            config=config,
            output=config.output_folder,
            package=_package_name(config.package_name),
            coder=coder,
        )
    print(outcome.summary())
    sys.stdout.write(changelog_stage.to_text(outcome.report))
    if args.pull_request is not None:
        metadata = release_stage.pull_request(outcome)
        _write(args.pull_request, json.dumps(metadata, indent=2, ensure_ascii=False) + "\n")
    return 0


def _client_version(package: str, config: Config, document: dict[str, Any]) -> str:
    """The project's client version for its own package (tenants included), else the
    document's API version."""
    if package == config.package_name:
        return config.client_version
    return release_stage.api_client_version(document)


def cmd_normalize(args: argparse.Namespace, config: Config) -> int:
    spec = args.spec or config.spec
    text = to_yaml(_load_normalized(args, spec, config))
    if args.output is None:
        sys.stdout.write(text)
    else:
        _write(args.output, text)
    return 0


def _write(path: Path, text: str) -> None:
    try:
        write_atomic(path, text.encode())
    except OSError as exc:
        raise FetchError(f"cannot write: {exc.strerror}", source=str(path)) from exc


def cmd_generate(args: argparse.Namespace, config: Config) -> int:
    started = time.perf_counter()
    spec = args.spec or config.spec
    output = args.output or config.output_folder
    package = _package_name(args.package_name or config.package_name)
    document = load_stage.read_spec(spec)
    version = _client_version(package, config, document)
    findings = _vouched_findings(spec, _snapshot(config))
    with validate_stage.validating(
        document, str(spec), strict=args.strict, findings=findings
    ) as validated:
        from generator import render as render_stage  # jinja2, while the validator starts

        normalized = _normalized(validated.repaired, spec, _official(config, document))

        def warn_before_swap() -> None:
            _warn(args.command, str(spec), validated.wait())

        client = render_stage.render(
            normalized,
            output,
            package=package,
            client_version=version,
            before_swap=warn_before_swap,
            coder=args.model_code,
        )
    print(
        f"{output}: {len(client.resources)} resources, {len(client.operations)} operations, "
        f"{len(client.schemas)} models ({time.perf_counter() - started:.1f}s)"
    )
    return 0


def cmd_check(args: argparse.Namespace, config: Config) -> int:
    from generator import check as check_stage  # imports the render stage

    spec = args.spec or config.spec
    output = args.output or config.output_folder
    package = _package_name(args.package_name or config.package_name)
    document = _load_normalized(args, spec, config)
    version = _client_version(package, config, document)
    drifts = check_stage.check(
        document, output, package=package, client_version=version, coder=args.model_code
    )
    if not drifts:
        print(f"{output}: up to date with {spec}")
        return 0
    print(f"{output}: {len(drifts)} file(s) differ from a fresh generation of {spec}:")
    for drift in drifts:
        print(f"  {drift.status:8} {drift.path}")
    shipped = output / check_stage.SHIPPED_DESCRIPTION
    if shipped.is_file():  # the description `output` was generated from: say what changed
        before = load_stage.parse_document(shipped.read_bytes(), str(shipped))
        report = diff_stage.diff(before, document)
        for change in report.custom_fields:
            print(f"  {change.message}")
        if report.changes:
            print(f"  and {len(report.changes)} API change(s): see `finalpos-codegen diff`")
    for drift in drifts:
        print(drift.diff, end="" if drift.diff.endswith("\n") else "\n")
    print(_check_advice(args, spec, output, document, _snapshot(config)))
    return 1


def _check_advice(
    args: argparse.Namespace,
    spec: Path,
    output: Path,
    document: dict[str, Any],
    snapshot: fetch_stage.Snapshot,
) -> str:
    """What makes `check` clean: a document of another API version than the vendored one
    is a release (`update` vendors it, bumps the client version and writes the changelog
    entry); else the tree is only stale (`generate`)."""
    lock_version = str(snapshot.read_lock().get("api_version") or "")
    version = str((document.get("info") or {}).get("version") or "")
    if args.spec and lock_version and version != lock_version:
        return (
            f"{spec} is API {version}, the vendored snapshot is {lock_version}: a new release. "
            f"Run `finalpos-codegen update --file {spec}` and commit the result."
        )
    regenerate = f"finalpos-codegen generate --spec {spec}" if args.spec else "make generate"
    if args.output is not None:
        regenerate += f" --output {output}"
    return f"Run `{regenerate}` and commit the result."


def _diff_inputs(args: argparse.Namespace, config: Config) -> tuple[str, str]:
    if len(args.documents) == 1:
        return str(config.spec), args.documents[0]
    if len(args.documents) > 2:
        raise SpecError(f"expected [OLD] NEW, got {len(args.documents)} documents")
    return args.documents[0], args.documents[1]


def _report(
    args: argparse.Namespace, config: Config, old_source: str, new_source: str
) -> tuple[Verdict, dict[str, Any], dict[str, Any]]:
    """Both documents checked, normalized (the old one is the new one's official version)
    and compared, each change judged by what it does to the client's users."""
    documents = [fetch_stage.read_source(source) for source in (old_source, new_source)]
    snapshot = _snapshot(config)
    sources = (old_source, new_source)
    repaired = [_check(args, d, s, snapshot) for d, s in zip(documents, sources, strict=True)]
    old = _normalized(repaired[0], old_source)
    new = _normalized(repaired[1], new_source, official=official_of(old))
    return judge(old, new, _package_name(config.package_name)), old, new


def cmd_diff(args: argparse.Namespace, config: Config) -> int:
    verdict, _old, _new = _report(args, config, *_diff_inputs(args, config))
    report = verdict.report
    render_format = {
        "text": changelog_stage.to_text,
        "json": changelog_stage.to_json,
        "markdown": changelog_stage.to_markdown,
    }
    sys.stdout.write(render_format[args.format](report))
    return 1 if report.level_reached(args.fail_on) else 0


def cmd_changelog(args: argparse.Namespace, config: Config) -> int:
    verdict, old, new = _report(args, config, *_diff_inputs(args, config))
    output = args.output or config.output_folder
    current = args.current_version or _package_version(output)
    entry = changelog_stage.changelog_entry(
        verdict.report,
        version=changelog_stage.next_version(current, verdict.report),
        old_api=str((old.get("info") or {}).get("version")),
        new_api=str((new.get("info") or {}).get("version")),
        terms=verdict.terms,
    )
    if args.write:
        changelog = output / CHANGELOG
        previous = changelog.read_text() if changelog.exists() else None
        write_atomic(changelog, release_stage.with_entry(previous, entry).encode())
    sys.stdout.write(entry)
    return 0


def _package_version(output: Path) -> str:
    try:
        return str(tomllib.loads((output / "pyproject.toml").read_text())["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0.0.0"
