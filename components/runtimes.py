"""The Lambda runtimes a function may use: those AWS still supports, checked at synth.

Source: AWS's "Lambda runtimes" page, https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
(tables "Supported runtimes" and "Deprecated runtimes"; identifiers and deprecation dates), read on
``REVIEWED`` through the dates it publishes as cfn-lint's LmbdRuntimeLifecycle.json (2026-08-19) and
endoflife.date's aws-lambda page (2026-08-22) carry them, which agree; the Java 8/11/17 runtimes on
Amazon Linux 2023 come from AWS's announcement of 2026-07-31
(https://aws.amazon.com/about-aws/whats-new/2026/07/aws-lambda-java-amazon-linux/).

A runtime is refused once its deprecation date has passed: from then on AWS applies no security
patches to it. Lambda itself still creates functions on it until its "block function create" date
(2027-02-01 for every runtime deprecated in 2024-2026), so this is stricter than the API, on purpose.

The tables are data, not a clock: a synth gives the same answer on every day. When AWS publishes new
runtimes or dates, move the identifiers between the tables and update ``REVIEWED``
(tests/components/test_runtimes.py checks that every supported date is after it and every
deprecated one before it). Container-image-only runtimes (dotnet9) are not listed: a ``Function``
deploys a .zip archive.
"""

from __future__ import annotations

import re
from datetime import date

from components.errors import ConfigurationError

REVIEWED = date(2026, 12, 4)

# identifier -> deprecation date, grouped by language, oldest version first.
SUPPORTED_RUNTIMES: dict[str, date] = {
    "python3.11": date(2027, 6, 30),
    "python3.12": date(2028, 10, 31),
    "python3.13": date(2029, 6, 30),
    "python3.14": date(2029, 6, 30),
    "nodejs22.x": date(2027, 4, 30),
    "nodejs24.x": date(2028, 4, 30),
    "java8.al2": date(2027, 6, 30),
    "java8.al2023": date(2029, 6, 30),
    "java11": date(2027, 6, 30),
    "java11.al2023": date(2029, 6, 30),
    "java17": date(2027, 6, 30),
    "java17.al2023": date(2029, 6, 30),
    "java21": date(2029, 6, 30),
    "java25": date(2029, 6, 30),
    "dotnet10": date(2028, 11, 14),
    "ruby3.3": date(2027, 3, 31),
    "ruby3.4": date(2028, 3, 31),
    "ruby4.0": date(2029, 3, 31),
    "provided.al2023": date(2029, 6, 30),
}

DEPRECATED_RUNTIMES: dict[str, date] = {
    "python2.7": date(2021, 7, 15),
    "python3.6": date(2022, 7, 18),
    "python3.7": date(2023, 12, 4),
    "python3.8": date(2024, 10, 14),
    "python3.9": date(2025, 12, 15),
    "python3.10": date(2026, 10, 31),
    "nodejs": date(2016, 8, 30),
    "nodejs4.3": date(2020, 3, 5),
    "nodejs4.3-edge": date(2020, 3, 5),
    "nodejs6.10": date(2019, 8, 12),
    "nodejs8.10": date(2020, 3, 6),
    "nodejs10.x": date(2021, 7, 30),
    "nodejs12.x": date(2023, 3, 31),
    "nodejs14.x": date(2023, 12, 4),
    "nodejs16.x": date(2024, 6, 12),
    "nodejs18.x": date(2025, 9, 1),
    "nodejs20.x": date(2026, 4, 30),
    "java8": date(2024, 1, 8),
    "dotnetcore1.0": date(2019, 6, 27),
    "dotnetcore2.0": date(2019, 5, 30),
    "dotnetcore2.1": date(2022, 1, 5),
    "dotnetcore3.1": date(2023, 4, 3),
    "dotnet6": date(2024, 12, 20),
    "dotnet8": date(2026, 11, 10),
    "ruby2.5": date(2021, 7, 30),
    "ruby2.7": date(2023, 12, 7),
    "ruby3.2": date(2026, 3, 31),
    "go1.x": date(2024, 1, 8),
    "provided": date(2024, 1, 8),
    "provided.al2": date(2026, 7, 31),
}

_LANGUAGE = re.compile(r"[a-z]+")
# Languages whose runtimes all went: what AWS names as their successor.
_SUCCESSOR_LANGUAGE = {"go": "provided", "dotnetcore": "dotnet"}


def _language(runtime: str) -> str:
    match = _LANGUAGE.match(runtime)
    language = match.group(0) if match else ""
    return _SUCCESSOR_LANGUAGE.get(language, language)


def _one_of(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def require_runtime(runtime: object) -> str:
    """``runtime`` if Lambda supports it (``SUPPORTED_RUNTIMES``); ConfigurationError naming the supported ones."""
    if isinstance(runtime, str) and runtime in SUPPORTED_RUNTIMES:
        return runtime
    supported = ", ".join(SUPPORTED_RUNTIMES)
    if not isinstance(runtime, str):
        raise ConfigurationError(
            f"runtime must be a Lambda runtime identifier such as 'python3.12'; got {runtime!r}. Supported: {supported}"
        )
    deprecated_on = DEPRECATED_RUNTIMES.get(runtime)
    if deprecated_on is None:
        raise ConfigurationError(
            f"runtime {runtime!r} is not a runtime AWS Lambda supports for .zip functions; supported: {supported}"
        )
    successors = [name for name in SUPPORTED_RUNTIMES if _language(name) == _language(runtime)]
    advice = f"use {_one_of(successors)}; " if successors else ""
    raise ConfigurationError(
        f"runtime {runtime!r} was deprecated by AWS Lambda on {deprecated_on.isoformat()} (no security patches "
        f"since): {advice}supported: {supported}"
    )
