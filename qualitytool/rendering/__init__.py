"""Renderers the engines share: findings as text, JSON, SARIF and GitHub annotations, the
rules' SARIF descriptions, and the sandboxed Jinja templates of the Markdown reports.  They
import findings and plumbing only: the engines render through them, and the output formats
of every command (:mod:`qualitytool.output.registry`, above the engines) call both."""
