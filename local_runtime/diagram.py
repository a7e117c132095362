"""A run as a Mermaid sequence diagram: one arrow per invocation and per delivery, virtual time on each.

For README files and pull requests (``lambda-local invoke ... --diagram``). Participants
appear in the order they first take part: ``caller`` (whoever invoked the first function), then
functions, rules, queues, buses and what else the run reached. A delivery that was denied is drawn
as a crossed arrow (``-x``).
"""

from __future__ import annotations

import re

from local_runtime.engine.report import Run


def _participant(name: str, ids: dict[str, str], lines: list[str]) -> str:
    if name not in ids:
        ids[name] = f"p{len(ids)}"
        lines.append(f"  participant {ids[name]} as {re.sub(r'[;#]', '_', name)}")
    return ids[name]


def sequence_diagram(run: Run, *, title: str | None = None) -> str:
    lines = ["sequenceDiagram"]
    if title:
        lines.append(f"  title {title}")
    ids: dict[str, str] = {}
    arrows = []
    for at, sender, receiver, what in run.trace:
        start = _participant(sender, ids, lines)
        end = _participant(receiver, ids, lines)
        arrow = "-x" if what.endswith("(denied)") else "->>"  # Mermaid's crossed arrow
        arrows.append(f"  {start}{arrow}{end}: {what} (t = {at:.3f} s)")
    return "\n".join(lines + arrows)
