#!/usr/bin/env python
"""The cdktf app: every stack of the project. Settings come from the environment (stacks/settings.py)."""

import sys

# components first: it makes the jsii kernel, which starts with `import cdktf`, load lazily.
from components import ConfigurationError
from cdktf import App
from stacks import FunctionDestinationStack, ResponseOnlyStack, SelfInvokingStack, Settings, SqsDestinationStack


def build(app: App, settings: Settings) -> None:
    FunctionDestinationStack(app, "function-destination", settings=settings)
    SqsDestinationStack(app, "sqs-destination", settings=settings)
    ResponseOnlyStack(app, "response-only", settings=settings)
    SelfInvokingStack(app, "self-invoking", settings=settings)


if __name__ == "__main__":
    try:
        settings = Settings.from_environment()
        app = App()
        build(app, settings)
    except ConfigurationError as error:
        sys.exit(f"Configuration error: {error}")
    app.synth()
