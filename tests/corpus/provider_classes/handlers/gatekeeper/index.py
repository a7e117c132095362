"""A Lambda authorizer with simple responses (payload 2.0): authorized when the token is "let-me-in";
its context tells what it was given."""


def handler(event, context):
    (token,) = event["identitySource"]
    return {
        "isAuthorized": token == "let-me-in",
        "context": {"user": "alice", "type": event["type"], "routeArn": event["routeArn"], "token": token},
    }
