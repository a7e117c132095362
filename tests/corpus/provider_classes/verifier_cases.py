"""Stacks the verifier's rules are tested on, written with the provider classes alone, each broken on purpose.

- ``runtimes``: a function on each kind of runtime: supported (``python3.12``), deprecated and still
  created by Lambda (``nodejs20.x``), no longer created (``python2.7``), unknown (``python3.99``),
  none on a .zip archive, and a container image (whose runtime is its own).

``build(app)`` adds them to an app.
"""

from __future__ import annotations

from cdktf import App
from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction

from tests.corpus.provider_classes.async_world import _Stack


def runtimes(app: App) -> None:
    s = _Stack(app, "runtimes")
    s.function("Current")
    for id, runtime in (("Aging", "nodejs20.x"), ("Ancient", "python2.7"), ("Invented", "python3.99")):
        s.function(id).add_override("runtime", runtime)
    s.function("Unnamed").add_override("runtime", None)
    LambdaFunction(
        s.stack,
        "Container",
        function_name="runtimes-Container",
        role=s.role.arn,
        package_type="Image",
        image_uri="123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1",
    )
    s.done()


def build(app: App) -> None:
    runtimes(app)
