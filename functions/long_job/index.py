"""LongJob: a job longer than one invocation, continued by asynchronous self-invocation.

The example job sums the squares of ``0 .. n-1`` in chunks (result checkable: n(n-1)(2n-1)/6).

Events:
- start directly: ``{"n": 5000000}``;
- start over HTTP (API Gateway v1 or v2 shape, body ``{"n": ...}``): the first hop is handed off at
  once and the response is ``202`` with the chain id;
- continue: ``{"eventType": "LongJobContinuation", "state": {...}}``, sent by the previous hop.

A hop works until the remaining time drops under ``SAFETY_MARGIN_MS`` [5000] or ``STEP_BUDGET`` [1000]
chunks are done (both environment variables), then invokes itself (``InvocationType="Event"``) with its state. ``MAX_CHAIN_DEPTH`` stops the
chain with a final "depth-limit" result. Duplicate deliveries: see ``is_duplicate``.
"""

import functools
import json
import logging
import os
import uuid

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)

CONTINUATION = "LongJobContinuation"
CHUNK_SIZE = 50_000
DEFAULT_SAFETY_MARGIN_MS = 5_000
DEFAULT_STEP_BUDGET = 1_000
MAX_N = 10**12
# Lambda accepts asynchronous payloads up to 1 MB; refuse well before it so the hop is not lost.
MAX_PAYLOAD_BYTES = 900 * 1024
STATE_FIELDS = {"chain_id": str, "hop": int, "cursor": int, "end": int, "total": int}

_seen_hops = set()


class BadEvent(ValueError):
    """The event cannot be processed; the message says which field and why."""


@functools.lru_cache(maxsize=1)
def lambda_client():
    return boto3.client("lambda")


def log(message, **fields):
    logger.info(json.dumps({"message": message, **fields}))


def env_int(name, default):
    """Positive integer setting from the environment, read at call time."""
    raw = os.environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise RuntimeError(f"environment variable {name} must be a positive whole number; got {raw!r}")
    return value


def max_chain_depth():
    return env_int("MAX_CHAIN_DEPTH", 100)


def validate_n(n):
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
        raise BadEvent(f"n must be a whole number between 1 and {MAX_N}; got {n!r}")
    return n


def new_state(n):
    return {"chain_id": str(uuid.uuid4()), "hop": 0, "cursor": 0, "end": validate_n(n), "total": 0}


def validate_state(state):
    if not isinstance(state, dict):
        raise BadEvent("state must be an object")
    for field, kind in STATE_FIELDS.items():
        value = state.get(field)
        if isinstance(value, bool) or not isinstance(value, kind):
            raise BadEvent(f"state.{field} must be of type {kind.__name__}; got {value!r}")
    if state["hop"] < 0 or not 0 <= state["cursor"] <= state["end"] or state["total"] < 0:
        raise BadEvent("state must have hop >= 0, 0 <= cursor <= end and total >= 0")
    validate_n(state["end"])
    return state


def is_duplicate(state):
    """True if this execution environment already ran this hop of this chain.

    Lambda delivers asynchronous events at least once. With retries set to 0 a failed hop is not
    retried (its state goes to the failure queue instead), and a rare duplicate delivery landing on
    the same warm environment is dropped here. A duplicate on another environment is not detected
    without a shared store (e.g. a DynamoDB conditional put on chain_id + hop).
    """
    key = (state["chain_id"], state["hop"])
    if key in _seen_hops:
        return True
    _seen_hops.add(key)
    return False


def hand_off(client, function_name, state):
    payload = json.dumps({"eventType": CONTINUATION, "state": state}).encode()
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise BadEvent(f"state is {len(payload)} bytes; asynchronous payloads must stay under {MAX_PAYLOAD_BYTES}")
    client.invoke(FunctionName=function_name, InvocationType="Event", Payload=payload)
    log("handed off", chain_id=state["chain_id"], next_hop=state["hop"], cursor=state["cursor"])


def work(state, context, client):
    """Run chunks until done, out of time or out of budget; hand off or finish."""
    steps = 0
    margin_ms = env_int("SAFETY_MARGIN_MS", DEFAULT_SAFETY_MARGIN_MS)
    step_budget = env_int("STEP_BUDGET", DEFAULT_STEP_BUDGET)
    while state["cursor"] < state["end"]:
        stop = min(state["cursor"] + CHUNK_SIZE, state["end"])
        state["total"] += sum(i * i for i in range(state["cursor"], stop))
        state["cursor"] = stop
        steps += 1
        if state["cursor"] < state["end"] and (
            context.get_remaining_time_in_millis() < margin_ms or steps >= step_budget
        ):
            return continue_chain(state, context, client)
    log("completed", chain_id=state["chain_id"], hops=state["hop"] + 1, result=state["total"])
    return {"status": "completed", "chain_id": state["chain_id"], "hops": state["hop"] + 1, "result": state["total"]}


def continue_chain(state, context, client):
    next_state = {**state, "hop": state["hop"] + 1}
    if next_state["hop"] >= max_chain_depth():
        logger.warning(json.dumps({"message": "chain depth limit reached", "chain_id": state["chain_id"],
                                   "max_chain_depth": max_chain_depth(), "cursor": state["cursor"]}))
        return {"status": "depth-limit", "chain_id": state["chain_id"], "hops": state["hop"] + 1,
                "cursor": state["cursor"], "end": state["end"], "partial_result": state["total"]}
    hand_off(client, context.function_name, next_state)
    return {"status": "handed-off", "chain_id": state["chain_id"], "next_hop": next_state["hop"]}


def is_http_event(event):
    return "httpMethod" in event or ("requestContext" in event and "http" in event["requestContext"])


def start_over_http(event, context, client):
    try:
        body = json.loads(event.get("body") or "{}")
        state = new_state(body.get("n") if isinstance(body, dict) else None)
    except (json.JSONDecodeError, BadEvent) as error:
        return {"statusCode": 400, "headers": {"content-type": "application/json"},
                "body": json.dumps({"error": str(error)})}
    hand_off(client, context.function_name, state)
    return {"statusCode": 202, "headers": {"content-type": "application/json"},
            "body": json.dumps({"chain_id": state["chain_id"]})}


def handler(event, context):
    return process(event, context, lambda_client())


def process(event, context, client):
    if not isinstance(event, dict):
        raise BadEvent(f"event must be a JSON object; got {type(event).__name__}")
    if is_http_event(event):
        return start_over_http(event, context, client)
    if event.get("eventType") == CONTINUATION:
        state = validate_state(event.get("state"))
        if state["hop"] >= max_chain_depth():
            raise BadEvent(f"state.hop {state['hop']} is at or beyond MAX_CHAIN_DEPTH {max_chain_depth()}")
        if is_duplicate(state):
            log("duplicate hop ignored", chain_id=state["chain_id"], hop=state["hop"])
            return {"status": "duplicate", "chain_id": state["chain_id"], "hop": state["hop"]}
    else:
        state = new_state(event.get("n"))
        is_duplicate(state)
    log("hop started", chain_id=state["chain_id"], hop=state["hop"], cursor=state["cursor"], end=state["end"])
    return work(state, context, client)
