"""How many packages a Pipfile.lock installs, for setup's progress line (standard library only).

python3 -m tools.lock_packages Pipfile.lock [--dev]      (from the project root)
"""

import json
import sys


def count(lock_path: str, dev: bool) -> int:
    with open(lock_path) as lock_file:
        lock = json.load(lock_file)
    packages = set(lock.get("default", {}))
    if dev:
        packages |= set(lock.get("develop", {}))
    return len(packages)


if __name__ == "__main__":
    print(count(sys.argv[1], "--dev" in sys.argv[2:]))
