"""The runtimes AWS Lambda offers for .zip archives, and those it deprecated: data, shared by whoever checks one.

Source: AWS's "Lambda runtimes" page, https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
(tables "Supported runtimes" and "Deprecated runtimes": identifier, deprecation date, "Block
function create"), read on ``REVIEWED``; the identifiers and deprecation dates are those of
``components/runtimes.py``, which names its own sources. The dates from which Lambda refuses to
create functions come from the same page through cfn-lint's
``src/cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json`` (aws-cloudformation/cfn-lint, commit
81cb349c37c23ed2cf05d4cb68f6381ab28636fb, key ``create-block``); they are given only for runtimes
deprecated before 2024, whose dates no longer move. AWS moved those of later deprecations more
than once, so for those this table says nothing rather than a date that may be stale.

A deprecated runtime gets no security patches; Lambda still creates and updates functions on it
until its block dates, and still runs them afterwards. ``successor`` is where to move: the same
language version on a supported operating system where AWS offers one (java8: java8.al2023), else
the newest supported version of the language (Go: provided.al2023, as AWS advises).

The tables are data, not a clock: every reader gets the same answer on every day. When AWS
publishes new runtimes or dates, move identifiers between the tables and update ``REVIEWED``.
Container-image-only runtimes (dotnet9) are not listed: they cannot run a .zip archive.
Standard library only. The components keep their own copy of the two tables
(``components/runtimes.py``): infrastructure never imports the runtime package, which a deploy does
not need. tests/local_runtime/test_verifier.py holds the copies equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

REVIEWED = date(2026, 12, 4)

# identifier -> projected deprecation date, grouped by language, oldest version first.
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


@dataclass(frozen=True)
class DeprecatedRuntime:
    deprecated_on: date
    successor: str  # a key of SUPPORTED_RUNTIMES
    create_blocked_on: date | None = None  # Lambda refuses to create functions on it from then; None: not given


DEPRECATED_RUNTIMES: dict[str, DeprecatedRuntime] = {
    "python2.7": DeprecatedRuntime(date(2021, 7, 15), "python3.14", date(2021, 7, 15)),
    "python3.6": DeprecatedRuntime(date(2022, 7, 18), "python3.14", date(2022, 7, 18)),
    "python3.7": DeprecatedRuntime(date(2023, 12, 4), "python3.14", date(2024, 1, 9)),
    "python3.8": DeprecatedRuntime(date(2024, 10, 14), "python3.14"),
    "python3.9": DeprecatedRuntime(date(2025, 12, 15), "python3.14"),
    "python3.10": DeprecatedRuntime(date(2026, 10, 31), "python3.14"),
    "nodejs": DeprecatedRuntime(date(2016, 8, 30), "nodejs24.x", date(2016, 10, 31)),
    "nodejs4.3": DeprecatedRuntime(date(2020, 3, 5), "nodejs24.x", date(2020, 3, 5)),
    "nodejs4.3-edge": DeprecatedRuntime(date(2020, 3, 5), "nodejs24.x", date(2019, 4, 30)),
    "nodejs6.10": DeprecatedRuntime(date(2019, 8, 12), "nodejs24.x", date(2019, 8, 12)),
    "nodejs8.10": DeprecatedRuntime(date(2020, 3, 6), "nodejs24.x", date(2020, 3, 6)),
    "nodejs10.x": DeprecatedRuntime(date(2021, 7, 30), "nodejs24.x", date(2021, 7, 30)),
    "nodejs12.x": DeprecatedRuntime(date(2023, 3, 31), "nodejs24.x", date(2023, 3, 31)),
    "nodejs14.x": DeprecatedRuntime(date(2023, 12, 4), "nodejs24.x", date(2024, 7, 9)),
    "nodejs16.x": DeprecatedRuntime(date(2024, 6, 12), "nodejs24.x"),
    "nodejs18.x": DeprecatedRuntime(date(2025, 9, 1), "nodejs24.x"),
    "nodejs20.x": DeprecatedRuntime(date(2026, 4, 30), "nodejs24.x"),
    "java8": DeprecatedRuntime(date(2024, 1, 8), "java8.al2023"),
    "dotnetcore1.0": DeprecatedRuntime(date(2019, 6, 27), "dotnet10", date(2019, 7, 30)),
    "dotnetcore2.0": DeprecatedRuntime(date(2019, 5, 30), "dotnet10", date(2019, 5, 30)),
    "dotnetcore2.1": DeprecatedRuntime(date(2022, 1, 5), "dotnet10", date(2022, 1, 5)),
    "dotnetcore3.1": DeprecatedRuntime(date(2023, 4, 3), "dotnet10", date(2023, 4, 3)),
    "dotnet6": DeprecatedRuntime(date(2024, 12, 20), "dotnet10"),
    "dotnet8": DeprecatedRuntime(date(2026, 11, 10), "dotnet10"),
    "ruby2.5": DeprecatedRuntime(date(2021, 7, 30), "ruby4.0", date(2021, 7, 30)),
    "ruby2.7": DeprecatedRuntime(date(2023, 12, 7), "ruby4.0", date(2024, 1, 9)),
    "ruby3.2": DeprecatedRuntime(date(2026, 3, 31), "ruby4.0"),
    "go1.x": DeprecatedRuntime(date(2024, 1, 8), "provided.al2023"),
    "provided": DeprecatedRuntime(date(2024, 1, 8), "provided.al2023"),
    "provided.al2": DeprecatedRuntime(date(2026, 7, 31), "provided.al2023"),
}
