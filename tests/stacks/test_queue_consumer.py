"""queue-consumer: First's successes consumed in batches; poison and failures end in the dead-letter queues.

The wiring runs through the local runtime's public test API (``local_stack``, README "Run the wiring
locally") on the stack synthesized in this test session; moto's deploy of it is in
tests/integration/test_emulator_deploy.py.
"""

from stacks.queue_consumer import MAX_RECEIVES


def consumed_results(run):
    """What each Consumer invocation answered: the ids of the messages it failed, per batch."""
    return [[f["itemIdentifier"] for f in result["batchItemFailures"]] for result in run.results_of("Consumer")]


def test_a_poison_message_is_retried_alone_and_ends_in_the_work_dead_letter_queue(local_stack):
    # GIVEN the queue-consumer stack, and two asynchronous invokes of First at once, the second marked poison
    engine = local_stack("queue-consumer")
    engine.queue_event("First", {"numbers": [1, 2, 3]})
    engine.queue_event("First", {"numbers": [4, 5], "poison": True})
    # WHEN everything they cause has run
    run = engine.drain()
    # THEN both success records reached Work, and Consumer got them in one batch (the 5 s window)
    assert [(d["source"], d["destination"], d["allowed"]) for d in run.deliveries] == [("First", "Work", True)] * 2
    batches = consumed_results(run)
    assert len(batches[0]) == 1, "the first batch holds both messages and fails only the poison one"
    poison_id = batches[0][0]
    # AND only the poison message was received again, until Work's redrive moved it after its last receive
    assert batches == [[poison_id]] * MAX_RECEIVES
    (dead,) = run.queue_messages["WorkDeadLetters"]
    assert dead["messageId"] == poison_id
    assert run.queues["WorkDeadLetters"][0]["requestPayload"] == {"numbers": [4, 5], "poison": True}
    assert "Work" not in run.queues
    # AND nothing was dropped or throttled: Consumer's 2 reserved executions cover the mapping's 2
    assert (run.dropped, run.throttles, run.problems) == ([], [], [])


def test_a_failing_first_goes_to_its_own_dead_letter_queue_after_the_retries(local_stack):
    # GIVEN an event First refuses
    run = local_stack("queue-consumer").invoke_async("First", {"numbers": []})
    # THEN Lambda tried it three times (two retries), sent it to FirstDeadLetters, and nothing reached Work
    assert [i["function"] for i in run.invocations] == ["First"] * 3
    assert run.queues == {"FirstDeadLetters": [{"numbers": []}]}
    assert run.results_of("Consumer") == []
