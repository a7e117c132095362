"""``python -m local_runtime``: the ``lambda-local`` command."""

from local_runtime.cli import entry_point

entry_point()
