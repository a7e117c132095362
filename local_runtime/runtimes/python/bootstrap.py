"""The local runtime's Python runtime client: one per execution environment (process).

It talks to the engine through the Lambda Runtime API at ``AWS_LAMBDA_RUNTIME_API`` (``GET
/runtime/invocation/next``, ``POST .../{id}/response``, ``.../{id}/error``, ``/runtime/init/error``)
and loads the handler named by ``_HANDLER`` from ``LAMBDA_TASK_ROOT`` the way AWS's Python runtime
does (``awslambdaric/bootstrap.py``): ``Runtime.MalformedHandlerName``, ``Runtime.ImportModuleError``,
``Runtime.UserCodeSyntaxError``, ``Runtime.HandlerNotFound``, or the exception the module raised
(its error payload's ``requestId`` empty, as AWS records an init error). Log records go to stdout
as ``[LEVEL]\\t<time>\\t<request id>\\t<message>``, ``print`` as it is; an unhandled exception is
answered with ``errorMessage``, ``errorType``, ``requestId`` and ``stackTrace``; a result that is not
JSON with ``Runtime.MarshalError``. Every request botocore sends to an AWS host goes to the engine's
endpoint (``AWS_ENDPOINT_URL``), whatever endpoint a client was given.

Standard library only, and Python 3.9 syntax: it runs on the interpreter the function's runtime names.
"""

import decimal
import http.client
import importlib
import importlib.abc
import importlib.util
import json
import logging
import os
import re
import sys
import time
import traceback

RUNTIME = "/2018-06-01/runtime"
END_OF_INVOCATION = "\x1e"
AWS_HOST = re.compile(r"(^|\.)(amazonaws\.com(\.cn)?|api\.aws)$", re.IGNORECASE)

_connection = http.client.HTTPConnection(os.environ["AWS_LAMBDA_RUNTIME_API"])
_request_id = ""


def rapid(method, route, body=None, headers=None):
    _connection.request(method, RUNTIME + route, body=body, headers=headers or {})
    response = _connection.getresponse()
    return response.status, dict((k.lower(), v) for k, v in response.getheaders()), response.read()


def write(line):
    sys.__stdout__.write(line if line.endswith("\n") else line + "\n")
    sys.__stdout__.flush()


# --- logs ----------------------------------------------------------------------------------------------


class LambdaLogFormatter(logging.Formatter):
    def format(self, record):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + ".%03dZ" % record.msecs
        text = "[%s]\t%s\t%s\t%s" % (record.levelname, stamp, _request_id, record.getMessage())
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text.replace("\n", "\r")


def setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(LambdaLogFormatter())
    logging.getLogger().handlers[:] = [handler]


# --- AWS calls -----------------------------------------------------------------------------------------


class _KeepLocal(importlib.abc.MetaPathFinder):
    """When botocore's HTTP session is imported, make it send requests for AWS hosts to the endpoint."""

    def find_spec(self, name, path, target=None):
        if name != "botocore.httpsession":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module):
            original(module)
            _redirect(module)

        loader.exec_module = exec_module
        return spec


def _redirect(httpsession):
    from urllib.parse import urlsplit, urlunsplit

    endpoint = urlsplit(os.environ["AWS_ENDPOINT_URL"])
    send = httpsession.URLLib3Session.send

    def local_send(self, request):
        url = urlsplit(request.url)
        if url.hostname and AWS_HOST.search(url.hostname):
            request.headers["x-lambda-local-host"] = url.hostname
            request.url = urlunsplit((endpoint.scheme, endpoint.netloc, url.path, url.query, url.fragment))
        return send(self, request)

    httpsession.URLLib3Session.send = local_send


# --- the handler ---------------------------------------------------------------------------------------


class FaultError(Exception):
    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type, self.message, self.trace = error_type, message, trace or []


def error_payload(error, request_id):
    if isinstance(error, FaultError):
        return {
            "errorMessage": error.message,
            "errorType": error.error_type,
            "requestId": request_id,
            "stackTrace": error.trace,
        }
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename != __file__]
    root = os.environ["LAMBDA_TASK_ROOT"].rstrip("/") + "/"
    for frame in frames:  # the function's code is in /var/task on Lambda
        frame.line  # read before the file is renamed  # noqa: B018
        if frame.filename.startswith(root):
            frame.filename = "/var/task/" + frame.filename[len(root) :]
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_list(frames),
    }


def load_handler(handler):
    try:
        module_path, function_name = handler.rsplit(".", 1)
    except ValueError as error:
        raise FaultError("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (handler, error)) from None
    if module_path.split(".")[0] in sys.builtin_module_names:
        raise FaultError(
            "Runtime.BuiltInModuleConflict", "Cannot use built-in module %s as a handler module" % module_path
        )
    try:
        module = importlib.import_module(module_path.replace("/", "."))
    except ImportError as error:
        raise FaultError(
            "Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_path, error)
        ) from None
    except SyntaxError as error:
        trace = [
            '  File "/var/task/%s" Line %s\n    %s' % (os.path.basename(error.filename or ""), error.lineno, error.text)
        ]
        raise FaultError(
            "Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_path, error), trace
        ) from None
    function = getattr(module, function_name, None)
    if function is None:
        raise FaultError(
            "Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_path)
        )
    return function


class LambdaContext:
    """The context object of AWS's Python runtime."""

    def __init__(self, request_id, deadline_ms, invoked_function_arn, client_context):
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")  # a string, as on AWS
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = client_context
        self.identity = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def _json_default(value):
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError("Object of type %s is not JSON serializable" % type(value).__name__)


def invoke(handler, request_id, body, headers):
    client_context = headers.get("lambda-runtime-client-context")
    context = LambdaContext(
        request_id,
        int(headers.get("lambda-runtime-deadline-ms", "0")),
        headers.get("lambda-runtime-invoked-function-arn"),
        json.loads(client_context) if client_context else None,
    )
    try:
        result = handler(json.loads(body or b"null"), context)
    except Exception as error:  # noqa: BLE001 - reported the way the runtime reports an unhandled error
        return "error", error_payload(error, request_id)
    try:
        return "response", json.dumps(result, default=_json_default)
    except (TypeError, ValueError) as error:
        return "error", {
            "errorMessage": "Unable to marshal response: %s" % error,
            "errorType": "Runtime.MarshalError",
            "requestId": request_id,
            "stackTrace": [],
        }


def log_error(payload):
    """The error as AWS's runtime logs it: ``[ERROR] Type: message``, then the traceback."""
    write("[ERROR] %s: %s" % (payload["errorType"], payload["errorMessage"]))
    frames = payload.get("stackTrace") or []
    if frames:
        write("Traceback (most recent call last):")
        for line in "".join(frames).rstrip("\n").split("\n"):
            stripped = line.lstrip(" ")
            write("\u00a0" * (len(line) - len(stripped)) + stripped)


def main():
    global _request_id
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]  # a handler's bootstrap.py is its own
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    sys.meta_path.insert(0, _KeepLocal())
    setup_logging()
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except Exception as error:  # noqa: BLE001 - what fails the init is reported as the init's error
        payload = error_payload(error, "")
        log_error(payload)
        rapid("POST", "/init/error", json.dumps(payload), {"lambda-runtime-function-error-type": payload["errorType"]})
        sys.exit(1)
    while True:
        _, headers, body = rapid("GET", "/invocation/next")
        _request_id = headers["lambda-runtime-aws-request-id"]
        kind, answer = invoke(handler, _request_id, body, headers)
        sys.stdout.flush()
        extra = {}
        if kind == "error":
            log_error(answer)
            extra = {"lambda-runtime-function-error-type": answer["errorType"]}
            answer = json.dumps(answer)
        write(END_OF_INVOCATION + _request_id)
        rapid("POST", "/invocation/%s/%s" % (_request_id, kind), answer, extra)


if __name__ == "__main__":
    main()
