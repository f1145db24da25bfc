"""``python -m qualitytool.report.launch MODULE [ARGS...]``: ``python -m MODULE [ARGS...]``
with the garbage collector tuned for tools that build large, long-lived syntax trees.

pylint (through astroid) and bandit allocate millions of small objects that live until the run
ends.  With CPython's default thresholds (700, 10, 10) the cyclic collector walks them again
and again: on Django's package that is about a quarter of pylint's CPU time and a sixth of
bandit's.  Collecting less often changes no result (the tools do not depend on when cycles
are freed; ``tests/test_report_runners.py`` compares their output with the plain command's)
and costs little memory, since these objects are not garbage anyway.  pylint's ``-j`` workers
are forked on Linux and inherit the setting.

It starts through :func:`launch_command` (``python -c BOOTSTRAP``), not ``python -m``: the
tools run with the analysed project as working directory, and ``python -m`` puts that
directory first on ``sys.path``, so a ``pylint.py``, ``bandit.py`` or ``qualitytool/`` at the
project's root would be imported (and run) instead of the tool.  ``--untrusted`` before the
module also keeps pylint from running the project's ``init-hook`` and plugins
(:mod:`qualitytool.report.untrusted`).

pylint's messages on a file depend on which other modules of the project astroid has built in
the same process: building a module applies its assignments to other modules' attributes
(``loop.add_callback = ...`` in one test module makes ``self.io_loop.add_callback`` "not
callable" in every module linted after it).  With ``-j 2`` a file is linted in whichever
worker is free, so that set varied from run to run, and a shard (``--shard I/N``) saw only
its own files.  When :data:`WORLD_ENV` names a file listing the project's modules, pylint
first builds all of them, in that order, before it lints anything (its ``-j`` workers are
forked after that and inherit them): every file is linted in the same world, whatever the
shard, the jobs, or the files linted beside it.

When :data:`CROSS_ENV` names a file (JSON: ``{"argv": [...], "output": PATH}``), the messages
computed across files (``duplicate-code``, ``cyclic-import``) are linted too, over ``argv`` (every
file of the project, one job), by a child forked once the world is built: building it is nearly
all of that pass's cost (on tornado, 17.5 s of its 18 s), so a separate process building it
again doubled it.  The child writes pylint's output to ``output``; the parent waits for it
before it exits (and the report's timeout ends both: they are one process group).

When :data:`PROGRESS_ENV` names a file, pylint appends one byte to it each time it has linted
a file (in its ``-j`` workers as in one process), so that the report's progress moves file by
file while a batch runs (:mod:`qualitytool.report.runners.pylint` reads the file's size).
"""

from __future__ import annotations

import gc
import os
import runpy
import sys
from collections.abc import Sequence
from typing import Any

from qualitytool.gc_tuning import GC_THRESHOLDS

UNTRUSTED_FLAG = "--untrusted"
# A file naming the project's modules (NUL-separated paths, relative to the working folder)
# for pylint to build before linting (see the module's docstring).
WORLD_ENV = "QUALITYTOOL_PYLINT_WORLD"
# A file pylint appends one byte to per file linted (see the module's docstring).
PROGRESS_ENV = "QUALITYTOOL_PYLINT_PROGRESS"
# A JSON file asking for the cross-file pass in a child sharing the built world (see above).
CROSS_ENV = "QUALITYTOOL_PYLINT_CROSS"
# site-packages folders of the analysed project's environment (os.pathsep-separated) that
# pylint may resolve imports in: appended to sys.path, after pylint's own packages.
SITE_ENV = "QUALITYTOOL_PYLINT_SITE"
# Runs before anything is imported from sys.path: drop the working directory from it.
BOOTSTRAP = (
    "import os, sys; here = os.path.realpath(os.getcwd()); "
    "sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) != here]; "
    "from qualitytool.report.launch import main; main()"
)


def launch_command(module: str, *, untrusted: bool = False) -> list[str]:
    """The command running ``python -m module`` this way, safe in any working directory."""
    return [sys.executable, "-c", BOOTSTRAP, *([UNTRUSTED_FLAG] if untrusted else []), module]


def _without_working_directory(path: list[str]) -> list[str]:
    here = os.path.realpath(os.getcwd())
    return [p for p in path if p and os.path.realpath(p) != here]


def main() -> None:
    args = sys.argv[1:]
    untrusted = bool(args) and args[0] == UNTRUSTED_FLAG
    if untrusted:
        args = args[1:]
    if not args:
        sys.stderr.write(
            "usage: python -m qualitytool.report.launch [--untrusted] MODULE [ARGS...]\n")
        raise SystemExit(2)
    module = args[0]
    sys.argv = [module, *args[1:]]
    sys.path[:] = _without_working_directory(sys.path)
    if untrusted and module == "pylint":
        from qualitytool.report.untrusted import neutralise_pylint_config

        neutralise_pylint_config()
    if module == "pylint" and not untrusted and os.environ.get(SITE_ENV):
        # Last: pylint, astroid and everything they import stay this environment's; only the
        # modules found nowhere else (the project's dependencies) come from there, read as
        # source by astroid as any installed module is.  No .pth file there is processed.
        sys.path.extend(p for p in os.environ[SITE_ENV].split(os.pathsep)
                        if p and p not in sys.path)
    if module == "pylint" and os.environ.get(WORLD_ENV):
        build_world_first(os.environ[WORLD_ENV], os.environ.pop(CROSS_ENV, None))
    if module == "pylint" and os.environ.get(PROGRESS_ENV):
        count_linted_files(os.environ[PROGRESS_ENV])
    gc.set_threshold(*GC_THRESHOLDS)
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def build_world_first(listing: str, cross: str | None = None) -> None:
    """Make pylint build every module named in the file ``listing`` before it lints, and
    then, when ``cross`` names a request (:data:`CROSS_ENV`), fork the cross-file pass."""
    from pylint.lint import PyLinter

    with open(listing, encoding="utf-8") as handle:
        world = [name for name in handle.read().split("\0") if name]
    original = PyLinter.check

    def check(self: PyLinter, files_or_modules: Sequence[str]) -> None:
        if _STATE["cross_child"]:  # the child's own run: the world is built already
            original(self, files_or_modules)
            return
        _build(self, world)
        # The world lives until the end: the collector of this process and of the forked
        # ones (the -j workers, the cross-file pass) need not walk it again and again, nor
        # touch (and so copy) its pages: on tornado 7% of pylint's CPU time, the same output.
        gc.freeze()
        child = _fork_cross_pass(cross) if cross else None
        try:
            original(self, files_or_modules)
        finally:
            if child is not None:
                os.waitpid(child, 0)

    PyLinter.check = check  # type: ignore[method-assign]


# What the child of the cross-file pass changes in the patched methods.
_STATE = {"cross_child": False}


def _fork_cross_pass(request: str) -> int | None:
    """Fork a child linting the cross-file messages in this process's world; its pid (None
    when the request cannot be read: the report then runs that pass on its own)."""
    import json

    try:
        with open(request, encoding="utf-8") as handle:
            spec = json.load(handle)
        argv, output = [str(a) for a in spec["argv"]], str(spec["output"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    status = 1
    try:
        from pylint.lint import Run

        _STATE["cross_child"] = True
        with open(output, "w", encoding="utf-8") as out:
            sys.stdout = out
            Run(argv, exit=False)
            out.flush()
        status = 0
    except BaseException:  # noqa: BLE001 - the report finds no output and runs the pass itself
        status = 1
    finally:
        os._exit(status)  # never the parent's cleanup (atexit, its buffered output)


def count_linted_files(progress: str) -> None:
    """Append a byte to the file ``progress`` after each file pylint lints: one process runs
    ``PyLinter._lint_file`` per file, the ``-j`` workers (forked, so they inherit this)
    ``check_single_file_item``.  Appends of one byte never interleave; a write that fails
    loses one count, never the run."""
    from pylint.lint import PyLinter

    def counted(method: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            finally:
                if not _STATE["cross_child"]:  # the files of the per-file pass only
                    _count(progress)
        return wrapper

    PyLinter._lint_file = counted(PyLinter._lint_file)  # type: ignore[method-assign]
    PyLinter.check_single_file_item = counted(  # type: ignore[method-assign]
        PyLinter.check_single_file_item)


def _count(progress: str) -> None:
    try:
        handle = os.open(progress, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(handle, b".")
        finally:
            os.close(handle)
    except OSError:
        pass


def _build(linter: object, world: list[str]) -> None:
    import astroid
    from pylint.lint.expand_modules import discover_package_path
    from pylint.lint.utils import augmented_sys_path

    linter.initialize()  # type: ignore[attr-defined]  # what check() does first, then open():
    linter.open()  # type: ignore[attr-defined]  # astroid's settings from the configuration
    roots = linter.config.source_roots  # type: ignore[attr-defined]
    paths = list(dict.fromkeys(discover_package_path(name, roots) for name in world))
    with augmented_sys_path(paths):
        for item in linter._iterate_file_descrs(world, extra_packages_paths=paths):  # type: ignore[attr-defined]
            try:
                astroid.MANAGER.ast_from_file(item.filepath, item.name, source=True)
            except Exception:  # noqa: BLE001, S110 - pylint reports the file when it lints it
                pass


if __name__ == "__main__":
    main()
