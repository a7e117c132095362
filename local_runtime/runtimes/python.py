"""The Python runtime, in-process: one execution environment per function version.

Used by the engine (``PythonExecutor``, functions from a synthesized stack's archives) and by
``lambda-local run`` and handler tests (``load_function``, ``invoke_handler``):

- ``LambdaContext``: the context object (request id, function name/ARN/version, memory, a remaining
  time that counts down from the timeout);
- ``load_handler``: imports ``<module>.<function>`` from a code folder under a private module name,
  its sibling modules (imported at module level, as handlers do) private to it; what cannot be
  loaded fails the way AWS's Python runtime fails it (``awslambdaric/bootstrap.py``,
  ``_get_handler``): ``Runtime.MalformedHandlerName``, ``Runtime.ImportModuleError``,
  ``Runtime.UserCodeSyntaxError``, ``Runtime.HandlerNotFound``, or the exception a module raised
  while it was imported;
- ``invoke_handler``: one invocation with the function's environment variables set, log records and
  ``print`` output written Lambda-style (``[INFO]\\t<time>\\t<request id>\\t<message>``) between START,
  END and REPORT lines, the result serialized as the runtime does (a result that is not JSON fails
  with ``Runtime.MarshalError``), an unhandled exception turned into the runtime's error payload, and
  the timeout enforced: past it the handler is interrupted (SIGALRM, main thread) and the invocation
  fails with ``Sandbox.Timedout`` "Task timed out after N.NN seconds";
- ``intercept_aws``: every boto3 client created while it is active (default session) sends its
  calls to a Python callback instead of AWS, through botocore's own hooks (as ``Stubber`` does).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import json
import logging
import math
import os
import resource
import signal
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

from local_runtime.errors import AwsError
from local_runtime.runtimes.base import AwsCall, Invocation, InvocationRequest, timed_out

REGION = "us-east-1"
ACCOUNT = "123456789012"


def function_arn(name: str, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


@dataclass
class LambdaContext:
    """The attributes and method of Lambda's Python context object."""

    function_name: str = "local-function"
    memory_limit_in_mb: int = 128
    timeout_ms: int = 30_000
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    invoked_function_arn: str = ""
    clock: Callable[[], float] = time.monotonic
    started_at: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started_at = self.clock()
        self.invoked_function_arn = self.invoked_function_arn or function_arn(self.function_name)
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/[{self.function_version}]{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self.timeout_ms - (self.clock() - self.started_at) * 1000))


class InitError(Exception):
    """The handler cannot be loaded; ``payload`` is the error AWS's Python runtime reports for it."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload["errorMessage"])
        self.payload = payload


def _init_error(error_type: str, message: str, trace: list[str] | None = None) -> InitError:
    return InitError({"errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": trace or []})


def load_module(code_dir: Path, module_path: str, module_name: str) -> ModuleType:
    """Import ``<module_path>.py`` of ``code_dir`` as ``module_name`` (registered in sys.modules).

    A module that is not there raises ``ModuleNotFoundError``, as ``import`` would.
    """
    source = Path(code_dir) / (module_path.replace(".", "/") + ".py")
    if not module_path or not source.is_file():
        raise ModuleNotFoundError(f"No module named '{module_path}'", name=module_path)
    spec = importlib.util.spec_from_file_location(module_name, source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    # Sibling modules import as they would from /var/task, and stay this code's own: another
    # function's (or another archive's) module of the same name is neither used nor replaced.
    siblings = {p.stem for p in Path(code_dir).glob("*.py")} | {
        p.parent.name for p in Path(code_dir).glob("*/__init__.py")
    }
    is_sibling = lambda name: name.split(".")[0] in siblings  # noqa: E731
    others = {name: sys.modules.pop(name) for name in list(sys.modules) if is_sibling(name)}
    sys.path.insert(0, str(code_dir))
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    finally:
        sys.path.remove(str(code_dir))
        for name in [name for name in sys.modules if is_sibling(name)]:
            del sys.modules[name]
        sys.modules.update(others)
    return module


def load_handler(code_dir: Path, handler: str, module_name: str) -> Callable[[Any, Any], Any]:
    """The handler ``<module>.<function>`` (e.g. ``index.handler``) of the code in ``code_dir``.

    Raises ``InitError`` with the payload AWS's Python runtime reports for what went wrong.
    """
    if "." not in handler:
        raise _init_error(
            "Runtime.MalformedHandlerName",
            f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)",
        )
    module_path, function_name = handler.rsplit(".", 1)
    if module_path.split(".")[0] in sys.builtin_module_names:
        raise _init_error(
            "Runtime.BuiltInModuleConflict", f"Cannot use built-in module {module_path} as a handler module"
        )
    try:
        module = load_module(code_dir, module_path.replace("/", "."), module_name)
    except ImportError as error:
        raise _init_error("Runtime.ImportModuleError", f"Unable to import module '{module_path}': {error}") from None
    except SyntaxError as error:
        trace = [f'  File "/var/task/{Path(error.filename or "").name}" Line {error.lineno}\n    {error.text}']
        raise _init_error(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_path}': {error}", trace
        ) from None
    except Exception as error:  # noqa: BLE001 - what a module raises while imported fails the init as itself
        raise InitError(error_payload(error, "")) from None
    function = getattr(module, function_name, None)
    if function is None:
        raise _init_error("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_path}'")
    return function


def load_function(name: str, functions_dir: Path) -> ModuleType:
    """The module ``<functions_dir>/<name>/index.py``, freshly imported (for handler tests and ``run``)."""
    if not (functions_dir / name / "index.py").is_file():
        available = sorted(p.parent.name for p in functions_dir.glob("*/index.py"))
        raise ValueError(f"unknown function {name!r}; available: {', '.join(available)}")
    return load_module(functions_dir / name, "index", f"local_lambda_{name}_{uuid.uuid4().hex}")


class _TimedOut(BaseException):
    """Raised into the handler by the timeout alarm; a BaseException so ``except Exception`` cannot swallow it."""


class _LambdaLogFormatter(logging.Formatter):
    def __init__(self, request_id: str) -> None:
        super().__init__()
        self.request_id = request_id

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        return f"[{record.levelname}]\t{stamp}\t{self.request_id}\t{record.getMessage()}"


@contextlib.contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (main thread only; elsewhere the caller checks afterwards).

    The real-time timer is the process's one, and someone may hold it already: pytest-timeout's
    default method, a server's own watchdog. Their deadline is kept: if it comes first, their handler
    runs when it is due (not ours), and afterwards their timer goes on with what is left of it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    started = time.monotonic()
    outer_delay, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    previous = signal.getsignal(signal.SIGALRM)
    outer_fired = False

    def own(signum: int, frame: Any) -> None:
        raise _TimedOut()

    def outer(signum: int, frame: Any) -> None:
        nonlocal outer_fired
        outer_fired = True
        signal.signal(signal.SIGALRM, previous)
        if callable(previous):
            previous(signum, frame)
        else:  # SIG_DFL or SIG_IGN: what the signal would have done without us
            signal.raise_signal(signal.SIGALRM)
        # Their handler returned: ours is still due.
        signal.signal(signal.SIGALRM, own)
        signal.setitimer(signal.ITIMER_REAL, max(seconds - (time.monotonic() - started), 1e-6))

    outer_first = 0 < outer_delay <= seconds
    signal.signal(signal.SIGALRM, outer if outer_first else own)
    signal.setitimer(signal.ITIMER_REAL, outer_delay if outer_first else seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_fired:
            if outer_interval:
                signal.setitimer(signal.ITIMER_REAL, outer_interval, outer_interval)
        elif outer_delay:
            left = outer_delay - (time.monotonic() - started)
            # Overdue (it fell due as the block ended): it fires now, as it would have.
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), outer_interval)


def error_payload(error: BaseException, request_id: str) -> dict[str, Any]:
    """The payload the Python runtime returns for an unhandled exception."""
    # The runtime shows the function's frames only, not the code that called the handler.
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename != __file__]
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": [line for line in traceback.format_list(frames)],
    }


def invoke_handler(
    handler: Callable[[Any, Any], Any] | InitError,
    event: Any,
    context: LambdaContext,
    *,
    out: TextIO,
    environment: Mapping[str, str] = {},
    version: str = "$LATEST",
) -> Invocation:
    """Run ``handler`` once, Lambda-style; see the module docstring. An ``InitError`` fails the invocation."""
    invocation = Invocation(request_id=context.aws_request_id, event=event)
    print(f"START RequestId: {context.aws_request_id} Version: {version}", file=out)
    if isinstance(handler, InitError):
        invocation.error = {**handler.payload, "requestId": context.aws_request_id}
        return _report(invocation, context, out)
    log_handler = logging.StreamHandler(out)
    log_handler.setFormatter(_LambdaLogFormatter(context.aws_request_id))
    root = logging.getLogger()
    root.addHandler(log_handler)
    timeout_s = context.timeout_ms / 1000
    started = time.perf_counter()
    try:
        with _environment(environment), contextlib.redirect_stdout(out), _deadline(timeout_s):
            assert callable(handler)
            result = handler(json.loads(json.dumps(event)), context)
        try:
            invocation.result = json.loads(json.dumps(result))
        except (TypeError, ValueError) as error:
            invocation.error = {
                "errorMessage": f"Unable to marshal response: {error}",
                "errorType": "Runtime.MarshalError",
                "requestId": context.aws_request_id,
                "stackTrace": [],
            }
    except _TimedOut:
        invocation.error = timed_out(context.aws_request_id, timeout_s)
    except Exception as error:  # noqa: BLE001 - reported the way the runtime reports an unhandled error
        invocation.error = error_payload(error, context.aws_request_id)
    finally:
        root.removeHandler(log_handler)
    invocation.duration_ms = (time.perf_counter() - started) * 1000
    if invocation.error is None and invocation.duration_ms > context.timeout_ms:
        invocation.result, invocation.error = None, timed_out(context.aws_request_id, timeout_s)  # off the main thread
    return _report(invocation, context, out)


def _report(invocation: Invocation, context: LambdaContext, out: TextIO) -> Invocation:
    """The error line, END and REPORT: how Lambda closes an invocation's log."""
    if invocation.error is not None:
        print(json.dumps({k: invocation.error[k] for k in ("errorMessage", "errorType")}), file=out)
    print(f"END RequestId: {context.aws_request_id}", file=out)
    max_memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(
        f"REPORT RequestId: {context.aws_request_id}\tDuration: {invocation.duration_ms:.2f} ms\t"
        f"Billed Duration: {max(1, math.ceil(invocation.duration_ms))} ms\t"
        f"Memory Size: {context.memory_limit_in_mb} MB\t"
        f"Max Memory Used: {max_memory_mb} MB",
        file=out,
    )
    return invocation


def intercepting_session(answer: AwsCall, region: str = REGION) -> Any:
    """A boto3 session whose clients call ``answer(service, operation, params)`` instead of AWS.

    ``params`` are the arguments the handler passed; ``answer`` returns the parsed response or
    raises ``AwsError``. Nothing is sent over the network, and no real credentials are used.
    Building a session costs milliseconds: an execution environment builds one and keeps it.
    """
    import boto3
    from botocore.awsrequest import AWSResponse
    from botocore.response import StreamingBody

    session = boto3.session.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name=region)

    def remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["local_params"] = dict(params)

    def respond(model: Any, context: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        service = model.service_model.service_name
        try:
            parsed = dict(answer(service, model.name, context.get("local_params", {})))
            if (service, model.name) == ("lambda", "Invoke"):  # boto3 reads Invoke's Payload as a stream
                raw = bytes(parsed.get("Payload") or b"")
                parsed["Payload"] = StreamingBody(io.BytesIO(raw), len(raw))
            parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": 200, "RequestId": str(uuid.uuid4())})
            return AWSResponse(None, 200, {}, None), parsed
        except AwsError as error:
            body = {
                "Error": {"Code": error.code, "Message": error.message},
                "ResponseMetadata": {"HTTPStatusCode": error.status},
            }
            return AWSResponse(None, error.status, {}, None), body

    session.events.register("before-parameter-build.*.*", remember)
    session.events.register("before-call.*.*", respond)
    return session


class LazySession:
    """A stand-in for a boto3 session that builds the real one when a handler first asks for a client."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build, self._session = build, None

    def __getattr__(self, name: str) -> Any:
        if self._session is None:
            self._session = self._build()
        return getattr(self._session, name)


@contextlib.contextmanager
def default_session(session: Any) -> Iterator[None]:
    """``session`` as boto3's default session for the block: ``boto3.client(...)`` uses it."""
    import boto3

    previous = boto3.DEFAULT_SESSION
    boto3.DEFAULT_SESSION = session
    try:
        yield
    finally:
        boto3.DEFAULT_SESSION = previous


@contextlib.contextmanager
def intercept_aws(answer: AwsCall, region: str = REGION) -> Iterator[None]:
    """While active, boto3 clients of the default session call ``answer`` (see ``intercepting_session``)."""
    with default_session(intercepting_session(answer, region)):
        yield


def read_payload(payload: Any) -> Any:
    """An Invoke ``Payload`` argument (bytes, str or a file-like object) as JSON data."""
    if hasattr(payload, "read"):
        payload = payload.read()
    if isinstance(payload, (bytes, bytearray)):
        payload = payload.decode()
    return json.loads(payload or "null")


class PythonExecutor:
    """One warm execution environment of a Python function: its module imported once, its globals kept.

    An init error (the module cannot be imported, the handler is missing) fails the invocation, and
    the next invocation initializes again, as Lambda starts a new environment after a failed init.
    """

    def __init__(self, code_dir: Path, handler: str, *, name: str, aws: AwsCall) -> None:
        self.code_dir, self.handler_name, self.name, self.aws = code_dir, handler, name, aws
        self._handler: Callable[[Any, Any], Any] | None = None
        self._modules: list[str] = []
        self._session: LazySession | None = None

    def invoke(self, request: InvocationRequest) -> Invocation:
        handler: Callable[[Any, Any], Any] | InitError
        if self._handler is None:
            module_name = f"lambda_engine_{uuid.uuid4().hex}"
            self._modules.append(module_name)
            try:
                self._handler = load_handler(self.code_dir, self.handler_name, module_name)
            except InitError as error:
                handler = error
        if self._handler is not None:
            handler = self._handler
        context = LambdaContext(
            function_name=request.function_name,
            memory_limit_in_mb=request.memory_limit_in_mb,
            timeout_ms=int(request.timeout_s * 1000),
            aws_request_id=request.request_id,
            function_version=request.function_version,
            invoked_function_arn=request.invoked_function_arn,
        )
        if self._session is None:  # most handlers never call AWS: no session is built for them
            self._session = LazySession(functools.partial(intercepting_session, self.aws, request.region))
        with default_session(self._session):
            return invoke_handler(
                handler,
                request.event,
                context,
                out=request.out,
                environment=request.environment,
                version=request.function_version,
            )

    def close(self) -> None:
        for name in self._modules:
            sys.modules.pop(name, None)
        self._modules.clear()
        self._handler = None
