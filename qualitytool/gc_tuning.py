"""The garbage collector's thresholds for processes that build large, long-lived object graphs.

Used by the tools' launcher (:mod:`qualitytool.report.launch`, whose docstring says why
collecting less often pays) and by the report's background workers
(:mod:`qualitytool.parallel`).  It imports nothing, so the launcher stays as light as it is.
"""

from __future__ import annotations

GC_THRESHOLDS = (100_000, 50, 1_000)
