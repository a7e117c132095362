"""HTTP entry (API Gateway, payload 2.0 or REST v1): start a job, read its status.

With a job table: ``POST /jobs`` ``{"n": ...}`` creates the job, hands hop 0 off and answers ``202``
``{"job_id", "status_url"}`` with a ``Location`` header; ``GET /jobs/{job_id}`` answers ``200`` with
the job's status, ``404`` for an unknown id; a bad body or id gets ``400`` naming the field.
Without one (seed 001's pattern): any request with body ``{"n": ...}`` hands hop 0 off and answers
``202`` ``{"chain_id"}``, and the status lives only in the logs.
"""

import base64
import json
import re

from job import BadEvent, hand_off, log, new_state
from store import JobTable

_JOB_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_http_event(event):
    return "httpMethod" in event or ("requestContext" in event and "http" in event["requestContext"])


def respond(status, body, **headers):
    return {"statusCode": status, "headers": {"content-type": "application/json", **headers}, "body": json.dumps(body)}


def route_of(event):
    """``("POST", "/jobs")``-style method and resource template of the request."""
    if "routeKey" in event and event["routeKey"] != "$default":
        method, _, resource = event["routeKey"].partition(" ")
        return method, resource
    if "httpMethod" in event:
        return event["httpMethod"], event.get("resource") or event.get("path", "")
    http = event["requestContext"]["http"]
    return http["method"], event.get("rawPath", http.get("path", ""))


def requested_n(event):
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    try:
        parsed = json.loads(body or "{}")
    except json.JSONDecodeError:
        raise BadEvent('body must be a JSON object like {"n": 1000000}') from None
    if not isinstance(parsed, dict):
        raise BadEvent('body must be a JSON object like {"n": 1000000}')
    return parsed.get("n")


def status_url(event, job_id):
    context = event.get("requestContext", {})
    stage = context.get("stage", "$default")
    prefix = "" if stage == "$default" else f"/{stage}"
    scheme = (event.get("headers") or {}).get("x-forwarded-proto", "https")
    return f"{scheme}://{context.get('domainName', 'localhost')}{prefix}/jobs/{job_id}"


def handle(event, context, client, store):
    method, resource = route_of(event)
    if not isinstance(store, JobTable):
        return start_untracked(event, context, client)
    if (method, resource) == ("POST", "/jobs"):
        return start(event, context, client, store)
    if (method, resource) == ("GET", "/jobs/{job_id}"):
        return status(event, store)
    return respond(404, {"error": f"no route {method} {resource}; routes: POST /jobs, GET /jobs/{{job_id}}"})


def start(event, context, client, store):
    try:
        state = new_state(requested_n(event))
    except BadEvent as error:
        return respond(400, {"error": str(error)})
    store.create(state)
    try:
        hand_off(client, context.function_name, state)
    except Exception as error:  # noqa: BLE001 - the job must not stay "running" with no hop to run it
        store.failed(state, error)
        return respond(502, {"error": f"the job could not be started: {error}", "job_id": state["chain_id"]})
    job_id = state["chain_id"]
    log("job accepted", chain_id=job_id, end=state["end"])
    return respond(202, {"job_id": job_id, "status_url": status_url(event, job_id)}, location=f"/jobs/{job_id}")


def status(event, store):
    job_id = (event.get("pathParameters") or {}).get("job_id", "")
    if not _JOB_ID.match(job_id):
        return respond(
            400, {"error": f"job_id must be a job id like 3f1c2b9e-5d0a-4c7e-9a51-2b6f0c8d4e17; got {job_id!r}"}
        )
    job = store.get(job_id)
    if job is None:
        return respond(404, {"error": f"no job {job_id}"})
    return respond(200, job)


def start_untracked(event, context, client):
    try:
        state = new_state(requested_n(event))
    except BadEvent as error:
        return respond(400, {"error": str(error)})
    hand_off(client, context.function_name, state)
    return respond(202, {"chain_id": state["chain_id"]})
