"""Physical names known in Python: the same names the kernel's paths and context give, fewer round-trips."""

import pytest
from constructs import Construct

from benchmarks.pairs_app import counted_kernel_messages
from components import Function, FunctionDestination
from components.naming import _PARTS, NamedConstruct, physical_name
from tests.support import FIRST_CODE, SECOND_CODE, new_stack

# Kernel messages one First/Second pair costs (components/function.py, async_invoke.py): the
# constructs, resources and data sources the JSON holds, and the attributes they reference.
PLAIN_PAIR_MESSAGES = 37
RESPONSE_ONLY_PAIR_MESSAGES = 48


@pytest.fixture
def kernel_messages():
    """The number of requests sent to the jsii kernel from now on, in a one-element list."""
    with counted_kernel_messages() as count:
        yield count


def test_a_name_derived_in_python_is_the_name_the_kernel_path_gives():
    # GIVEN a named construct under a plain construct, in a stack with a name prefix
    stack = new_stack("orders", name_prefix="shop-prod")
    group = Construct(stack, "Workers")
    named = NamedConstruct(group, "Resize_v2")
    # WHEN its name is made from the parts known in Python, and again from the kernel's path and context
    derived = physical_name(named, "role", max_length=64, what="IAM role name")
    del _PARTS[named]
    from_kernel = physical_name(named, "role", max_length=64, what="IAM role name")
    # THEN both are the same name
    assert derived == from_kernel == "shop-prod-orders-Workers-Resize_v2-role"


def test_an_id_the_kernel_escapes_is_named_as_the_kernel_stores_it():
    # GIVEN an id with a path separator, which constructs stores as "--"
    stack = new_stack("orders")
    # WHEN a function is created with it
    fn = Function(stack, "Resize/Thumbnails", code=FIRST_CODE)
    # THEN its name follows the kernel's id, not the id as given
    assert fn.node.id == "Resize--Thumbnails"
    assert fn.function_name == "orders-Resize--Thumbnails"


def test_a_function_pair_costs_its_budget_of_kernel_messages(kernel_messages):
    # GIVEN a stack that already holds one pair (the stack's own reads are behind it)
    stack = new_stack("pairs")
    first = Function(stack, "First0", code=FIRST_CODE)
    first.configure_async_invoke(on_success=FunctionDestination(Function(stack, "Second0", code=SECOND_CODE)))
    before = kernel_messages[0]
    # WHEN another First/Second pair with a function destination is added
    first = Function(stack, "First1", code=FIRST_CODE)
    first.configure_async_invoke(on_success=FunctionDestination(Function(stack, "Second1", code=SECOND_CODE)))
    # THEN it sent no more kernel messages than its budget
    assert kernel_messages[0] - before <= PLAIN_PAIR_MESSAGES


def test_a_response_only_pair_costs_its_budget_of_kernel_messages(kernel_messages):
    # GIVEN a stack that already holds one response-only pair (the stack's own reads and its
    # account and region data sources are behind it)
    stack = new_stack("pairs")
    first = Function(stack, "First0", code=FIRST_CODE)
    second = Function(stack, "Second0", code=SECOND_CODE)
    first.configure_async_invoke(on_success=FunctionDestination(second, response_only=True))
    before = kernel_messages[0]
    # WHEN another response-only pair is added
    first = Function(stack, "First1", code=FIRST_CODE)
    second = Function(stack, "Second1", code=SECOND_CODE)
    first.configure_async_invoke(on_success=FunctionDestination(second, response_only=True))
    # THEN it sent no more kernel messages than its budget
    assert kernel_messages[0] - before <= RESPONSE_ONLY_PAIR_MESSAGES
