"""Sleeps as long as the event says ("wait", seconds): past the function's timeout, Lambda stops it."""

import time


def handler(event, context):
    print("starting wait")
    time.sleep(event["wait"])
    print("done waiting")
    return {"waited": event["wait"]}
