"""Reporters: each turns findings (and per-file errors) into one output format; the formats
of every command are registered in :mod:`qualitytool.output.registry`."""
