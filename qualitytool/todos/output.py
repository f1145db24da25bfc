"""TODO items as JSON, Markdown reports (Jinja2 templates), SARIF, GitHub annotations, a table.

The JSON document is a contract with the ``report`` command: keep its keys stable.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualitytool.rendering.templates import cell, environment, render_template
from qualitytool.todos.model import RESOLUTIONS, ScanResult, TodoItem

if TYPE_CHECKING:  # imported for the formats that need them (SARIF, GitHub)
    from qualitytool.findings import Finding

JSON_VERSION = 1
REPORT_FILES = {"TODO_REPORT.md": "todo_report.md.j2",
                "KNOWN_LIMITATIONS.md": "known_limitations.md.j2"}


def item_to_dict(item: TodoItem) -> dict[str, Any]:
    blame = item.blame
    return {
        "path": item.path,
        "line": item.line,
        "col": item.col,
        "marker": item.marker,
        "text": item.text,
        "category": item.category,
        "category_reason": item.category_reason,
        "confidence": item.confidence,
        "uncertain": item.uncertain,
        "likeliest": list(item.likeliest),
        "may_be_security": item.security.flagged,
        "security_evidence": list(item.security.evidence) if item.security.flagged else [],
        "tags": list(item.tags),
        "resolution": item.resolution,
        "author": item.author,
        "issue": item.issue,
        "fingerprint": item.fingerprint,
        "blame": None if blame is None else {
            "author": blame.author,
            "commit": blame.commit,
            "date": blame.date,
            "age_days": blame.age_days,
        },
    }


def category_order(items: Sequence[TodoItem], categories: Sequence[str] = ()) -> list[str]:
    """The configured categories, then any other category an item has (sorted)."""
    return [*categories, *sorted({i.category for i in items} - set(categories))]


def summary(items: Sequence[TodoItem], categories: Sequence[str] = ()) -> dict[str, Any]:
    linked = sum(1 for i in items if i.issue)
    counts = Counter(i.category for i in items)
    resolutions = Counter(i.resolution for i in items)
    return {
        "total": len(items),
        "linked": linked,
        "unlinked": len(items) - linked,
        "by_category": {c: counts[c] for c in category_order(items, categories)},
        "by_resolution": {r: resolutions[r] for r in RESOLUTIONS},
        "may_be_security": sum(i.security.flagged for i in items),
        "uncertain": sum(i.uncertain for i in items),
    }


def render_json(result: ScanResult) -> str:
    document = {
        "version": JSON_VERSION,
        "items": [item_to_dict(i) for i in result.items],
        "summary": summary(result.items, result.categories),
        "notes": list(result.notes),
    }
    return json.dumps(document, indent=2) + "\n"


def oldest_first(items: Sequence[TodoItem]) -> list[TodoItem]:
    """Blamed items oldest first, then the unblamed ones by location."""
    return sorted(
        items,
        key=lambda i: (i.blame is None, i.blame.date if i.blame else "", i.path, i.line),
    )


def by_category(
    items: Sequence[TodoItem], categories: Sequence[str] = ()
) -> list[tuple[str, list[TodoItem]]]:
    """Non-empty categories in the configured order, each oldest first; uncertain items
    are not in them (see :func:`uncertain_items`)."""
    certain = [i for i in items if not i.uncertain]
    return [
        (category, oldest_first([i for i in certain if i.category == category]))
        for category in category_order(items, categories)
        if any(i.category == category for i in certain)
    ]


def uncertain_items(items: Sequence[TodoItem]) -> list[TodoItem]:
    """The items whose category a person should decide, oldest first."""
    return oldest_first([i for i in items if i.uncertain])


def flagged_items(items: Sequence[TodoItem]) -> list[TodoItem]:
    """The items that may be about security, oldest first."""
    return oldest_first([i for i in items if i.security.flagged])


def category_label(item: TodoItem, flag: bool = True) -> str:
    """``bug``, ``bug, may be security`` (without ``flag``: ``bug``), ``uncertain: bug or
    feature``."""
    label = (f"uncertain: {' or '.join(item.likeliest[:2])}" if item.uncertain
             else item.category)
    # An item of the security category is flagged by definition: saying so again is noise.
    if flag and item.security.flagged and not item.security.by_category:
        label += ", may be security"
    return label


def _template_context(result: ScanResult) -> dict[str, Any]:
    items = result.items
    authors = Counter(
        (i.blame.author if i.blame else None) or i.author or "(unknown)" for i in items
    )
    files = Counter(i.path for i in items)
    return {
        "items": items,
        "summary": summary(items, result.categories),
        "categories": category_order(items, result.categories),
        "resolutions": RESOLUTIONS,
        "grouped": by_category(items, result.categories),
        "uncertain": uncertain_items(items),
        "flagged": flagged_items(items),
        "label": category_label,
        "oldest": [i for i in oldest_first(items) if i.blame is not None][:10],
        "by_author": sorted(authors.items(), key=lambda kv: (-kv[1], kv[0])),
        "by_file": sorted(files.items(), key=lambda kv: (-kv[1], kv[0])),
        "limitations": [i for i in items if i.resolution == "document"],
        "notes": result.notes,
    }


def render_report(result: ScanResult, template: str = "todo_report.md.j2",
                  templates_dir: Path | None = None) -> str:
    """One report template rendered with the scan (deterministic: no dates of the run)."""
    env = environment(templates_dir, {"md": cell})
    return render_template(env, template, _template_context(result))


def write_reports(result: ScanResult, directory: Path,
                  templates_dir: Path | None = None) -> list[Path]:
    """Write ``TODO_REPORT.md`` and ``KNOWN_LIMITATIONS.md`` into ``directory``."""
    # Every template renders before anything is written: a broken one writes nothing.
    texts = {name: render_report(result, template, templates_dir)
             for name, template in REPORT_FILES.items()}
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in texts.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def to_findings(items: Sequence[TodoItem]) -> list[Finding]:
    """Items as findings for the SARIF and GitHub reporters (linked ones as notes)."""
    from qualitytool.findings import Finding, Severity

    findings = []
    for item in items:
        issue = f" (tracked in {item.issue})" if item.issue else " (no issue linked)"
        findings.append(
            Finding(
                rule_id=item.marker,
                tool="qualitytool-todos",
                path=item.path,
                line=item.line,
                col=item.col,
                end_line=item.end_line,
                message=f"{item.marker} [{category_label(item)}, {item.resolution}]: "
                        f"{item.text}{issue}",
                severity=Severity.NOTE if item.issue else Severity.WARNING,
                context=item.fingerprint,
            )
        )
    return findings


def render_sarif(result: ScanResult) -> str:
    from qualitytool.rendering import sarif

    rules = [
        sarif.RuleInfo(id=marker, name=f"{marker.lower()}-comment",
                       summary=f"{marker} comment: fix it, track it as an issue, or document it")
        for marker in sorted({i.marker for i in result.items})
    ]
    return sarif.render(to_findings(result.items), [], rules)


def render_github(result: ScanResult) -> str:
    from qualitytool.rendering import github

    return github.render(to_findings(result.items), [])


def render_table(result: ScanResult, console: Any, *, explain: bool = False) -> None:
    """A rich table per category, oldest first, then the uncertain items, then a one-line
    summary; ``explain`` adds why each item got its category, how sure that is, and the
    evidence of the "may be security" flag."""
    from rich.table import Table
    from rich.text import Text

    groups = [(f"{category} ({len(items)})", items)
              for category, items in by_category(result.items, result.categories)]
    uncertain = uncertain_items(result.items)
    if uncertain:
        groups.append((f"uncertain ({len(uncertain)}): a person decides", uncertain))
    for title, items in groups:
        table = Table(title=title, title_justify="left", expand=True)
        table.add_column("age", justify="right", no_wrap=True)
        table.add_column("where and what", ratio=1, overflow="fold")
        table.add_column("author", overflow="ellipsis", max_width=14, no_wrap=True)
        table.add_column("next", no_wrap=True)
        for item in items:
            cell = Text(f"{item.path}:{item.line}", style="cyan")
            if item.uncertain:
                cell.append(f"  {' or '.join(item.likeliest[:2])}?", style="magenta")
            if item.security.flagged and not item.security.by_category:
                cell.append("  may be security", style="bold red")
            cell.append(f"\n{item.marker}: {item.text}", style="")
            if explain:
                for line in explain_lines(item):
                    cell.append(f"\n{line}", style="dim")
            table.add_row(
                f"{item.blame.age_days}d" if item.blame else "-",
                cell,
                (item.blame.author if item.blame else None) or item.author or "-",
                item.issue or item.resolution,
            )
        console.print(table)
    for note in result.notes:
        console.print(f"note: {note}", style="yellow", highlight=False)
    console.print(summary_line(result), highlight=False)


def explain_lines(item: TodoItem) -> list[str]:
    """Why the item got its category, how sure that is, and why it may be security."""
    lines = [f"why: {item.category_reason}"]
    shown = ", ".join(item.likeliest[:2])
    lines.append(f"confidence: {item.confidence:.2f}" + (
        f" (uncertain: {' or '.join(item.likeliest[:2])})" if item.uncertain
        else f" (likeliest: {shown})" if shown else ""))
    if item.security.flagged:
        lines.append(f"may be security: {item.security.reason}")
    return lines


# How the summary line names each suggested resolution (one item, several).
_STEP = {
    "implement": ("to implement", "to implement"),
    "issue": ("to file as an issue", "to file as issues"),
    "document": ("to document as a limitation", "to document as limitations"),
}


def summary_line(result: ScanResult) -> str:
    data = summary(result.items)
    if not data["total"]:
        return f"No TODO comments found in {result.files_scanned} files."
    # The suggested next step of the items without a link (they add up to "N not linked").
    steps = Counter(i.resolution for i in result.items if not i.issue)
    resolutions = ", ".join(f"{steps[r]} {_STEP[r][steps[r] != 1]}" for r in RESOLUTIONS
                            if steps[r])
    attention = []
    if data["may_be_security"]:
        attention.append(f"{data['may_be_security']} may be security")
    if data["uncertain"]:
        attention.append(f"{data['uncertain']} uncertain")
    return (
        f"Found {data['total']} TODO comments in {len({i.path for i in result.items})} of "
        f"{result.files_scanned} files: {data['linked']} linked to an issue, "
        f"{data['unlinked']} not" + (f" ({resolutions})" if resolutions else "")
        + (f"; {', '.join(attention)}." if attention else ".")
    )


def plain_lines(result: ScanResult, *, explain: bool = False) -> str:
    """One ``path:line:col: MARKER [category] text`` line per item, then the summary line
    (the text format when the output is not a terminal)."""
    lines = []
    for i in result.items:
        lines.append(f"{i.path}:{i.line}:{i.col}: {i.marker} [{category_label(i)}] {i.text}")
        if explain:
            lines += [f"    {line}" for line in explain_lines(i)]
    return "\n".join([*lines, summary_line(result)]) + "\n"
