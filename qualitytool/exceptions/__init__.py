"""Broad exception handlers: detection (``handlers``), checks, and inference for fixes."""
