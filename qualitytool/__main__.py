"""``python -m qualitytool``.

``python -m`` puts the working folder first on ``sys.path``; run in the analysed project, a
``gettext.py`` or ``locale.py`` there would be imported (and run) in place of the standard
library's by the first module that needs it.  qualitytool itself is imported by now, so the
working folder leaves ``sys.path`` before anything else is imported.
"""

import os
import sys

# sys.flags.safe_path (-P, PYTHONSAFEPATH) exists from Python 3.11: then nothing was added
if not getattr(sys.flags, "safe_path", False) and sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from qualitytool.cli import entry

entry()
