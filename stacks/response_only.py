"""Only First's response payload reaches Second, through an EventBridge rule on the default bus."""

from constructs import Construct

from components import DestinationKind, Function, FunctionDestination
from components.destinations.function import ResponsePayloadRule
from stacks.base import FUNCTIONS_DIR, AppStack
from stacks.settings import Settings


class ResponseOnlyStack(AppStack):
    def __init__(self, scope: Construct, id: str, *, settings: Settings) -> None:
        super().__init__(scope, id, settings=settings)
        first = Function(self, "First", code=FUNCTIONS_DIR / "first")
        second = Function(self, "Second", code=FUNCTIONS_DIR / "second")
        config = first.configure_async_invoke(on_success=FunctionDestination(second, response_only=True))
        rule = ResponsePayloadRule.of(config, DestinationKind.SUCCESS).rule

        self.output("first_function_name", first.name, "Invoke this function asynchronously")
        self.output("first_function_arn", first.arn, "First function ARN")
        self.output("second_function_name", second.name, "Receives only First's response payload")
        self.output("second_function_arn", second.arn, "Second function ARN")
        self.output("rule_arn", rule.arn, "EventBridge rule forwarding $.detail.responsePayload")
