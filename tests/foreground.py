"""Start a command as a terminal starts a foreground job: with SIGINT at its default.

A script that a non-interactive shell starts in the background (``command &``, which is how
CI systems tend to launch their jobs) ignores SIGINT, and an ignored signal stays ignored
through ``exec``: every process below it -- pytest, and the ``qualitytool`` a test starts --
then ignores SIGINT too, and Python does not even install its ``KeyboardInterrupt`` handler.
A test that sends SIGINT to see what Ctrl-C does must first give the signal back its
default, as a terminal does for the job in its foreground.  (This, not the interrupt
handling, is why two such tests failed in every CI run and passed at a terminal.)
"""

from __future__ import annotations

import sys

_RESET = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def foreground(argv: list[str]) -> list[str]:
    """``argv`` to run with SIGINT at its default (same pid: the command replaces the
    small Python that resets the signal)."""
    return [sys.executable, "-c", _RESET, *argv]
