"""This project's own test: the `local_stack` fixture comes from the installed package, no conftest."""


def test_a_success_of_the_worker_reaches_the_done_queue(local_stack):
    run = local_stack("doubler").invoke_async("Worker", {"n": 21})
    (record,) = run.queues["Done"]
    assert record["responsePayload"] == {"doubled": 42}
    assert record["requestContext"]["condition"] == "Success"
