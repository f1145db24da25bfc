"""What fix-exceptions does with each broad handler: plans, rewrites, logging, ladder and wrap."""
