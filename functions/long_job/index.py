"""LongJob: a job longer than one invocation, continued by asynchronous self-invocation.

Events:
- start directly: ``{"n": 5000000}`` (this invocation runs hop 0);
- HTTP (API Gateway): see ``api.py`` (with ``JOBS_TABLE``: ``POST /jobs``, ``GET /jobs/{job_id}``);
- continue: ``{"eventType": "LongJobContinuation", "state": {...}}``, sent by the previous hop.

The work is in ``job.py``; job status and hop claims in ``store.py``: a DynamoDB table when
``JOBS_TABLE`` is set, else claims in memory only. Every hop first claims itself, so a duplicate
delivery does nothing; a hop that fails marks the job failed, then raises, so its event (with the
state) reaches the on-failure destination instead of being retried.
"""

import functools
import os

import boto3
from api import handle, is_http_event
from job import CHUNK_SIZE, CONTINUATION, MAX_PAYLOAD_BYTES, BadEvent, hand_off, log, new_state, validate_state, work
from store import JobTable, NoStore

_claims_in_memory = NoStore()


@functools.lru_cache(maxsize=1)
def lambda_client():
    return boto3.client("lambda")


@functools.lru_cache(maxsize=1)
def dynamodb_client():
    return boto3.client("dynamodb")


def current_store():
    """The job table named by ``JOBS_TABLE`` (read at call time), else the in-memory claims."""
    table = os.environ.get("JOBS_TABLE")
    return JobTable(dynamodb_client(), table) if table else _claims_in_memory


def handler(event, context):
    return process(event, context, lambda_client(), current_store())


def process(event, context, client, store=None):
    store = store if store is not None else _claims_in_memory
    if not isinstance(event, dict):
        raise BadEvent(f"event must be a JSON object; got {type(event).__name__}")
    if is_http_event(event):
        return handle(event, context, client, store)
    if event.get("eventType") == CONTINUATION:
        state = validate_state(event.get("state"))
    else:
        state = new_state(event.get("n"))
        store.create(state)
    if not store.claim(state):
        log("duplicate hop ignored", chain_id=state["chain_id"], hop=state["hop"])
        return {"status": "duplicate", "chain_id": state["chain_id"], "hop": state["hop"]}
    log("hop started", chain_id=state["chain_id"], hop=state["hop"], cursor=state["cursor"], end=state["end"])
    try:
        return work(state, context, client, store)
    except Exception as error:
        store.failed(state, error)
        raise


__all__ = ["BadEvent", "CHUNK_SIZE", "MAX_PAYLOAD_BYTES", "JobTable", "hand_off", "handler", "process"]
