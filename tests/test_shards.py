"""``--shard I/N`` and ``report --merge``: a deterministic partition, and shards that add up to
the unsharded run (real tools on a real small project, no mocks)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from qualitytool.api import check_exceptions, resolve_config, scan_todos
from qualitytool.cli import main
from qualitytool.shard import Shard, ShardError, partition
from tests.conftest import EXAMPLE
from tests.fixtures.report_support import copy_project, run_coverage, write_fix_log


def _tree(root: Path, sizes: dict[str, int]) -> list[Path]:
    files = []
    for name, size in sizes.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"#" * size)
        files.append(path)
    return files


@pytest.mark.parametrize(
    ("text", "expected"), [("1/4", Shard(1, 4)), (" 4 / 4 ", Shard(4, 4)), ("1/1", Shard(1, 1))]
)
def test_parse(text: str, expected: Shard) -> None:
    assert Shard.parse(text) == expected
    assert str(expected) == f"{expected.index}/{expected.count}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0/4", "shard 0/4: need 1 <= I <= N"),
        ("5/4", "shard 5/4: need 1 <= I <= N"),
        ("1/0", "shard 1/0: need 1 <= I <= N"),
        ("2", "--shard '2': expected I/N, for example 1/4"),
        ("a/b", "--shard 'a/b': expected I/N, for example 1/4"),
    ],
)
def test_parse_rejects(text: str, message: str) -> None:
    with pytest.raises(ShardError) as caught:
        Shard.parse(text)
    assert str(caught.value) == message


def test_partition_is_greedy_by_size_with_ties_broken_by_path(tmp_path: Path) -> None:
    files = _tree(tmp_path, {"a.py": 50, "b/c.py": 90, "b/d.py": 50, "e.py": 40, "f.py": 10,
                             "g.py": 0})
    shards = partition(files, 3, tmp_path)
    # 90 -> 1; 50 (a) -> 2; 50 (b/d) -> 3; 40 -> 2 (50 < 90, and 2 < 3 on a tie with 3);
    # 10 -> 3 (50 < 90); 0 -> 3 (60 < 90)
    assert [[p.relative_to(tmp_path).as_posix() for p in s] for s in shards] == [
        ["b/c.py"], ["a.py", "e.py"], ["b/d.py", "f.py", "g.py"],
    ]


def test_partition_is_the_same_whatever_the_order_and_the_checkout(tmp_path: Path) -> None:
    sizes = {f"pkg{i % 3}/mod{i}.py": (i * 37) % 101 for i in range(40)}
    here = _tree(tmp_path / "one", sizes)
    there = _tree(tmp_path / "elsewhere" / "two", sizes)

    def names(files: list[Path], root: Path, count: int) -> list[list[str]]:
        return [[p.relative_to(root).as_posix() for p in s] for s in partition(files, count, root)]

    for count in (1, 2, 3, 7):
        expected = names(here, tmp_path / "one", count)
        assert names(list(reversed(here)), tmp_path / "one", count) == expected
        assert names(there, tmp_path / "elsewhere" / "two", count) == expected
        everything = sorted(name for shard in expected for name in shard)
        assert everything == sorted(sizes)  # every file exactly once
    loads = [sum(sizes[n] for n in shard) for shard in names(here, tmp_path / "one", 4)]
    assert max(loads) - min(loads) <= max(sizes.values())


def test_select_keeps_the_discovery_order(tmp_path: Path) -> None:
    files = _tree(tmp_path, {"z.py": 5, "a.py": 5, "m.py": 5, "b.py": 5})
    picked = [Shard(i, 2).select(files, tmp_path) for i in (1, 2)]
    assert sorted(p.name for s in picked for p in s) == ["a.py", "b.py", "m.py", "z.py"]
    for selection in picked:
        assert selection == [p for p in files if p in selection]


def test_check_exceptions_shards_add_up(tmp_path: Path) -> None:
    project = shutil.copytree(EXAMPLE, tmp_path / "app")
    config = resolve_config([project])
    whole = check_exceptions([project], config, jobs=1)
    parts = [check_exceptions([project], config, jobs=1, shard=Shard(i, 3)) for i in (1, 2, 3)]
    assert sum(p.files_checked for p in parts) == whole.files_checked
    assert all(p.files_checked < whole.files_checked for p in parts)
    from qualitytool.findings import Finding

    joined = sorted((f for p in parts for f in p.findings), key=Finding.sort_key)
    assert joined == sorted(whole.findings, key=Finding.sort_key)
    assert len(whole.findings) == 21


def test_todos_shards_add_up(tmp_path: Path) -> None:
    project = shutil.copytree(EXAMPLE, tmp_path / "app")
    config = resolve_config([project])
    whole = scan_todos([project], config, blame=False)
    parts = [scan_todos([project], config, blame=False, shard=Shard(i, 3)) for i in (1, 2, 3)]
    assert sum(p.files_scanned for p in parts) == whole.files_scanned
    assert sorted((i.path, i.line, i.text) for p in parts for i in p.items) == [
        (i.path, i.line, i.text) for i in whole.items
    ]
    assert len(whole.items) == 17


def test_evidence_run_shards_watch_a_share_each(tmp_path: Path) -> None:
    import sys

    from qualitytool.api import record_evidence

    project = shutil.copytree(EXAMPLE, tmp_path / "app")
    config = resolve_config([project])

    def watched(shard: Shard | None, name: str) -> int:
        run = record_evidence([sys.executable, "-c", "pass"], [project], config,
                              evidence_file=tmp_path / name, shard=shard)
        assert run.exit_code == 0
        return run.watched

    whole = watched(None, "whole.json")
    parts = [watched(Shard(i, 3), f"part-{i}.json") for i in (1, 2, 3)]
    assert sum(parts) == whole > max(parts)


CYCLE_A = '''"""Orders."""

from shop import billing


def total(order: dict) -> int:
    """The order's total."""
    return billing.price(order) + 1
'''
CYCLE_B = '''"""Billing."""

from shop import orders


def price(order: dict) -> int:
    """The order's price."""
    return len(order)


def again(order: dict) -> int:
    """Through orders."""
    return orders.total(order)
'''
DUPLICATED = '''"""Export {kind}."""


def export_{kind}(rows: list) -> str:
    """Rows as text."""
    lines = []
    for row in rows:
        cells = [str(cell).strip() for cell in row]
        cells = [cell.replace("\\n", " ") for cell in cells]
        cells = [cell or "-" for cell in cells]
        lines.append("{sep}".join(cells))
    return "\\n".join(lines)
'''


def _project(tmp_path: Path) -> Path:
    """The small report fixture plus a cyclic import and duplicated code across files."""
    root = copy_project(tmp_path)
    (root / "shop" / "orders.py").write_text(CYCLE_A, encoding="utf-8")
    (root / "shop" / "billing.py").write_text(CYCLE_B, encoding="utf-8")
    for kind, sep in (("csv", ","), ("tsv", "\\t")):
        (root / "shop" / f"export_{kind}.py").write_text(
            DUPLICATED.format(kind=kind, sep=sep), encoding="utf-8")
    run_coverage(root)
    write_fix_log(root)
    return root


def _invoke(args: list[str], code: int | None = None) -> str:
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    if code is not None:
        assert result.exit_code == code, result.output
    return result.output


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _symbols(document: dict[str, Any]) -> set[str]:
    return {f["message"].rsplit("(", 1)[1].rstrip(")") for f in document["findings"]
            if f["tool"] == "pylint"}


def test_merged_shards_equal_the_unsharded_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    monkeypatch.chdir(root)
    out = tmp_path / "out"
    _invoke(["report", ".", "--no-cache", "--format", "json", "--output", str(out / "whole.json"),
             "--out", str(out / "whole")])
    for i in (1, 2, 3):
        _invoke(["report", ".", "--shard", f"{i}/3", "--format", "json",
                 "--output", str(out / f"shard-{i}.json")], code=0)
    shards = [out / f"shard-{i}.json" for i in (1, 2, 3)]
    _invoke(["report", "--merge", *map(str, shards), "--format", "json",
             "--output", str(out / "merged.json"), "--out", str(out / "merged")])
    whole, merged = _json(out / "whole.json"), _json(out / "merged.json")

    # The cross-file messages are real here, absent from every shard, computed by the merge.
    assert {"cyclic-import", "duplicate-code"} <= _symbols(whole)
    for shard in shards:
        assert not {"cyclic-import", "duplicate-code"} & _symbols(_json(shard))
    sizes = [_json(s)["report"]["files"] for s in shards]
    assert sum(sizes) == whole["report"]["files"] == 9
    assert all(sizes)

    assert merged["report"]["metrics"]["pylint_score"] == whole["report"]["metrics"]["pylint_score"]
    assert merged["findings"] == whole["findings"]
    assert merged["report"]["gates"] == whole["report"]["gates"]
    assert merged["report"]["metrics"] == whole["report"]["metrics"]
    for tool_whole, tool_merged in zip(whole["report"]["tools"], merged["report"]["tools"]):
        if tool_whole["tool"] == "todos":  # the TODO Markdown is not rendered by a merge
            assert tool_merged["metrics"].pop("reports") == []
            tool_whole["metrics"].pop("reports")
        assert tool_merged == tool_whole
    for name in ("CODE_QUALITY_REPORT.md", "TEST_COVERAGE_REPORT.md",
                 "EXCEPTION_REFACTORING_REPORT.md"):
        assert (out / "merged" / name).read_text() == (out / "whole" / name).read_text()

    # New-code gates: the same on the merge as on the unsharded run (here the lines of the
    # one file left out of the commit).
    from tests.gitrepo import GitRepo

    repo = GitRepo(root)
    repo.git("add", "--all", "--", ".", ":!shop/billing.py")
    repo.git("commit", "-q", "-m", "all but billing")
    since = ["--since", "HEAD", "--format", "json", "--output"]
    _invoke(["report", ".", *since, str(out / "whole-since.json")])
    _invoke(["report", "--merge", *map(str, shards), *since, str(out / "merged-since.json")])
    whole_since = _json(out / "whole-since.json")["report"]
    merged_since = _json(out / "merged-since.json")["report"]
    assert whole_since["changed_files"] == ["shop/billing.py"]
    assert merged_since["gate_metrics"] == whole_since["gate_metrics"]
    assert merged_since["gates"] == whole_since["gates"]

    # --check on the merge fails on the same gates as the unsharded run.
    failed = [g["key"] for g in whole["report"]["gates"] if g["status"] == "fail"]
    assert failed
    output = CliRunner().invoke(main, ["report", "--merge", *map(str, shards), "--check"])
    assert output.exit_code == 1
    plural = "s" if len(failed) != 1 else ""
    assert f"{len(failed)} gate{plural} failed: {', '.join(failed)}" in output.output


def test_merge_refuses_shards_that_do_not_add_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_project(tmp_path)
    monkeypatch.chdir(root)
    for i in (1, 2):
        _invoke(["report", ".", "--shard", f"{i}/2", "--format", "json",
                 "--output", f"shard-{i}.json"], code=0)
    runner = CliRunner()
    missing = runner.invoke(main, ["report", "--merge", "shard-1.json"])
    assert missing.exit_code == 2
    assert "error: missing shard(s): 2/2" in missing.output
    trusted = runner.invoke(main, ["report", "--merge", "shard-1.json", "shard-2.json",
                                   "--untrusted"])
    assert trusted.exit_code == 2
    assert "error: --untrusted: the shards ran without --untrusted" in trusted.output
    twice = runner.invoke(main, ["report", "--merge", "shard-1.json", "shard-1.json"])
    assert twice.exit_code == 2
    assert "error: shard 1/2 twice: shard-1.json and shard-1.json" in twice.output
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text() + "\n[tool.qualitytool.gates]\ncoverage-min = 90\n")
    other = runner.invoke(main, ["report", "--merge", "shard-1.json", "shard-2.json"])
    assert other.exit_code == 2
    assert ("error: shard-1.json: shard 1/2 ran with another configuration than this one "
            "(config hash differs)") in other.output
    whole = runner.invoke(main, ["report", ".", "--format", "json", "--output", "whole.json"])
    assert whole.exit_code == 0
    unsharded = runner.invoke(main, ["report", "--merge", "whole.json"])
    assert unsharded.exit_code == 2
    assert "whole.json: not the JSON of `report --shard I/N --format json`" in unsharded.output


def test_report_shard_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_project(tmp_path)
    monkeypatch.chdir(root)
    runner = CliRunner()
    check = runner.invoke(main, ["report", ".", "--shard", "1/2", "--check"])
    assert check.exit_code == 2
    assert "a shard's gates mean nothing: --check goes with --merge" in check.output
    bad = runner.invoke(main, ["report", ".", "--shard", "3/2"])
    assert bad.exit_code == 2
    assert "shard 3/2: need 1 <= I <= N" in bad.output
    nothing = runner.invoke(main, ["report", "--merge"])
    assert nothing.exit_code == 2
    assert "--merge needs the JSON files of the shards" in nothing.output


def test_init_ci_shards_writes_a_matrix_and_a_merge_job(tmp_path: Path) -> None:
    import yaml

    result = CliRunner().invoke(main, ["init", str(tmp_path), "--ci", "--shards", "4"])
    assert result.exit_code == 0, result.output
    workflow = (tmp_path / ".github" / "workflows" / "qualitytool-report.yml").read_text()
    jobs = yaml.safe_load(workflow)["jobs"]
    assert list(jobs) == ["tests", "report", "merge"]
    assert jobs["report"]["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    assert jobs["report"]["needs"] == "tests" and jobs["merge"]["needs"] == "report"
    runs = [step.get("run", "") for step in jobs["report"]["steps"]]
    # The base branch and the shard reach the shell through env:, never as ${{ }} in run:.
    trusted = '--untrusted --trusted-ref "origin/${BASE_REF}"'
    assert (f'qualitytool report . {trusted} --shard "${{SHARD}}/4" --format json '
            '--output "shard-${SHARD}.json"') in runs
    shard_step = next(s for s in jobs["report"]["steps"] if "--shard" in s.get("run", ""))
    assert shard_step["env"] == {"BASE_REF": "${{ github.base_ref }}",
                                 "SHARD": "${{ matrix.shard }}"}
    upload = jobs["report"]["steps"][-1]
    assert upload["with"] == {"name": "qualitytool-shard-${{ matrix.shard }}",
                              "path": "shard-${{ matrix.shard }}.json"}
    merge = jobs["merge"]["steps"]
    download = next(s for s in merge if s.get("uses") == "actions/download-artifact@v8")
    assert download["with"] == {"pattern": "qualitytool-shard-*", "merge-multiple": True,
                                "path": "shards"}
    runs = [step.get("run", "") for step in merge]
    assert (f"qualitytool report --merge shards/*.json {trusted} --out quality-reports "
            "--format sarif --output qualitytool-report.sarif") in runs
    assert (f'qualitytool report --merge shards/*.json {trusted} --check --since '
            '"origin/${BASE_REF}" --format github') in runs
    # The report jobs never hold write permissions; only the merge uploads to code scanning.
    assert jobs["report"]["permissions"] == {"contents": "read"}
    assert jobs["merge"]["permissions"] == {"contents": "read", "security-events": "write"}
    # Without --shards (or with 1) the single-job workflow is unchanged.
    single = tmp_path / "single"
    assert CliRunner().invoke(main, ["init", str(single), "--ci", "--shards", "1"]).exit_code == 0
    assert list(yaml.safe_load(
        (single / ".github" / "workflows" / "qualitytool-report.yml").read_text())["jobs"]
    ) == ["tests", "report"]


def test_discovery_order_matches_discovery(tmp_path: Path) -> None:
    from qualitytool.discovery import discover_files
    from qualitytool.report.merge import discovery_order

    names = ["z.py", "a/b.py", "a/z.py", "a/b/c.py", "a/ba/d.py", "b.py", "a/b/a/e.py", "ab.py"]
    _tree(tmp_path, {name: 1 for name in names})
    config = resolve_config([tmp_path])
    discovered = [p.relative_to(tmp_path).as_posix() for p in discover_files([tmp_path], config)]
    assert discovered == sorted(names, key=discovery_order)
    assert discovered[-1] == "a/ba/d.py"
