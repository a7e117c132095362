"""A module that raises while it is imported (a missing setting read at module level)."""

import os

TABLE = os.environ["TABLE_NAME"]


def handler(event, context):
    return TABLE
