"""The `finalpos-codegen` command line: fetch, update, normalize, generate, check, diff, changelog.

Exit codes: 0 success; 1 drift (check) or changes at the --fail-on level (diff); 2 invalid
input; 3 network or I/O failure. Errors print one line to stderr naming the place, never a
traceback; warnings (repaired quirks, validator findings) one line each.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from generator.config import Config, project_config
from generator.errors import CodegenError
from generator.fsutil import CHANGELOG
from generator.model_code import model_coder


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="finalpos-codegen",
        description="Generate the Final POS Python client from its OpenAPI description.",
    )
    # `generator.commands.cmd_<COMMAND>` runs each.
    commands = main_parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    strict_help = "refuse documents with problems, repaired or not (default: warn and go on)"
    for name, summary in (
        ("fetch", "get the document and replace the vendored snapshot"),
        (
            "update",
            "one API release: fetch, vendor, diff, changelog entry, client version bump, "
            "regenerate; all or nothing",
        ),
    ):
        sub = commands.add_parser(name, help=summary, description=summary)
        source = sub.add_mutually_exclusive_group()
        source.add_argument(
            "--url", help="download from URL (default: [tool.finalpos-codegen] spec-url)"
        )
        source.add_argument("--file", type=Path, help="take a local file instead of downloading")
        sub.add_argument(
            "--header",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="send this header (VALUE may be $ENV_VAR); never written anywhere",
        )
        sub.add_argument(
            "--timeout", type=float, default=30.0, help="seconds per attempt (default 30)"
        )
        if name == "update":
            sub.add_argument(
                "--pull-request",
                type=Path,
                metavar="FILE",
                help="when the release changed something, write its pull request (branch, "
                "title, body, labels) to FILE as JSON",
            )

    spec_help = "OpenAPI document (default: the vendored snapshot)"
    norm = commands.add_parser("normalize", help="write the normalized document")
    norm.add_argument("--spec", type=Path, help=spec_help)
    norm.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")

    for name, summary in (
        ("generate", "render the client package (no network)"),
        ("check", "exit 1 if the package differs from a fresh generation"),
    ):
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.add_argument("--spec", type=Path, help=spec_help)
        sub.add_argument("--output", type=Path, help="package folder (default: generated/)")
        sub.add_argument("--package-name", help="import package name (default: finalpos)")

    for name, summary in (
        ("diff", "classify the changes between two API descriptions"),
        (
            "changelog",
            f"write a {CHANGELOG} entry and propose the next client version",
        ),
    ):
        sub = commands.add_parser(
            name, help=summary, description=summary + " (OLD defaults to the vendored snapshot)"
        )
        sub.add_argument("documents", nargs="+", metavar="[OLD] NEW", help="files or URLs")
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
        "--write", action="store_true", help=f"prepend the entry to <output>/{CHANGELOG}"
    )
    for sub in commands.choices.values():
        sub.add_argument("--strict", action="store_true", help=strict_help)
    return main_parser


# The commands that render: they start the model generator's child before the stages are
# imported, and find its `model_code` in `args.model_code`.
RENDERING = frozenset({"generate", "check"})


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    config: Config | None = None
    try:
        config = project_config(Path.cwd())
        with contextlib.ExitStack() as stack:
            if args.command in RENDERING:
                args.model_code = stack.enter_context(model_coder())
            from generator import (
                commands,  # the stages: 0.1 s of imports the child need not wait for
            )

            return int(getattr(commands, f"cmd_{args.command}")(args, config))
    except CodegenError as exc:
        if exc.source is None and config and hasattr(args, "spec"):  # name its document
            exc.source = str(args.spec or config.spec)
        print(f"finalpos-codegen {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            f"finalpos-codegen {args.command}: interrupted; nothing was replaced", file=sys.stderr
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
