"""The job: sum the squares of ``0 .. n-1`` in chunks, hop by hop (result checkable: n(n-1)(2n-1)/6).

State carried between hops (validated on arrival):
``{"chain_id": str, "hop": int, "cursor": int, "end": int, "total": int}``; the chain id is the job id.
A hop works until the remaining time drops under ``SAFETY_MARGIN_MS`` [5000; 0: never] or ``STEP_BUDGET`` [1000]
chunks are done, then invokes its own function (``InvocationType="Event"``) with the state.
``MAX_CHAIN_DEPTH`` stops the chain with a final "depth-limit" result.
"""

import json
import logging
import os
import uuid

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


class BadEvent(ValueError):
    """The event cannot be processed; the message says which field and why."""


def log(message, **fields):
    logger.info(json.dumps({"message": message, **fields}))


def env_int(name, default, minimum=1):
    """Whole-number setting from the environment (at least ``minimum``), read at call time."""
    raw = os.environ.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        what = "a positive whole number" if minimum == 1 else f"a whole number of at least {minimum}"
        raise RuntimeError(f"environment variable {name} must be {what}; got {raw!r}")
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
    if state["hop"] >= max_chain_depth():
        raise BadEvent(f"state.hop {state['hop']} is at or beyond MAX_CHAIN_DEPTH {max_chain_depth()}")
    return state


def continuation(state):
    return {"eventType": CONTINUATION, "state": state}


def hand_off(client, function_name, state):
    payload = json.dumps(continuation(state)).encode()
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise BadEvent(f"state is {len(payload)} bytes; asynchronous payloads must stay under {MAX_PAYLOAD_BYTES}")
    client.invoke(FunctionName=function_name, InvocationType="Event", Payload=payload)
    log("handed off", chain_id=state["chain_id"], next_hop=state["hop"], cursor=state["cursor"])


def work(state, context, client, store):
    """Run chunks until done, out of time or out of budget; then hand off or finish (told to ``store``)."""
    steps = 0
    margin_ms = env_int("SAFETY_MARGIN_MS", DEFAULT_SAFETY_MARGIN_MS, minimum=0)  # 0: STEP_BUDGET alone ends a hop
    step_budget = env_int("STEP_BUDGET", DEFAULT_STEP_BUDGET)
    while state["cursor"] < state["end"]:
        stop = min(state["cursor"] + CHUNK_SIZE, state["end"])
        state["total"] += sum(i * i for i in range(state["cursor"], stop))
        state["cursor"] = stop
        steps += 1
        if state["cursor"] < state["end"] and (
            context.get_remaining_time_in_millis() < margin_ms or steps >= step_budget
        ):
            return continue_chain(state, context, client, store)
    log("completed", chain_id=state["chain_id"], hops=state["hop"] + 1, result=state["total"])
    result = {"status": "completed", "chain_id": state["chain_id"], "hops": state["hop"] + 1, "result": state["total"]}
    store.finished(state, result)
    return result


def continue_chain(state, context, client, store):
    next_state = {**state, "hop": state["hop"] + 1}
    if next_state["hop"] >= max_chain_depth():
        logger.warning(
            json.dumps(
                {
                    "message": "chain depth limit reached",
                    "chain_id": state["chain_id"],
                    "max_chain_depth": max_chain_depth(),
                    "cursor": state["cursor"],
                }
            )
        )
        result = {
            "status": "depth-limit",
            "chain_id": state["chain_id"],
            "hops": state["hop"] + 1,
            "cursor": state["cursor"],
            "end": state["end"],
            "partial_result": state["total"],
        }
        store.finished(state, result)
        return result
    store.progress(state)
    hand_off(client, context.function_name, next_state)
    return {"status": "handed-off", "chain_id": state["chain_id"], "next_hop": next_state["hop"]}
