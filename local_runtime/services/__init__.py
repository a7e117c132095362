"""The AWS services a handler's own SDK calls reach, and what each service does with what it is sent.

One module per service, each holding that service's state and semantics (as moto's ``models.py``
do): ``sqs`` (queues, messages, visibility, redrive; SendMessage), ``sns`` (Publish; fan-out to
subscriptions, filter policies), ``events`` (PutEvents; rules, patterns, input transformation),
``s3`` (PutObject; bucket notifications), ``dynamodb`` (tables, through moto in-process),
``lambda_api`` (Invoke). ``calls`` dispatches a handler's call to them as its role
(``caller``); ``protocols`` parses the calls other runtimes' SDKs send over HTTP. Services answer
and describe what follows (``effects``); they never call the engine.
"""
