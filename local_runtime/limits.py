"""AWS's numbers the local runtime enforces, each with the page that states it, in one place."""

from __future__ import annotations

KIB, MIB = 1024, 1024 * 1024

# "Lambda quotas": an asynchronous invocation's payload (Invoke API reference: RequestTooLargeException).
MAX_ASYNC_PAYLOAD_BYTES = MIB
# ... and a synchronous invocation's, request and response alike.
MAX_SYNC_PAYLOAD_BYTES = 6 * MIB
# "Amazon SQS quotas": a message, attributes included.
SQS_MAX_BYTES = MIB
# "Amazon SNS quotas": a published message.
SNS_MAX_BYTES = 256 * KIB
# "Amazon EventBridge quotas": a PutEvents entry (the local runtime's choice, with the destinations').
EVENTS_MAX_BYTES = MIB
# What a record may weigh, by the kind of destination it goes to.
DESTINATION_MAX_BYTES = {
    "sns": SNS_MAX_BYTES,
    "sqs": SQS_MAX_BYTES,
    "eventbridge": EVENTS_MAX_BYTES,
    "lambda": MAX_ASYNC_PAYLOAD_BYTES,
}
# The dead-letter message's ErrorMessage attribute is cut to this many bytes.
DEAD_LETTER_MESSAGE_BYTES = 1024

# What Lambda sets when a function says nothing ("Configuring Lambda function options").
DEFAULT_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128

# "How Lambda handles errors and retries with asynchronous invocation".
DEFAULT_RETRIES = 2
DEFAULT_MAX_EVENT_AGE_S = 21600
RETRY_DELAYS_S = (60, 120)
# Throttled events are tried again after 1, 2, 4 ... seconds, up to 5 minutes.
THROTTLE_FIRST_S, THROTTLE_MAX_S = 1, 300

# "Recursive loop detection": Lambda stops a chain when a function would run a 17th time.
RECURSION_LIMIT = 16
# A loop Lambda cannot see (through EventBridge) runs on AWS; the local engine stops it after this many.
UNTRACKED_LOOP_BOUND = 100

# "Lambda execution environment lifecycle": the init phase has 10 s of its own.
INIT_LIMIT_S = 10.0
# Environments of one function version running at once (synchronous invokes inside one another): the
# local engine's bound, each being a process; on AWS the account's concurrency (1,000 by default) bounds them.
LOCAL_ENVIRONMENTS_BOUND = 10

# "Amazon SQS visibility timeout" and "Amazon SQS message retention" defaults.
SQS_DEFAULT_VISIBILITY_S = 30
SQS_DEFAULT_RETENTION_S = 345600
