"""qualitytool: narrow broad exception handlers, track TODOs, report code quality."""

__version__ = "0.1.0"
