"""Import only the AWS provider submodules a program uses, in Python and in the jsii Node.js kernel.

``cdktf_cdktf_provider_aws/__init__.py`` ends with 2,135 ``from . import <service>`` lines: importing
anything from the package runs all of them (~10–17 s on a 2-core machine), although an app uses a
few dozen. ``install()`` puts a finder in front of the package that runs the same ``__init__``
source without those lines and resolves ``cdktf_cdktf_provider_aws.<name>`` on first access
(PEP 562 ``__getattr__``). Every submodule still registers its jsii types when imported, and the
assembly itself is still loaded by ``._jsii``; only modules nobody uses are skipped. The synthesized
JSON is byte-identical (``tests/stacks/test_provider_imports.py``).

The jsii kernel (Node.js) has the same problem with the package's ``lib/index.js``: ``install()``
adds ``--require components/provider_imports.js`` to ``NODE_OPTIONS`` so the kernel loads those
submodules lazily too (kernel peak memory ~585 MB → ~165 MB). The kernel starts when ``cdktf`` is
first imported, so import ``components`` before ``cdktf`` (main.py does; conftest.py does).

Set ``CDKTF_EAGER_PROVIDER_IMPORT=1`` to turn both off. If a provider release changes the layout of
its ``__init__`` (fewer than 100 submodule import lines), the original module is used unchanged.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

PACKAGE = "cdktf_cdktf_provider_aws"
EAGER_SWITCH = "CDKTF_EAGER_PROVIDER_IMPORT"
NODE_HOOK = Path(__file__).with_suffix(".js")
_SUBMODULE_IMPORT = re.compile(r"^from \. import (\w+)$", re.M)


class _LazySubmodulesLoader(importlib.abc.Loader):
    def __init__(self, original: importlib.abc.Loader) -> None:
        self.original = original

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        path = module.__file__
        assert path is not None, "the provider package is loaded from a file"
        with open(path, encoding="utf-8") as source_file:
            source = source_file.read()
        submodules = frozenset(_SUBMODULE_IMPORT.findall(source))
        if len(submodules) < 100:
            self.original.exec_module(module)
            return
        exec(compile(_SUBMODULE_IMPORT.sub("", source), path, "exec"), module.__dict__)

        def __getattr__(name: str) -> ModuleType:
            if name in submodules:
                return importlib.import_module(f"{module.__name__}.{name}")
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")

        # publication.publish() in that source may have replaced the module in sys.modules with a
        # public copy: the import system hands out that one, so it needs the hook too.
        setattr(module, "__getattr__", __getattr__)  # noqa: B010 - a module attribute, PEP 562
        published = sys.modules.get(module.__name__)
        if published is not None:
            setattr(published, "__getattr__", __getattr__)  # noqa: B010


class _LazyProviderFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != PACKAGE or os.environ.get(EAGER_SWITCH) == "1":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not spec.origin or not spec.origin.endswith("__init__.py"):
            return spec
        spec.loader = _LazySubmodulesLoader(spec.loader)
        return spec


def install() -> None:
    """Activate lazy submodule imports; harmless if already active or the package is already imported."""
    if os.environ.get(EAGER_SWITCH) == "1":
        return
    node_require = f'--require "{NODE_HOOK}"'
    node_options = os.environ.get("NODE_OPTIONS", "")
    if node_require not in node_options:
        os.environ["NODE_OPTIONS"] = f"{node_options} {node_require}".strip()
    if PACKAGE not in sys.modules and not any(isinstance(f, _LazyProviderFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _LazyProviderFinder())
