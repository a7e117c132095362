"""Recursive loops: who stops an invocation that would go round a loop once more ("Recursive loop
detection"): Lambda, after 16 invocations of a function in a chain it follows (Lambda, SQS, SNS,
S3), unless the function's recursion config says ``Allow``; or the local engine, for a loop through
a service Lambda cannot see (EventBridge), which would run on AWS, after ``UNTRACKED_LOOP_BOUND``.
"""

from __future__ import annotations

from typing import Literal

from local_runtime.chain import Chain
from local_runtime.engine.report import Recorder
from local_runtime.limits import RECURSION_LIMIT, UNTRACKED_LOOP_BOUND
from local_runtime.model.records import Function

STOPPED_LOOP = "RecursiveInvocationException"


def stopper(
    function: Function, chain: Chain, request_id: str, recorder: Recorder
) -> Literal["lambda", "engine"] | None:
    """Who stops this invocation: "lambda" (its detection), "engine" (a loop Lambda cannot see), or None.

    A stop by the engine is reported (a problem, once) and the event dropped here.
    """
    if chain.count(function.path) >= RECURSION_LIMIT and function.recursive_loop != "Allow":
        recorder.say(
            f"{function.path}: recursive loop stopped: invoked {RECURSION_LIMIT} times in this chain "
            "and no aws_lambda_function_recursion_config allows more"
        )
        return "lambda"
    if chain.untracked is not None and chain.count_untracked(function.path) >= UNTRACKED_LOOP_BOUND:
        recorder.problem(
            f"{function.path} runs in a loop through a service Lambda's recursion detection does not follow "
            f"(it covers Lambda, SQS, SNS and S3): the engine stopped it after {UNTRACKED_LOOP_BOUND} "
            "invocations; on AWS it would go on",
            once=True,
        )
        recorder.drop(function.path, f"the engine's loop bound stopped event {request_id} (see problems)")
        return "engine"
    return None
