"""A Lambda authorizer answering with an IAM policy (payload 1.0): Allow on the method ARN for the key
"good", Deny for any other."""


def handler(event, context):
    effect = "Allow" if event["authorizationToken"] == "good" else "Deny"
    return {
        "principalId": "bob",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}],
        },
        "context": {"tier": "gold", "methodArn": event["methodArn"], "version": event["version"]},
    }
