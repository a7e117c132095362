"""First's successful results invoke Second with the full invocation record."""

from constructs import Construct

from components import Function, FunctionDestination
from stacks.base import FUNCTIONS_DIR, AppStack
from stacks.settings import Settings


class FunctionDestinationStack(AppStack):
    def __init__(self, scope: Construct, id: str, *, settings: Settings) -> None:
        super().__init__(scope, id, settings=settings)
        first = Function(self, "First", code=FUNCTIONS_DIR / "first")
        second = Function(self, "Second", code=FUNCTIONS_DIR / "second")
        first.configure_async_invoke(on_success=FunctionDestination(second))

        self.output("first_function_name", first.name, "Invoke this function asynchronously")
        self.output("first_function_arn", first.arn, "First function ARN")
        self.output("second_function_name", second.name, "Receives First's invocation records")
        self.output("second_function_arn", second.arn, "Second function ARN")
