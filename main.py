#!/usr/bin/env python
"""The cdktf app: every stack of the project. Settings come from the environment (stacks/settings.py)."""

import sys

# components first: it makes the jsii kernel, which starts with `import cdktf`, load lazily.
from components import ConfigurationError

# isort: split
from cdktf import App

from stacks import (
    FunctionDestinationStack,
    LongJobApiStack,
    QueueConsumerStack,
    ResponseOnlyStack,
    SelfInvokingStack,
    Settings,
    SqsDestinationStack,
)

# Every stack, by the name `cdktf deploy <name>` takes.
STACKS = {
    "function-destination": FunctionDestinationStack,
    "sqs-destination": SqsDestinationStack,
    "response-only": ResponseOnlyStack,
    "self-invoking": SelfInvokingStack,
    "long-job-api": LongJobApiStack,
    "queue-consumer": QueueConsumerStack,
}


def build(app: App, settings: Settings) -> None:
    for name, stack in STACKS.items():
        stack(app, name, settings=settings)


if __name__ == "__main__":
    try:
        settings = Settings.from_environment()
        app = App()
        build(app, settings)
    except ConfigurationError as error:
        sys.exit(f"Configuration error: {error}")
    app.synth()
