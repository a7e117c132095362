#!/bin/sh
# The cdktf app command (cdktf.json): main.py with the project's Python environment, however the
# CLI was started. APP_PYTHON names the interpreter [.venv/bin/python; else `.venv/bin/python`].
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tools/project-env.sh"
if [ -n "${APP_PYTHON:-}" ]; then exec "$APP_PYTHON" "$root/main.py" "$@"; fi
if [ -x "$root/.venv/bin/python" ]; then exec "$root/.venv/bin/python" "$root/main.py" "$@"; fi
exec .venv/bin/python "$root/main.py" "$@"
