"""pylint: messages and the score, in a fresh process with ``--output-format=json2``.

pylint runs in a subprocess (reusing it in-process returns stale results after a file
changes) and only on the files whose import closure changed since the cached run: the file or
any project module it imports, directly or not (:mod:`qualitytool.report.imports`), since
pylint's inference follows imports.  The score is computed from the per-file message counts
and statement counts with pylint's default evaluation, so cached and fresh files add up to the
score pylint itself prints.

The messages computed across files (``CROSS_FILE_MESSAGES``) belong to no file alone: pylint
attaches them to the last module it lints.  So the per-file runs disable them, and one pass
with only them enabled (one job: deterministic pairs of duplicated blocks) runs over every
file when any file's import closure changed, cached otherwise.  That pass runs in a child of
the first per-file process, which has built every module already (:class:`CrossFilePass`).
A warm report equals a cold one, except where pylint's inference depends on what else the
same process linted (``not-callable`` on some of tornado's tests).  In a sharded run
(``--shard I/N``) the merge (``qualitytool report --merge``) makes that pass.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from qualitytool.findings import Finding, Severity
from qualitytool.json_schemas import Const, Int, ListOf, OneOf, Record, Row
from qualitytool.module_parts import each_part
from qualitytool.report.incremental import cached_per_file, import_closure_digests
from qualitytool.report.launch import CROSS_ENV, PROGRESS_ENV, SITE_ENV, WORLD_ENV
from qualitytool.report.model import RunContext, ToolResult, ToolStatus
from qualitytool.report.runners._external import CachedPythonTool
from qualitytool.report.tools import ToolError, python_module_tool, run_tool
from qualitytool.sources import SourceError, read_python, read_text

CONFIG_FILES = ("pyproject.toml", ".pylintrc", "pylintrc", "setup.cfg", "tox.ini")
_SEVERITY = {
    "fatal": Severity.ERROR, "error": Severity.ERROR, "warning": Severity.WARNING,
    "refactor": Severity.NOTE, "convention": Severity.NOTE, "info": Severity.NOTE,
}
# Exit status bits 1-16 say which message types were emitted; 32 is a usage error.
_OK_CODES = tuple(range(32))
# Below this many files one pylint process is faster than spawning workers.
_PARALLEL_FROM = 16
# Files per pylint process on a cold run: each batch is cached once done, so a run stopped on
# a large project (a timeout, Ctrl-C) keeps the batches it finished, and a timeout costs one
# batch.  Each process builds every module of the project first (see launch.py), so a batch
# costs that build again: Django's package (883 files) in batches of 400 built its modules
# three times, 22 s of one core each, a fifth of pylint's time.  pretalx's 685 files lint in
# about 150 s on 2 cores, well inside the default tool-timeout of 600 s.
BATCH = 1000
# Messages that depend on other files than the one they are on: not computed per file.
CROSS_FILE_MESSAGES = ("duplicate-code", "cyclic-import")
# The key of the cross-file messages in their cache bucket: they belong to the whole project
# (to the paths reported on, after a colon, when a run is over part of it).
_PROJECT = "*project*"
# Which import cycles pylint reports depends on the iteration order of its sets of module
# names, so on the hash seed: measured on Django's django/db, two runs of the same command
# with seeds 1 and 2 reported 70 and 76 cycles, 2 of them in common.  A fixed seed makes the
# report, and the merge of a sharded run, repeatable.
PYLINT_ENV = {"PYTHONHASHSEED": "0"}
# Message types, as pylint's JSON names them (the score weighs them).
MESSAGE_TYPES = ("fatal", "error", "warning", "refactor", "convention", "info")
# One message, as ``_message_record`` keeps it (in the cache and in shards' findings).
MESSAGE_RECORD = Row((str, str, Const(*MESSAGE_TYPES), Int(0), Int(0), OneOf(Int(0), None),
                      OneOf(Int(0), None), str, str))
# One file's cached result (files pylint could not analyse are never cached).
FILE_RESULT = Record({"messages": ListOf(MESSAGE_RECORD), "statements": Int(0, 10**9)})
CROSS_FILE_RESULT = ListOf(Row((str, MESSAGE_RECORD)))


def count_statements(path: Path) -> int:
    """The statements pylint counts for its score (astroid's ``is_statement`` nodes).

    Python's statements and except clauses, less docstrings (astroid keeps those apart).
    """
    try:
        text = read_python(path).text
        by_part = each_part(text, _statements)  # a large module: one part's tree at a time
        return sum(by_part) if by_part is not None else _statements(ast.parse(text))
    except (SourceError, SyntaxError, ValueError, RecursionError, MemoryError):
        return 0


def _statements(tree: ast.Module) -> int:
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.stmt, ast.ExceptHandler)):
            count += 1
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                count -= 1
    return count


def score(counts: Counter[str], statements: int) -> float | None:
    """pylint's default evaluation; ``None`` when there is nothing to rate."""
    if statements == 0:
        return None
    if counts["fatal"]:
        return 0.0
    weighted = 5 * counts["error"] + counts["warning"] + counts["refactor"] + counts["convention"]
    return max(0.0, 10.0 - weighted / statements * 10)


def _message_record(message: dict[str, Any]) -> list[Any]:
    return [
        message["messageId"], message["symbol"], message["type"], message["line"],
        message["column"] + 1, message.get("endLine"), message.get("endColumn"),
        message["obj"], message["message"],
    ]


def message_finding(relative: str, record: list[Any]) -> Finding:
    """The finding of one ``_message_record`` on the file ``relative``."""
    msg_id, symbol, kind, line, col, end_line, end_col, obj, text = record
    return Finding(
        rule_id=msg_id, tool="pylint", path=relative, line=max(1, line),
        col=col, end_line=end_line,
        end_col=end_col + 1 if end_col is not None else None,
        message=f"{text} ({symbol})", severity=_SEVERITY.get(kind, Severity.NOTE),
        docs_url="https://pylint.readthedocs.io/en/stable/user_guide/messages/"
        f"{kind}/{symbol}.html",
        context=f"{obj}\x1f{text}", category=kind,
    )


def _jobs(ctx: RunContext, files: int) -> str:
    from qualitytool.parallel import effective_jobs

    # Our own job count: pylint's `-j 0` reads the cgroup CPU quota and may use one core.
    return str(effective_jobs(ctx.config.jobs)) if files >= _PARALLEL_FROM else "1"


def cross_file_findings(
    ctx: RunContext, paths: list[str], version: str, *, jobs: str | None = None
) -> list[Finding]:
    """The ``CROSS_FILE_MESSAGES`` the project's pylint configuration enables, over ``paths``
    (relative to the root) together: what the merge of a sharded run adds."""
    return [message_finding(path, record)
            for path, record in cross_file_records(ctx, paths, version, jobs=jobs)]


def cross_file_records(
    ctx: RunContext, paths: list[str], version: str, *, jobs: str | None = None
) -> list[tuple[str, list[Any]]]:
    """``cross_file_findings`` as (path, ``_message_record``) pairs; ``jobs``: pylint's ``-j``
    (by default one per core from 16 files)."""
    command, installed = python_module_tool(ctx, "pylint", "pylint")
    if version and installed != version:
        raise ToolError(ToolStatus.MISSING,
                        f"pylint {installed} here, the shards ran {version}")
    arguments = _cross_file_arguments(ctx, command, paths, jobs or _jobs(ctx, len(paths)))
    if arguments is None:
        return []
    completed = run_tool("pylint", [*command, *arguments], ctx.root, ctx.timeout,
                         ok_codes=_OK_CODES, env=PYLINT_ENV)
    return _cross_file_output(ctx, paths, completed.stdout)


def _cross_file_arguments(
    ctx: RunContext, command: list[str], paths: list[str], jobs: str
) -> list[str] | None:
    """pylint's arguments (after ``command``) for the ``CROSS_FILE_MESSAGES`` the project's
    configuration enables, over ``paths``; None when it enables none."""
    listed = run_tool("pylint", [*command, *rcfile_options(ctx), "--list-msgs-enabled"],
                      ctx.root, ctx.timeout, ok_codes=_OK_CODES)
    enabled_part = listed.stdout.split("Disabled messages:")[0]
    enabled = [m for m in CROSS_FILE_MESSAGES if f"{m} (" in enabled_part]
    if not enabled or not paths:
        return None
    return [*rcfile_options(ctx), "--output-format=json2", "--persistent=n", "-j", jobs,
            "--disable=all", "--enable=" + ",".join(enabled), *paths]


def _cross_file_output(
    ctx: RunContext, paths: list[str], output: str
) -> list[tuple[str, list[Any]]]:
    """The (path, record) pairs of a cross-file pass's json2 ``output``."""
    try:
        messages = json.loads(output)["messages"]
        records = [(str(m["path"]), _message_record(m)) for m in messages
                   if m["symbol"] in CROSS_FILE_MESSAGES]
    except (ValueError, KeyError, TypeError) as exc:
        raise ToolError(ToolStatus.CRASHED, f"unreadable json2 output: {exc}") from exc
    modules = _module_files(ctx, paths)
    return [(path, _quoting_the_first_copy(record, modules)) for path, record in records]


def _module_files(ctx: RunContext, paths: list[str]) -> dict[str, Path]:
    """The module name pylint gives each of ``paths`` (relative to the root), to its file."""
    from qualitytool.report.imports import package_anchor

    found: dict[str, Path] = {}
    for relative in paths:
        path = ctx.root / relative
        parts = list(path.relative_to(package_anchor(path)).with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts.pop()
        found.setdefault(".".join(parts), path)
    return found


_COPY = re.compile(r"^==(?P<module>[^:]+):\[(?P<start>\d+):(?P<end>\d+)\]$")


def _quoting_the_first_copy(record: list[Any], modules: dict[str, Path]) -> list[Any]:
    """A ``duplicate-code`` message quoting the first copy it names.

    pylint quotes one copy of the duplicated lines, and which one varies from run to run
    (the same pass over tornado twice quoted other copies), so a report, or the merge of a
    sharded run, would never equal another run's; the first copy named is always the same.
    """
    lines = str(record[8]).split("\n")
    copies = [match for line in lines[1:] if (match := _COPY.match(line))]
    if record[1] != "duplicate-code" or not copies:
        return record
    source = modules.get(copies[0]["module"])
    try:
        text = read_text(source, "replace").splitlines() if source is not None else None
    except OSError:
        text = None
    if text is None:
        return record
    quoted = [line.rstrip() for line in text[int(copies[0]["start"]):int(copies[0]["end"])]]
    message = "\n".join([lines[0], *(m.group(0) for m in copies), *quoted])
    return [*record[:8], message]


class PylintRunner(CachedPythonTool):
    name = "pylint"
    module = "pylint"
    config_files = CONFIG_FILES
    result_shape = FILE_RESULT

    def cache_variant(self, ctx: RunContext) -> str:
        # Installing or upgrading a dependency in the project's environment changes what
        # pylint infers (import-error, no-member): a bucket of its own.
        site = project_site(ctx)
        return ("sharded" if ctx.shard is not None else "") + (
            f"\0{site.fingerprint}" if site.folders else "")

    def digest_of(self, ctx: RunContext) -> Callable[[Path], str] | None:
        return import_closure_digests(ctx)

    def run(self, ctx: RunContext) -> ToolResult:
        """Two passes, cached or not, sharded or not, so that every way of running gives the
        same messages: the per-file pass (without the cross-file messages, every module of
        the project built first: see :mod:`qualitytool.report.launch`), and the cross-file
        pass over every file (in a child of the first per-file process; in a sharded run, the
        merge's)."""
        ctx = replace(ctx, files=lintable(ctx.files))
        told = _LastProgress(ctx.on_progress)  # where a batch starts: see analyse
        ctx = replace(ctx, on_progress=told)
        command, version = python_module_tool(ctx, self.name, self.module)
        # A shard's results are not cached: what its files report on other shards' files
        # belongs to no file of its own (see _by_file).
        bucket = ctx.bucket(self.name, version, self.config_key(ctx),
                            shape=self.result_shape) if ctx.shard is None else None
        with _world_file(ctx) as world:
            if ctx.shard is not None:  # the cross-file pass is the merge's job
                per_file, hits = cached_per_file(
                    ctx, self.name, bucket,
                    lambda files: self.analyse(ctx, command, files, world),
                    digest_of=self.digest_of(ctx), batch=BATCH,
                )
                result = self.result(ctx, per_file, version, hits)
                return replace(result, detail=import_error_note(result.metrics,
                                                                project_site(ctx)))
            # The cross-file pass runs in the first pylint process of the per-file pass,
            # sharing its world (see CrossFilePass), or on its own when no file needs linting.
            with tempfile.TemporaryDirectory(prefix="qualitytool-pylint-") as folder:
                cross = CrossFilePass(ctx, version, self.config_key(ctx), command,
                                      launched=world is not None, folder=Path(folder))
                per_file, hits = cached_per_file(
                    ctx, self.name, bucket,
                    lambda files: self.analyse(ctx, command, files, world, cross),
                    digest_of=self.digest_of(ctx), batch=BATCH,
                )
                try:
                    per_file = _with_records(ctx, per_file, cross.records())
                    detail = ""
                except ToolError as exc:
                    detail = f"duplicate-code and cyclic-import not available ({exc.detail})"
        result = self.result(ctx, per_file, version, hits)
        note = import_error_note(result.metrics, project_site(ctx))
        return replace(result, detail="; ".join(n for n in (detail, note) if n))

    def analyse(
        self, ctx: RunContext, command: list[str], files: list[Path], world: str | None = None,
        cross: CrossFilePass | None = None,
    ) -> dict[Path, dict[str, Any]]:
        # Statements are counted while pylint runs, not after it (it is the slowest tool).
        # Progress moves per file linted, from the batch's start (what the caller last told).
        start = ctx.on_progress.done if isinstance(ctx.on_progress, _LastProgress) else 0
        with ThreadPoolExecutor(max_workers=1) as counter, _linted_files(
                ctx, self.name, start, len(files), world is not None) as progress:
            statements = counter.submit(lambda: {p: count_statements(p) for p in files})
            # Bisecting a crash that is not one file's costs runs: at most a few per level.
            runs = [4 * len(files).bit_length() + 4]
            elsewhere: list[tuple[str, list[Any]]] = []
            try:
                messages_of = self._messages(ctx, command, files, runs, world, elsewhere,
                                             progress, cross)
            except ToolError as exc:
                if exc.status is not ToolStatus.TIMEOUT or len(files) == len(ctx.files):
                    raise  # the whole project in one run: the tool timed out
                # One batch of several: its files are reported as not analysed (and retried
                # by the next run); the other batches keep their results.
                messages_of = dict.fromkeys(files, f"pylint timed out on its batch of "
                                                   f"{len(files)} files: {exc.detail}")
            statements_of = statements.result()
        results: dict[Path, dict[str, Any]] = {}
        for path in files:
            outcome = messages_of[path]
            if isinstance(outcome, str):  # pylint could not analyse it: not cached, retried
                results[path] = {"messages": [], "statements": statements_of[path],
                                 "unanalysed": outcome, "cache": False}
                continue
            results[path] = {
                "messages": sorted(outcome, key=lambda m: (m[3], m[4], m[0])),
                "statements": statements_of[path],
            }
        if elsewhere:  # a shard's, never cached: see _by_file
            results[files[0]] = {**results[files[0]], "elsewhere": elsewhere, "cache": False}
        return results

    def _messages(
        self,
        ctx: RunContext,
        command: list[str],
        files: list[Path],
        runs: list[int],
        world: str | None,
        elsewhere: list[tuple[str, list[Any]]],
        progress: str | None = None,
        cross: CrossFilePass | None = None,
    ) -> dict[Path, list[list[Any]] | str]:
        """Each file's message records, or why pylint could not analyse it.

        When pylint dies on the run (in parallel mode one file's RecursionError in astroid
        ends the whole run), the files are linted again in halves, down to the files that
        make it die: those are reported as not analysed and the others keep their messages.
        A fatal message (astroid-error, parse-error) also means pylint did not analyse the
        file: not a finding about the code.  When the halves keep dying beyond ``runs[0]``
        runs, the crash is not one file's: the whole run is reported as crashed."""
        runs[0] -= 1
        argv = [*command, *rcfile_options(ctx), "--output-format=json2", "--persistent=n", "-j",
                _jobs(ctx, len(files)), "--disable=" + ",".join(CROSS_FILE_MESSAGES),
                *(ctx.relative(p) for p in files)]
        env = {**PYLINT_ENV, WORLD_ENV: world} if world is not None else PYLINT_ENV
        site = project_site(ctx)
        if site.folders:
            env = {**env, SITE_ENV: os.pathsep.join(site.folders)}
        if progress is not None:
            env = {**env, PROGRESS_ENV: progress}
        if cross is not None:
            env = {**env, **cross.request()}
        try:
            completed = run_tool(self.name, argv, ctx.root, ctx.timeout, ok_codes=_OK_CODES,
                                 env=env)
            messages = json.loads(completed.stdout)["messages"]
        except ToolError as exc:
            if exc.status is not ToolStatus.CRASHED:
                raise
            crash = exc.detail
        except (ValueError, KeyError, TypeError) as exc:
            crash = f"unreadable json2 output: {exc}"
        else:
            return _by_file(ctx, files, messages, elsewhere)
        if len(files) == 1:
            return {files[0]: f"pylint crashed on it ({crash})"}
        if runs[0] < 2:
            raise ToolError(ToolStatus.CRASHED, crash)
        middle = len(files) // 2
        return {**self._messages(ctx, command, files[:middle], runs, world, elsewhere, progress,
                                 cross),
                **self._messages(ctx, command, files[middle:], runs, world, elsewhere, progress,
                                 cross)}

    def result(
        self, ctx: RunContext, per_file: dict[Path, dict[str, Any]], version: str, hits: int
    ) -> ToolResult:
        findings: list[Finding] = []
        counts: Counter[str] = Counter()
        symbols: Counter[tuple[str, str, str]] = Counter()
        files: list[dict[str, Any]] = []
        statements = 0
        unanalysed: list[tuple[str, str]] = []
        for path, result in per_file.items():
            relative = ctx.relative(path)
            for elsewhere, record in result.get("elsewhere", ()):
                counts[record[2]] += 1
                symbols[(record[0], record[1], record[2])] += 1
                findings.append(message_finding(elsewhere, record))
            if "unanalysed" in result:
                unanalysed.append((relative, result["unanalysed"]))
                continue
            file_counts: Counter[str] = Counter()
            statements += result["statements"]
            for record in result["messages"]:
                msg_id, symbol, kind = record[:3]
                counts[kind] += 1
                file_counts[kind] += 1
                symbols[(msg_id, symbol, kind)] += 1
                findings.append(message_finding(relative, record))
            files.append(file_entry(relative, result["statements"], file_counts))
        metrics = summary_metrics(counts, symbols, files, statements)
        return ToolResult(
            tool=self.name, status=ToolStatus.OK, version=version,
            findings=tuple(sorted(findings, key=Finding.sort_key)), metrics=metrics,
            files=len(per_file), cached_files=hits, unanalysed=tuple(sorted(unanalysed)),
        )


class CrossFilePass:
    """The cross-file messages over every file: cached while no import closure changes, else
    linted by the first pylint process of the per-file pass, in a child forked once that
    process has built the project's world (:data:`~qualitytool.report.launch.CROSS_ENV`), or,
    when no file needs linting, pylint is a configured command or that child left no output,
    by a pylint process of its own.  One job either way: with several, which duplicated blocks
    pylint pairs depends on the order its workers answer (two runs on tornado found 18 and 17),
    so a warm report could not equal a cold one."""

    def __init__(self, ctx: RunContext, version: str, config_key: str, command: list[str], *,
                 launched: bool, folder: Path) -> None:
        self.ctx, self.version, self.command, self.launched = ctx, version, command, launched
        self.paths = [ctx.relative(p) for p in ctx.files]
        self.bucket = ctx.bucket("pylint-cross-file", version, config_key,
                                 shape=CROSS_FILE_RESULT)
        digest_of = import_closure_digests(ctx)
        self.key = self.digest = ""
        self.stored: list[tuple[str, list[Any]]] | None = None
        if self.bucket is not None and digest_of is not None:
            project = hashlib.sha256()
            for path in ctx.files:  # in discovery order: pylint's attribution depends on it
                project.update(f"{ctx.relative(path)}\0{digest_of(path)}\0".encode())
            self.digest = project.hexdigest()
            # One entry per part of the project reported on: a run over one folder keeps the
            # whole project's.
            scope = sorted(ctx.relative(p) for p in ctx.scope)
            self.key = _PROJECT if scope == ["."] else f"{_PROJECT}:{'|'.join(scope)}"
            self.stored = self.bucket.get(self.key, self.digest)
        self.folder = folder
        self.asked = False
        self.enabled = True

    def request(self) -> dict[str, str]:
        """The environment asking the first pylint process for the pass (once; nothing when
        it is cached, not needed or pylint is a configured command)."""
        if self.stored is not None or self.asked or not self.launched:
            return {}
        try:
            arguments = _cross_file_arguments(self.ctx, self.command, self.paths, "1")
        except ToolError:
            return {}  # records() runs the pass on its own, and says why it failed
        self.asked = True
        if arguments is None:
            self.enabled = False
            return {}
        request = self.folder / "request.json"
        request.write_text(json.dumps({"argv": arguments,
                                       "output": str(self.folder / "output.json")}),
                           encoding="utf-8")
        return {CROSS_ENV: str(request)}

    def records(self) -> list[tuple[str, list[Any]]]:
        """The (path, record) pairs, from the cache, the child's output or a run of their own."""
        if self.stored is None:
            self.stored = self._computed()
            if self.bucket is not None and self.key:
                self.bucket.put(self.key, self.digest, self.stored)
        if self.bucket is not None:
            self.bucket.save()
        return list(self.stored)

    def _computed(self) -> list[tuple[str, list[Any]]]:
        if not self.enabled:
            return []
        if self.asked:
            try:
                output = (self.folder / "output.json").read_text(encoding="utf-8")
                return _cross_file_output(self.ctx, self.paths, output)
            except (OSError, ToolError):
                pass  # the child died (or the batch timed out): the pass runs on its own
        return cross_file_records(self.ctx, self.paths, self.version, jobs="1")


RUNNER = PylintRunner()

@dataclass(frozen=True)
class ProjectSite:
    """The site-packages of the analysed project's environment pylint resolves imports in
    (``folders``; empty when none is used), and why or why not, for the import-error note."""

    folders: tuple[str, ...] = ()
    fingerprint: str = ""
    why: str = ""


# A share of import-error messages from which the report explains them.
IMPORT_ERROR_SHARE = 0.10
_SETTING = "[tool.qualitytool.exceptions] python"


def project_site(ctx: RunContext) -> ProjectSite:
    """The project's environment as fix-exceptions finds it (``[tool.qualitytool.exceptions]
    python``, mypy's or pyright's setting, the active virtualenv, ``.venv/``...), when pylint
    can use its site-packages: the same Python version as the one pylint runs on, not the
    environment running qualitytool already, pylint started by the report (not a configured
    command), and never under --untrusted (a checkout's ``.venv`` is the stranger's too).
    Found once per run; nothing of it is run or imported here."""
    if ctx.cache is not None:
        return ctx.cache.once("pylint-project-site", lambda: _project_site(ctx))
    return _project_site(ctx)


def _project_site(ctx: RunContext) -> ProjectSite:
    import sys

    from qualitytool.config import ConfigError
    from qualitytool.exceptions.inference.environment import find_environment

    if ctx.untrusted or ctx.command_override("pylint") is not None:
        return ProjectSite()
    try:
        environment = find_environment(ctx.config.root, ctx.config.exceptions.python,
                                       ctx.config.source)
    except ConfigError as exc:
        return ProjectSite(why=str(exc))
    if environment is None:
        return ProjectSite(why="no environment of the project was found")
    here = tuple(sys.version_info[:2])
    if Path(environment.prefix).resolve() == Path(sys.prefix).resolve():
        return ProjectSite(why=f"pylint runs in the project's environment ({sys.prefix})")
    if environment.version != here:
        found = ".".join(map(str, environment.version)) if environment.version else "unknown"
        return ProjectSite(why=f"the project's environment {environment.prefix} is Python "
                               f"{found}, pylint runs on {here[0]}.{here[1]}: not used")
    folders = tuple(str(p) for p in environment.site_packages)
    digest = hashlib.sha256()
    for folder in folders:  # what is installed there (dist-info names carry the versions)
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            names = []
        digest.update(("\0".join([folder, *names]) + "\0\0").encode("utf-8", "replace"))
    return ProjectSite(folders, digest.hexdigest()[:16],
                       f"pylint also looked in {environment.describe()}")


def import_error_note(metrics: dict[str, Any] | Any, site: ProjectSite) -> str:
    """A note when import-error is a large share of pylint's messages: how many, that the
    score counts them, what the score would be without them, and what to do."""
    errors = sum(m["count"] for m in metrics.get("top_messages", ())
                 if m["symbol"] == "import-error")
    by_type = Counter(metrics.get("by_type", {}))
    total = sum(by_type.values())
    if not errors or errors < IMPORT_ERROR_SHARE * total:
        return ""
    without = score(by_type - Counter({"error": errors}), metrics.get("statements", 0))
    advice = (f"{site.why}; " if site.why else "") + (
        "install the project's dependencies there" if site.folders else
        "run the report where the project's dependencies are installed, or point "
        f"`{_SETTING}` at the project's environment (same Python version)")
    return (f"{errors:,} of the {total:,} messages ({errors / total:.0%}) are import-error "
            "(E0401): pylint could not find the modules they name, and the score counts each "
            "as an error" + (f" ({without:.2f} without them)" if without is not None else "")
            + f"; {advice}")


# How often the progress of a running batch is read.
PROGRESS_SECONDS = 0.5


class _LastProgress:
    """The run's progress callback, remembering the files done it was last told (where the
    next batch starts)."""

    def __init__(self, tell: Callable[[str, int, int], None] | None) -> None:
        self.tell = tell
        self.done = 0

    def __call__(self, tool: str, done: int, total: int) -> None:
        self.done = done
        if self.tell is not None:
            self.tell(tool, done, total)


@contextmanager
def _linted_files(
    ctx: RunContext, tool: str, start: int, batch: int, launched: bool
) -> Iterator[str | None]:
    """A file pylint counts its linted files in (:data:`PROGRESS_ENV`), read every
    :data:`PROGRESS_SECONDS` while the batch runs: the progress moves file by file, from
    ``start``, to one short of the batch's end (the caller tells the end when the batch's
    results are in).  None when nobody listens or pylint is a configured command (not
    started through :mod:`qualitytool.report.launch`)."""
    tell = ctx.on_progress.tell if isinstance(ctx.on_progress, _LastProgress) else None
    if tell is None or not launched or batch < 2:
        yield None
        return
    import threading

    total = len(ctx.files)
    stop = threading.Event()
    with tempfile.NamedTemporaryFile(prefix="qualitytool-pylint-progress-") as handle:
        path = handle.name

        def watch() -> None:
            shown = 0
            while not stop.wait(PROGRESS_SECONDS):
                try:
                    linted = min(os.stat(path).st_size, batch - 1)
                except OSError:
                    continue
                if linted > shown:
                    shown = linted
                    tell(tool, start + linted, total)

        watcher = threading.Thread(target=watch, name="qt-pylint-progress", daemon=True)
        watcher.start()
        try:
            yield path
        finally:
            stop.set()
            watcher.join()


def rcfile_options(ctx: RunContext) -> list[str]:
    """Under --untrusted, the trusted configuration file (see
    :mod:`qualitytool.report.trusted`): pylint reads none of the checkout's."""
    if not ctx.untrusted or ctx.trusted is None:
        return []
    return [f"--rcfile={ctx.trusted.pylint_rcfile}"]


def lintable(files: Sequence[Path]) -> tuple[Path, ...]:
    """``files`` without the stubs pylint cannot lint: given ``m.pyi`` beside ``m.py``, pylint
    lints ``m.py`` (again) and reports it under that name."""
    return tuple(p for p in files if p.suffix != ".pyi" or not p.with_suffix(".py").is_file())


@contextmanager
def _world_file(ctx: RunContext) -> Iterator[str | None]:
    """A file naming every module of the project, for pylint to build before it lints (see
    :mod:`qualitytool.report.launch`); None when pylint is a configured command."""
    if ctx.command_override("pylint") is not None:
        yield None
        return
    names = [ctx.relative(p) for p in lintable(ctx.project_files or ctx.files)]
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", prefix="qualitytool-pylint-",
                                     suffix=".txt") as handle:
        handle.write("\0".join(names))
        handle.flush()
        yield handle.name


def _with_records(
    ctx: RunContext, per_file: dict[Path, dict[str, Any]], extra: list[tuple[str, list[Any]]]
) -> dict[Path, dict[str, Any]]:
    """``per_file`` plus the ``extra`` messages on their files (the cached results untouched)."""
    by_relative: dict[str, list[list[Any]]] = {}
    for relative, record in extra:
        by_relative.setdefault(relative, []).append(record)
    combined: dict[Path, dict[str, Any]] = {}
    for path, result in per_file.items():
        records = by_relative.get(ctx.relative(path))
        combined[path] = result if not records else {
            **result,
            "messages": sorted([*result["messages"], *records], key=lambda m: (m[3], m[4], m[0])),
        }
    return combined


def _by_file(
    ctx: RunContext,
    files: list[Path],
    messages: list[dict[str, Any]],
    elsewhere: list[tuple[str, list[Any]]],
) -> dict[Path, list[list[Any]] | str]:
    """Each file's message records, or why pylint could not analyse it.

    A check of one module can report on another's code (pylint's name checker visits a
    class's instance attributes, which assignments in other modules add, and reports them
    where they are assigned).  Linting all the files together, those land on files of the
    run; a shard lints a share only, so what its files report on the other shards' files
    goes to ``elsewhere`` (path, record): the merge puts them where an unsharded run has
    them."""
    records: dict[str, list[list[Any]]] = {}
    fatal: dict[str, str] = {}
    for message in messages:
        if message["type"] == "fatal":
            first = str(message["message"]).strip().splitlines()[0][:200]
            fatal.setdefault(message["path"], f"{message['symbol']}: {first}")
        else:
            records.setdefault(message["path"], []).append(_message_record(message))
    outcome: dict[Path, list[list[Any]] | str] = {}
    for path in files:
        relative = ctx.relative(path)
        outcome[path] = fatal.get(relative) or records.pop(relative, [])
    if ctx.shard is not None:
        project = {ctx.relative(p) for p in ctx.project_files}
        elsewhere += [(path, record) for path, found in sorted(records.items())
                      if path in project for record in found]
    return outcome


def file_entry(path: str, statements: int, counts: Counter[str]) -> dict[str, Any]:
    """One file's row of the pylint metrics: statements, messages and score."""
    file_score = score(counts, statements)
    return {"path": path, "statements": statements, "messages": sum(counts.values()),
            "score": round(file_score, 2) if file_score is not None else None}


def summary_metrics(
    counts: Counter[str],
    symbols: Counter[tuple[str, str, str]],
    files: list[dict[str, Any]],
    statements: int,
) -> dict[str, Any]:
    """The pylint metrics of a run (or of merged shards) from its message counts by type,
    by (id, symbol, type), the per-file rows and the statement count."""
    total_score = score(counts, statements)
    return {
        "score": round(total_score, 2) if total_score is not None else None,
        "statements": statements,
        "by_type": {k: counts[k] for k in ("fatal", "error", "warning", "refactor",
                                          "convention", "info")},
        "top_messages": [
            {"id": msg_id, "symbol": symbol, "type": kind, "count": n}
            for (msg_id, symbol, kind), n in sorted(
                symbols.items(), key=lambda item: (-item[1], item[0][0])
            )
        ],
        "files": sorted(files, key=lambda f: f["path"]),
    }
