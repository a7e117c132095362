"""The recordings the conformance tests compare with: excerpts of LocalStack's snapshot files, kept
in ``recordings/`` (their README says where each came from and how to read it).

``recording("dlq_sqs")`` is one file: the snapshot it comes from (``source_file``, ``snapshot_key``,
``commit``, ``recorded_date``) and its excerpts by name. An excerpt is a value AWS returned (the
``value``), where it sits in the snapshot (``origin``), whether its objects' keys are in AWS's order
(``key_order``: ``"aws"``, or ``"alphabetical"`` where the snapshot library sorted them) and what
was masked, with why (``masked``).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conformance.compare import assert_matches

RECORDINGS = Path(__file__).resolve().parent / "recordings"
LOCALSTACK_COMMIT = "8b9a79f05846835cf4dff63ab7eefdde9df83783"


@dataclass(frozen=True)
class Excerpt:
    name: str
    origin: str
    key_order: str
    value: Any
    masked: dict[str, str]
    unordered: tuple[str, ...] = ()

    def check(self, got: Any, *, ignore: tuple[str, ...] = (), ordered: bool | None = None) -> None:
        """Fail with the differences between ``got`` and this excerpt (see ``compare``); keys in AWS's
        order too where the recording kept it, unless ``ordered`` says otherwise."""
        in_order = self.key_order == "aws" if ordered is None else ordered
        assert_matches(self.value, got, ordered=in_order, ignore=ignore, unordered=self.unordered)


@dataclass(frozen=True)
class Recording:
    file: str
    source_file: str
    snapshot_key: str
    commit: str
    recorded_date: str
    excerpts: dict[str, Excerpt]

    def __getitem__(self, name: str) -> Excerpt:
        return self.excerpts[name]


@functools.cache
def recording(name: str) -> Recording:
    path = RECORDINGS / f"{name}.json"
    data = json.loads(path.read_text())
    excerpts = {
        key: Excerpt(
            name=key,
            origin=excerpt["origin"],
            key_order=excerpt["key_order"],
            value=excerpt["value"],
            masked=excerpt.get("masked", {}),
            unordered=tuple(excerpt.get("unordered", {})),
        )
        for key, excerpt in data["excerpts"].items()
    }
    return Recording(
        file=path.name,
        source_file=data["source_file"],
        snapshot_key=data["snapshot_key"],
        commit=data["commit"],
        recorded_date=data["recorded_date"],
        excerpts=excerpts,
    )


def all_recordings() -> list[Recording]:
    return [recording(path.stem) for path in sorted(RECORDINGS.glob("*.json"))]
