"""What a diff report says to its readers: text for a terminal, JSON for tools, Markdown for
job summaries and pull requests, and the changelog entry with the next client version.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from generator.changes import DEPRECATED_RULE, LEVEL_TITLES, LEVELS, Change, Report


def _record(change: Change) -> dict[str, Any]:
    """A change as JSON: its level is the list it is in."""
    return {key: value for key, value in asdict(change).items() if key != "verdict"}


def to_json(report: Report) -> str:
    payload: dict[str, Any] = {
        level: [_record(c) for c in report.by_level(level)] for level in LEVELS
    }
    payload["custom_fields"] = [_record(c) for c in report.custom_fields]
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def to_text(report: Report) -> str:
    lines = []
    for level in LEVELS:
        changes = report.by_level(level)
        lines.append(f"{LEVEL_TITLES[level]} ({len(changes)})")
        lines += [f"  [{c.rule}] {c.message}  ({c.pointer})" for c in changes]
    lines.append(f"Customer custom fields ({len(report.custom_fields)})")
    lines += [f"  [{c.rule}] {c.message}  ({c.pointer})" for c in report.custom_fields]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(
    report: Report, title: str = "API changes", terms: dict[Change, str] | None = None
) -> str:
    """Tables by level, breaking first; with `terms` (`generator.notes.client_terms`), a
    column saying what each change does to code that uses the client."""
    lines = [f"## {title}", ""]
    counts = ", ".join(
        f"{len(report.by_level(level))} {LEVEL_TITLES[level].lower()}" for level in LEVELS
    )
    lines += [f"{counts}; {len(report.custom_fields)} custom-field changes.", ""]
    sections = [(LEVEL_TITLES[level], report.by_level(level)) for level in LEVELS]
    deprecated = [c for c in report.changes if c.rule.endswith(DEPRECATED_RULE)]
    sections[1] = (sections[1][0], [c for c in sections[1][1] if c not in deprecated])
    sections.insert(2, ("Deprecated", deprecated))
    sections.append(("Customer custom fields (tenant shape)", report.custom_fields))
    for heading, changes in sections:
        if not changes:
            continue
        header = "| rule | where | change |" + (" in your code |" if terms is not None else "")
        lines += [f"### {heading}", "", header, "|---|---|---|" + ("---|" if terms else "")]
        for change in changes:
            where = change.operation or change.schema or ""
            row = f"| `{change.rule}` | `{_md(where)}` | {_md(change.message)} |"
            lines.append(row + (f" {_md(terms.get(change, ''))} |" if terms is not None else ""))
        lines.append("")
    return "\n".join(lines)


def next_version(current: str, report: Report) -> str:
    """Semantic version after `report`: breaking → major, other changes → minor, info →
    patch; no change at all keeps `current`."""
    if not report.changes and not report.custom_fields:
        return current
    parts = [int(part) for part in current.split(".")[:3] if part.isdigit()]
    major, minor, patch = (parts + [0, 0, 0])[:3]
    if report.by_level("breaking"):
        return f"{major + 1}.0.0"
    if report.by_level("non_breaking") or report.custom_fields:
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def changelog_entry(
    report: Report,
    *,
    version: str,
    old_api: str,
    new_api: str,
    terms: dict[Change, str] | None = None,
) -> str:
    """A Markdown CHANGELOG entry: the new client version and what changed for its users."""
    body = to_markdown(report, title=f"{version} (API {old_api} → {new_api})", terms=terms)
    return body.replace("### ", "#### ").replace("## ", "### ", 1)
