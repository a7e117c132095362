#!/usr/bin/env python
"""The cdktf app: every stack of the project. Settings come from the environment (stacks/settings.py)."""

import sys

from tools.project_env import apply_project_env

# What make and ./cdktf set (project.env), set here too before the jsii kernel starts, so that
# `python main.py` run on its own is as quiet as they are.
apply_project_env()

# isort: split
# components first: it makes the jsii kernel, which starts with `import cdktf`, load lazily.
from components import ConfigurationError  # noqa: E402

# isort: split
from cdktf import App  # noqa: E402

from stacks import (  # noqa: E402
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
