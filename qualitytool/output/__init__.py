"""Reporters: each turns findings (and per-file errors) into one output format."""

from __future__ import annotations

FORMATS = ("text", "json", "sarif", "github")
