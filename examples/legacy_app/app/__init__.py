"""Legacy "orders" backend.

Originally a FastAPI service, later vendored onto a tiny in-house framework
shim (see ``app.framework``) when the team had to run on an air-gapped box.
"""

__version__ = "0.9.3"
