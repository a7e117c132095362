"""IAM policy statements and the policy-document data sources that render them.

Every grant in this project goes through ``PolicyStatement`` and ``policy_document`` so that
there is exactly one way to build IAM JSON, and ``cdktf synth --hcl`` keeps working (no
``json.dumps`` around Terraform tokens).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from constructs import Construct

from components.errors import ConfigurationError


@dataclass(frozen=True)
class PolicyStatement:
    """An ``Allow`` statement: the only effect these components ever grant.

    ``resources`` is required unless the statement is a trust statement
    (``service_principals`` set), which applies to the role itself.
    """

    actions: tuple[str, ...]
    resources: tuple[str, ...] = ()
    service_principals: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.actions:
            raise ConfigurationError("PolicyStatement.actions must name at least one action")
        if not self.resources and not self.service_principals:
            raise ConfigurationError(
                "PolicyStatement.resources must name at least one resource ARN "
                "(or set service_principals for a trust policy)"
            )

    def render(self) -> DataAwsIamPolicyDocumentStatement:
        principals = (
            [DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=list(self.service_principals))]
            if self.service_principals
            else None
        )
        return DataAwsIamPolicyDocumentStatement(
            effect="Allow",
            actions=list(self.actions),
            resources=list(self.resources) or None,
            principals=principals,
        )


class PolicyDocument(Construct):
    """A policy-document data source whose statements can still grow until synth.

    Adding a statement that is already present is a no-op, so two destinations granting the
    same access do not duplicate it.
    """

    def __init__(self, scope: Construct, id: str, statements: Iterable[PolicyStatement] = ()) -> None:
        super().__init__(scope, id)
        # The first statements go in with the data source: one kernel round-trip instead of one per add.
        self._statements = list(dict.fromkeys(statements))
        self.resource = DataAwsIamPolicyDocument(
            self, "Resource", statement=[s.render() for s in self._statements] or None
        )

    @property
    def json(self) -> str:
        return self.resource.json

    @property
    def statements(self) -> tuple[PolicyStatement, ...]:
        return tuple(self._statements)

    def add(self, statement: PolicyStatement) -> None:
        if statement in self._statements:
            return
        self._statements.append(statement)
        self.resource.put_statement([s.render() for s in self._statements])
