"""The `finalpos-codegen` command line: fetch, normalize, generate, check.

Exit codes: 0 success; 1 drift (check); 2 invalid input; 3 network or I/O failure.
Errors print one line to stderr naming the place, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from generator import diff as diff_stage
from generator import fetch as fetch_stage
from generator.errors import CodegenError, FetchError, SpecError
from generator.fsutil import write_atomic
from generator.normalize import normalize, to_yaml

DEFAULTS = {
    "spec-url": "https://docs.finalpos.com/_spec/openapi.yaml?download",
    "spec-path": "spec/finalpos-openapi.yaml",
    "lock-path": "spec/finalpos-openapi.lock.json",
    "output": "generated",
    "package-name": "finalpos",
}


def project_config(start: Path) -> tuple[Path, dict[str, Any]]:
    """The nearest pyproject.toml with [tool.finalpos-codegen], and its settings."""
    for folder in (start, *start.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                tool = tomllib.loads(pyproject.read_text()).get("tool", {})
            except (OSError, tomllib.TOMLDecodeError):
                continue
            if "finalpos-codegen" in tool:
                return folder, {**DEFAULTS, **tool["finalpos-codegen"]}
    return start, dict(DEFAULTS)


def _normalized(document: dict[str, Any], spec: Path) -> dict[str, Any]:
    try:
        return normalize(document)
    except RecursionError as exc:
        raise SpecError("document nests too deeply", source=str(spec)) from exc


def _load_normalized(spec: Path) -> dict[str, Any]:
    return _normalized(fetch_stage.load_spec(spec), spec)


def _package_name(name: str) -> str:
    if not name.isidentifier() or not name.isascii() or name.startswith("_"):
        raise SpecError(f"--package-name must be a plain Python identifier, got {name!r}")
    return name


def cmd_fetch(args: argparse.Namespace, root: Path, config: dict[str, Any]) -> int:
    snapshot = fetch_stage.Snapshot(root / config["spec-path"], root / config["lock-path"])
    url = args.url or (None if args.file else config["spec-url"])
    changed = fetch_stage.fetch(url=url, file=args.file, snapshot=snapshot, timeout=args.timeout)
    state = "updated" if changed else "unchanged"
    print(f"{snapshot.spec_path}: {state}")
    return 0


def cmd_normalize(args: argparse.Namespace, root: Path, config: dict[str, Any]) -> int:
    spec = args.spec or root / config["spec-path"]
    text = to_yaml(_load_normalized(spec))
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            write_atomic(args.output, text.encode())
        except OSError as exc:
            raise FetchError(f"cannot write: {exc.strerror}", source=str(args.output)) from exc
    return 0


def cmd_generate(args: argparse.Namespace, root: Path, config: dict[str, Any]) -> int:
    from generator import render as render_stage  # datamodel-code-generator is slow to import

    started = time.perf_counter()
    spec = args.spec or root / config["spec-path"]
    output = args.output or root / config["output"]
    package = _package_name(args.package_name or config["package-name"])
    document = fetch_stage.read_spec(spec)
    with fetch_stage.validating(document, str(spec)) as validated:  # in parallel with rendering
        normalized = _normalized(document, spec)
        client = render_stage.render(normalized, output, package=package, before_swap=validated)
    print(
        f"{output}: {len(client.resources)} resources, {len(client.operations)} operations, "
        f"{len(client.schemas)} models ({time.perf_counter() - started:.1f}s)"
    )
    return 0


def cmd_check(args: argparse.Namespace, root: Path, config: dict[str, Any]) -> int:
    from generator import check as check_stage  # imports the render stage

    spec = args.spec or root / config["spec-path"]
    output = args.output or root / config["output"]
    package = _package_name(args.package_name or config["package-name"])
    document = _load_normalized(spec)
    drifts = check_stage.check(document, output, package=package)
    if not drifts:
        print(f"{output}: up to date with {spec}")
        return 0
    print(f"{output}: {len(drifts)} file(s) differ from a fresh generation of {spec}:")
    for drift in drifts:
        print(f"  {drift.status:8} {drift.path}")
    shipped = output / check_stage.SHIPPED_DESCRIPTION
    if shipped.is_file():  # the description `output` was generated from: say what changed
        before = fetch_stage.parse_document(shipped.read_bytes(), str(shipped))
        report = diff_stage.diff(before, document)
        for change in report.custom_fields:
            print(f"  {change.message}")
        if report.changes:
            print(f"  and {len(report.changes)} API change(s): see `finalpos-codegen diff`")
    for drift in drifts:
        print(drift.diff, end="" if drift.diff.endswith("\n") else "\n")
    print("Run `make generate` (or `finalpos-codegen generate`) and commit the result.")
    return 1


def _diff_inputs(args: argparse.Namespace, root: Path, config: dict[str, Any]) -> tuple[str, str]:
    if len(args.documents) == 1:
        return str(root / config["spec-path"]), args.documents[0]
    return args.documents[0], args.documents[1]


def _report(
    old_source: str, new_source: str
) -> tuple[diff_stage.Report, dict[str, Any], dict[str, Any]]:
    """Both documents validated in forked children while they are normalized and compared;
    a validation error wins over any error the invalid document caused meanwhile."""
    documents = [fetch_stage.read_source(source) for source in (old_source, new_source)]
    with (
        fetch_stage.validating(documents[0], old_source),
        fetch_stage.validating(documents[1], new_source),
    ):
        old, new = (normalize(document) for document in documents)
        report = diff_stage.diff(old, new)
    return report, old, new


def cmd_diff(args: argparse.Namespace, root: Path, config: dict[str, Any]) -> int:
    report, _old, _new = _report(*_diff_inputs(args, root, config))
    render_format = {
        "text": diff_stage.to_text,
        "json": diff_stage.to_json,
        "markdown": diff_stage.to_markdown,
    }
    sys.stdout.write(render_format[args.format](report))
    return 1 if report.level_reached(args.fail_on) else 0


def cmd_changelog(args: argparse.Namespace, root: Path, config: dict[str, Any]) -> int:
    report, old, new = _report(*_diff_inputs(args, root, config))
    output = args.output or root / config["output"]
    current = args.current_version or _client_version(output)
    entry = diff_stage.changelog_entry(
        report,
        version=diff_stage.next_version(current, report),
        old_api=str((old.get("info") or {}).get("version")),
        new_api=str((new.get("info") or {}).get("version")),
    )
    if args.write:
        changelog = output / diff_stage.CHANGELOG
        previous = changelog.read_text() if changelog.exists() else "# Changelog\n\n"
        head, _, rest = previous.partition("\n\n")
        write_atomic(changelog, f"{head}\n\n{entry}\n{rest}".encode())
    sys.stdout.write(entry)
    return 0


def _client_version(output: Path) -> str:
    try:
        return str(tomllib.loads((output / "pyproject.toml").read_text())["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0.0.0"


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="finalpos-codegen",
        description="Generate the Final POS Python client from its OpenAPI description.",
    )
    commands = main_parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fetch = commands.add_parser("fetch", help="get the document and replace the vendored snapshot")
    source = fetch.add_mutually_exclusive_group()
    source.add_argument(
        "--url", help="download from URL (default: [tool.finalpos-codegen] spec-url)"
    )
    source.add_argument("--file", type=Path, help="take a local file instead of downloading")
    fetch.add_argument(
        "--timeout", type=float, default=30.0, help="seconds per attempt (default 30)"
    )
    fetch.set_defaults(handler=cmd_fetch)

    spec_help = "OpenAPI document (default: the vendored snapshot)"
    norm = commands.add_parser("normalize", help="write the normalized document")
    norm.add_argument("--spec", type=Path, help=spec_help)
    norm.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    norm.set_defaults(handler=cmd_normalize)

    for name, handler, summary in (
        ("generate", cmd_generate, "render the client package (no network)"),
        ("check", cmd_check, "exit 1 if the package differs from a fresh generation"),
    ):
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.add_argument("--spec", type=Path, help=spec_help)
        sub.add_argument("--output", type=Path, help="package folder (default: generated/)")
        sub.add_argument("--package-name", help="import package name (default: finalpos)")
        sub.set_defaults(handler=handler)

    for name, handler, summary in (
        ("diff", cmd_diff, "classify the changes between two API descriptions"),
        (
            "changelog",
            cmd_changelog,
            "write a diff_stage.CHANGELOG entry and propose the next client version",
        ),
    ):
        sub = commands.add_parser(
            name, help=summary, description=summary + " (OLD defaults to the vendored snapshot)"
        )
        sub.add_argument("documents", nargs="+", metavar="[OLD] NEW", help="files or URLs")
        sub.set_defaults(handler=handler)
    commands.choices["diff"].add_argument(
        "--format", choices=["text", "json", "markdown"], default="text"
    )
    commands.choices["diff"].add_argument(
        "--fail-on",
        choices=["breaking", "any", "never"],
        default="breaking",
        help="exit 1 when changes of this level are found (default: breaking)",
    )
    changelog = commands.choices["changelog"]
    changelog.add_argument(
        "--output", type=Path, help="client package folder (default: generated/)"
    )
    changelog.add_argument(
        "--current-version", help="client version to bump (default: from the package)"
    )
    changelog.add_argument(
        "--write", action="store_true", help=f"prepend the entry to <output>/{diff_stage.CHANGELOG}"
    )
    return main_parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    root, config = project_config(Path.cwd())
    try:
        return int(args.handler(args, root, config))
    except CodegenError as exc:
        print(f"finalpos-codegen {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            f"finalpos-codegen {args.command}: interrupted; nothing was replaced", file=sys.stderr
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
