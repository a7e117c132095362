"""local_runtime.testing: what a user's own test of a flow looks like (the README's example)."""

import pytest


def test_first_reaches_second_with_only_the_response_payload(local_stack):
    # GIVEN the synthesized response-only stack WHEN First is invoked asynchronously
    run = local_stack("response-only").invoke_async("First", {"numbers": [1, 2, 3]})
    # THEN Second got First's response payload alone, through the rule, and nothing was dropped
    assert run.results_of("First") == [{"count": 3, "sum": 6, "mean": 2.0, "min": 1, "max": 3}]
    assert run.results_of("Second") == [{"accepted": True, "shape": "response-payload"}]
    assert run.dropped == []


def test_a_failure_record_lands_in_the_failure_queue_with_the_state(local_stack):
    state = {"chain_id": "c-1", "hop": 3, "cursor": 9, "end": 5, "total": 0}
    run = local_stack("self-invoking").invoke_async("LongJob", {"eventType": "LongJobContinuation", "state": state})
    (record,) = run.queues["LongJob/FailureQueue"]
    assert (record["requestContext"]["condition"], record["requestPayload"]["state"]) == ("RetriesExhausted", state)


def test_a_stack_that_is_not_synthesized_fails_the_test_saying_so(local_stack, cdktf_outdir):
    with pytest.raises(pytest.fail.Exception, match=f"stack 'nope' is not synthesized under {cdktf_outdir}"):
        local_stack("nope")
