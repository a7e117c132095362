"""A module that does not compile: Lambda's Python runtime fails its init with Runtime.UserCodeSyntaxError."""


def handler(event, context)
    return event
