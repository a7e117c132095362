"""The conformance stacks, loaded once per session from the synthesized provider-class corpus."""

import pytest

from local_runtime.model import load_stack, stack_file


@pytest.fixture(scope="session")
def conformance_stack(provider_classes_outdir):
    """``conformance_stack("async")``: the stack ``conformance-async``, its model read once."""
    loaded = {}

    def load(name):
        if name not in loaded:
            loaded[name] = load_stack(stack_file(provider_classes_outdir, f"conformance-{name}"))
        return loaded[name]

    return load
