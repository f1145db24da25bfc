"""Annotation coverage, computed by us: the share of parameters and returns annotated.

A metric, not findings (one finding per unannotated function would drown everything else).

``self``/``cls`` (the first parameter of a method, and of a ``@classmethod``) and the return
of ``__init__`` are not counted: type checkers infer them.  ``*args`` and ``**kwargs`` count.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from qualitytool.json_schemas import Int, ListOf, OneOf, Record, Row
from qualitytool.module_parts import each_part
from qualitytool.report.model import RunContext, ToolResult, ToolStatus
from qualitytool.report.pool import analysed, map_cached
from qualitytool.sources import SourceError, read_python

_VERSION = "1"  # bump when what is counted changes
# A file's result: [qualified name, line, annotated, total] per function, or why not.
FILE_RESULT = OneOf(Record({"functions": ListOf(Row((str, Int(0), Int(0), Int(0))))}),
                    Record({"error": str}))


def _function_counts(node: ast.FunctionDef | ast.AsyncFunctionDef, in_class: bool) -> list[int]:
    args = node.args
    params = [*args.posonlyargs, *args.args]
    is_static = any(
        isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list
    )
    if in_class and not is_static and params:
        params = params[1:]
    params += [*args.kwonlyargs]
    params += [a for a in (args.vararg, args.kwarg) if a is not None]
    total = len(params)
    annotated = sum(1 for p in params if p.annotation is not None)
    if node.name != "__init__":
        total += 1
        annotated += node.returns is not None
    return [node.lineno, annotated, total]


def analyse_file(path: Path) -> dict[str, Any]:
    try:
        text = read_python(path).text
        by_part = each_part(text, _functions)  # a large module: one part's tree at a time
        parts = by_part if by_part is not None else [_functions(ast.parse(text))]
    except (SourceError, SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}".splitlines()[0]}
    functions = [function for part in parts for function in part]
    functions.sort(key=lambda f: (f[1], f[0]))
    return {"functions": functions}


def _functions(tree: ast.Module) -> list[list[Any]]:
    """``[qualified name, line, annotated, total]`` of every function in ``tree``."""
    functions: list[list[Any]] = []

    def visit(node: ast.AST, in_class: bool, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                functions.append([name, *_function_counts(child, in_class)])
                visit(child, False, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, True, f"{prefix}{child.name}.")
            else:
                visit(child, in_class, prefix)

    visit(tree, False, "")
    return functions


def percent(annotated: int, total: int) -> float:
    return round(100.0 * annotated / total, 1) if total else 100.0


class AnnotationsRunner:
    name = "annotations"

    def applies(self, ctx: RunContext) -> str | None:
        return None

    def run(self, ctx: RunContext) -> ToolResult:
        from qualitytool import __version__

        version = f"qualitytool {__version__}"
        bucket = ctx.bucket(self.name, _VERSION, shape=FILE_RESULT)
        results, hits = map_cached(ctx, self.name, analyse_file, bucket)
        files: list[dict[str, Any]] = []
        done, errors = analysed(ctx, results)
        for relative, result in done:
            annotated = sum(f[2] for f in result["functions"])
            total = sum(f[3] for f in result["functions"])
            if total:
                files.append({"path": relative, "annotated": annotated, "total": total,
                              "percent": percent(annotated, total),
                              # [line, annotated, total] per function, for --since
                              "functions": [f[1:] for f in result["functions"]]})
        annotated = sum(f["annotated"] for f in files)
        total = sum(f["total"] for f in files)
        metrics = {
            "annotated": annotated,
            "total": total,
            "percent": percent(annotated, total),
            "files": sorted(files, key=lambda f: (f["percent"], f["path"])),
            "errors": errors,
        }
        return ToolResult(
            tool=self.name, status=ToolStatus.OK, version=version,
            metrics=metrics,
            files=len(results), cached_files=hits,
        )


RUNNER = AnnotationsRunner()
