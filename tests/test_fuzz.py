"""A few hundred fuzzed programs through fix-exceptions and todos --link (the long run,
10,000 programs, is ``python benchmarks/fuzz.py``)."""

from __future__ import annotations

import pytest
from fuzz import fuzz


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # generated code like `1()`
def test_fix_and_link_hold_their_properties_on_generated_programs() -> None:
    figures = fuzz(250)
    assert figures["programs"] >= 200
    # The programs really exercise the rewrites, not only the parser.
    assert figures["rewritten"] >= figures["programs"] / 4
    assert figures["comments_linked"] >= figures["programs"] / 4
