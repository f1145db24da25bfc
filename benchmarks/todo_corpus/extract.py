"""Build the unlabelled TODO corpus: ``python benchmarks/todo_corpus/extract.py > raw.jsonl``.

Reads the PyPI sdists listed in ``PROJECTS`` (downloaded once into the corpus cache by
``benchmarks/common.py``), finds their TODO/FIXME/XXX/HACK comments with qualitytool's own
scanner, keeps those of at least three words, and samples ``PER_PROJECT`` of each project in
an order fixed by a hash of the comment's location (not by its words, so the sample does not
depend on what the rules match).  The split is assigned here, before any labelling or tuning:
a third of the items (by a hash of project, path and line) is held back.

``python benchmarks/todo_corpus/extract.py NAME...`` prints the sample of the named projects
only (how the third and fourth rounds of projects were added without re-reading the others).

Each record carries the comment's code context as the scanner computes it
(``qualitytool.todos.context.code_context``): ``context`` (the enclosing function or class),
``below`` (the statement below), ``code`` (up to 3 code lines above and 5 below, the calls of
the enclosing function, the file's imports), and ``tags`` (the author's tags the scanner
reads, ``TODO(perf)``).  ``python benchmarks/todo_corpus/extract.py --refresh todos.jsonl``
recomputes those fields of every labelled record in place from its sdist (the labels and
every other field are kept; a comment whose text no longer matches is reported, not changed).

Labels (category, resolution) were added by hand, by reading each comment and its code, into
``todos.jsonl`` (the fields above plus ``category`` and ``resolution``); this script only
shows how the comments were chosen, and re-running it reproduces every other field.

How the labels were given (one reader; the boundaries between feature, refactor and bug are
judgement calls, which bounds the accuracy any categorizer can reach on this corpus).  The
full labelling guide, which decides in which order the categories are tried, is in
``README.md`` next to this file; in short:

* security: a weakness or a missing control (validation, authorization, signatures, secrets,
  TLS checks, unsafe deserialization), also when phrased as a question;
* performance: speed, memory, I/O or work avoided (caching, streaming, parallelism);
* bug: behaviour that is wrong or unexplained (failures, flaky tests, wrong errors, races,
  our behaviour still wrong because of someone else's bug);
* feature: something not there yet, tests included ("add a test for X");
* refactor: the same behaviour in better code (removals after a deprecation or a version
  drop, a working workaround for someone else's bug to delete once it is fixed, renames,
  moves, types, cleanups, test code restructured);
* documentation: the comment explains rather than asks (a note, a caveat), or asks for docs.

Resolution: ``implement`` when small and clear, ``issue`` when larger or needing a decision,
``document`` when the comment states a known limitation.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import sdist

from qualitytool.config import Config
from qualitytool.discovery import discover_files
from qualitytool.todos.model import TodoItem
from qualitytool.todos.project_scan import scan_files

# web frameworks, backends, CLIs, infrastructure, security libraries, scientific code
PROJECTS = (
    ("django", "5.2.8"), ("tornado", "6.6.1"), ("werkzeug", "3.1.3"), ("pyramid", "2.0.2"),
    ("aiohttp", "3.11.11"), ("celery", "5.4.0"), ("ansible-core", "2.19.14"),
    ("requests", "2.32.3"),
    ("click", "8.1.8"), ("httpie", "3.2.4"), ("salt", "3007.1"), ("paramiko", "3.5.1"),
    ("oauthlib", "3.2.2"), ("pyjwt", "2.10.1"), ("networkx", "3.4.2"), ("lnbits", "1.6.2"),
    ("twisted", "24.11.0"), ("docker", "7.1.0"), ("urllib3", "2.2.3"),
    # added in a second round, for more security-relevant code: an identity service, a chat
    # server, an OAuth library, a TLS binding, a web framework
    ("keystone", "26.0.0"), ("matrix-synapse", "1.120.2"), ("authlib", "1.3.2"),
    ("pyopenssl", "24.3.0"), ("sanic", "24.6.0"),
    # a third round, so the held-back split has enough security items to measure: libraries
    # whose whole job is authentication, signing, hashing, SAML/OAuth, ACME/TLS, and web
    # frameworks (every project sampled by the same procedure as the others)
    ("django-allauth", "65.22.1"), ("social-auth-core", "7.0.0"), ("pysaml2", "7.5.5"),
    ("passlib", "1.7.4"), ("djangorestframework", "3.18.3"), ("starlette", "1.10.0"),
    ("itsdangerous", "2.2.0"), ("python-jose", "3.5.0"), ("certbot", "5.8.0"), ("acme", "5.9.0"),
    ("bleach", "6.4.0"), ("hvac", "2.4.0"), ("oic", "1.7.0"), ("webob", "1.8.11"),
    ("django-oauth-toolkit", "3.4.1"), ("signxml", "5.2.0"), ("fido2", "2.2.1"),
    ("django-guardian", "3.5.2"), ("jwcrypto", "1.6.1"), ("ldap3", "2.9.1"), ("josepy", "2.2.0"),
    ("django-axes", "8.3.1"), ("flask-limiter", "4.1.1"), ("webauthn", "3.0.1"),
    ("mitmproxy", "0.15"),
    # a fourth round, to grow the held-back split past 400 items: backends and web
    # applications (a notebook server, OpenStack compute, image, object storage, secrets and
    # its auth middleware, a CMS, a data portal, a CI server, a mailing-list server, a
    # CalDAV server, an admin framework), clients and servers of databases and queues,
    # HTTP, SSH, Google auth, a crawler, an SDK, a test runner, a migration tool, dask
    ("jupyter-server", "2.21.1"), ("nova", "34.0.0"), ("swift", "2.38.3"),
    ("barbican", "23.0.0"), ("keystonemiddleware", "13.0.1"), ("scrapy", "2.19.0"),
    ("sentry-sdk", "3.0.0"), ("pymongo", "4.20.1"), ("redis", "8.2.0"), ("kombu", "5.7.0"),
    ("httpx", "0.29.0"), ("gunicorn", "27.0.1"), ("asyncssh", "2.24.1"),
    ("google-auth", "2.63.1"), ("wagtail", "8.0.1"), ("dask", "2026.11.0"),
    ("pytest", "9.2.0"), ("alembic", "1.20.1"), ("flask-appbuilder", "5.3.0"),
    ("ckan", "2.12.0"), ("buildbot", "4.3.0"), ("mailman", "3.3.10"), ("radicale", "3.9.0"),
    ("glance", "33.0.0"),
    # (httpx and asyncssh have no TODO of three words or more; these six more made up the
    # number: the OpenStack dashboard, IPython, Sphinx, pylint, boto, pydantic)
    ("horizon", "27.0.0"), ("ipython", "9.19.1"), ("sphinx", "9.0.4"), ("pylint", "4.1.5"),
    ("boto", "2.49.0"), ("pydantic", "2.14.4"),
)
PER_PROJECT = 23
MIN_WORDS = 3
# A second stratum, so the rare security items are numerous enough to measure: up to
# PER_PROJECT_PATH more comments per project from files whose path names a security topic
# (chosen by location, not by the comment's words; many of them are not security items).
PER_PROJECT_PATH = 6
SECURITY_PATH = re.compile(
    r"(?i)(auth|secur|crypt|ssl|tls|csrf|session|sign|token|passw|permission|secret|cert|"
    r"cookie|sanitiz|escape|hash|key)"
)


def _digest(*parts: object) -> int:
    return int(hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def split_of(project: str, path: str, line: int) -> str:
    """``held-back`` for a third of the items, by location only, fixed before labelling."""
    return "held-back" if _digest("split", project, path, line) % 3 == 0 else "tuning"


def _scan(name: str, version: str) -> tuple[Path, list[TodoItem]]:
    root = sdist(name, version)
    config = Config(root=root)
    files = discover_files([root], config, include=config.todos.include)
    return root, scan_files(files, config, jobs=1).items


def _observed(item: TodoItem) -> dict[str, object]:
    """What the scanner sees of the comment: its text and code context, the author's tags."""
    return {
        "marker": item.marker, "text": item.text, "context": item.context, "below": item.below,
        "code": item.code.to_dict(), "tags": list(item.tags), "language": item.language,
    }


def main(argv: list[str]) -> int:
    """Print the sample of every project (or of the projects named in ``argv``)."""
    if argv[:1] == ["--refresh"]:
        return refresh(Path(argv[1]))
    records: list[dict[str, object]] = []
    later: list[dict[str, object]] = []
    for name, version in PROJECTS:
        if argv and name not in argv:
            continue
        root, scanned = _scan(name, version)
        items = [i for i in scanned if len(i.text.split()) >= MIN_WORDS]
        items.sort(key=lambda i: _digest("sample", name, i.file, i.line))
        seen_texts: set[str] = set()
        kept = kept_by_path = 0
        for item in items:
            path = Path(item.file).relative_to(root).as_posix()
            if item.text.lower() in seen_texts:  # the same comment pasted in many places
                continue
            if kept < PER_PROJECT:
                sample, kept = "random", kept + 1
            elif kept_by_path < PER_PROJECT_PATH and SECURITY_PATH.search(path):
                sample, kept_by_path = "security-path", kept_by_path + 1
            else:
                continue
            seen_texts.add(item.text.lower())
            record = {
                "project": name, "version": version, "path": path, "line": item.line,
                **_observed(item), "sample": sample, "split": split_of(name, path, item.line),
            }
            (later if sample == "security-path" else records).append(record)
    for record in [*records, *later]:
        print(json.dumps(record, ensure_ascii=False))
    return 0


_REFRESHED = ("below", "code", "tags", "language")


def refresh(corpus: Path) -> int:
    """Recompute the code context and tags of every record of ``corpus`` in place."""
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    versions = {(r["project"], r["version"]) for r in records}
    found: dict[tuple[str, str, int], dict[str, object]] = {}
    for name, version in sorted(versions):
        root, scanned = _scan(name, version)
        for item in scanned:
            path = Path(item.file).relative_to(root).as_posix()
            found[(name, path, item.line)] = _observed(item)
    mismatched = 0
    for record in records:
        seen = found.get((record["project"], record["path"], record["line"]))
        if seen is None or seen["text"] != record["text"]:
            mismatched += 1
            print(f"not refreshed: {record['project']} {record['path']}:{record['line']}: "
                  f"{'gone' if seen is None else 'text now ' + repr(seen['text'])}",
                  file=sys.stderr)
            continue
        record.update({key: seen[key] for key in _REFRESHED})
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                      encoding="utf-8")
    print(f"{len(records) - mismatched} of {len(records)} records refreshed", file=sys.stderr)
    return 1 if mismatched else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
