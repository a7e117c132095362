"""DynamoDB for handlers: the stack's tables, served by moto in-process, behind the caller's role.

A call on a table of the stack is allowed only if the calling function's role allows
``dynamodb:<Operation>`` on the table's ARN (``AccessDeniedException`` as AWS words it otherwise);
a table the stack lacks is ``ResourceNotFoundException``. The tables are created from the model the
first time the engine runs a stack that has any, before a handler's environment could shape the
emulator's client.
"""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from local_runtime.errors import AwsError
from local_runtime.model.records import StackModel
from local_runtime.services.caller import Caller, require


class Tables:
    def __init__(self, model: StackModel) -> None:
        self.model = model
        self._moto: Any = None
        self._client: Any = None

    def start(self) -> None:
        """Create the stack's tables (nothing for a stack without any)."""
        if self.model.tables:
            self.client()

    def call(self, caller: Caller, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        table = self.model.tables.get(str(params.get("TableName")))
        if table is None:
            raise AwsError(
                "ResourceNotFoundException",
                f"Requested resource not found: Table: {params.get('TableName')} not found",
                400,
            )
        require(self.model, caller, f"dynamodb:{operation}", table.arn, "AccessDeniedException", 400)
        from botocore import xform_name
        from botocore.exceptions import ClientError

        try:
            response = getattr(self.client(), xform_name(operation))(**params)
        except ClientError as error:
            details = error.response.get("Error", {})
            raise AwsError(
                details.get("Code", "ClientError"),
                details.get("Message", str(error)),
                error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400),
            ) from None
        response.pop("ResponseMetadata", None)
        return dict(response)

    def client(self) -> Any:
        """A client of moto's in-process DynamoDB, with the stack's tables created on first use."""
        if self._client is None:
            import boto3
            from moto import mock_aws

            # mock_credentials: moto would otherwise put its fake keys into os.environ while it runs, and
            # a client in this process (a test's client of `lambda-local api`) would sign with them.
            self._moto = mock_aws(config={"core": {"mock_credentials": False}})
            self._moto.start()
            region = self.model.region
            session = boto3.session.Session(
                aws_access_key_id="local", aws_secret_access_key="local", region_name=region
            )
            # Explicit endpoint: moto answers AWS's own, whatever AWS_ENDPOINT_URL the environment holds.
            self._client = session.client("dynamodb", endpoint_url=f"https://dynamodb.{region}.amazonaws.com")
            for table in self.model.tables.values():
                keys = [(table.hash_key, "HASH")] + ([(table.range_key, "RANGE")] if table.range_key else [])
                self._client.create_table(
                    TableName=table.name,
                    BillingMode="PAY_PER_REQUEST",
                    KeySchema=[{"AttributeName": name, "KeyType": kind} for name, kind in keys],
                    AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in table.attributes],
                )
        return self._client

    def items(self) -> dict[str, list[Any]]:
        """Every table's items as plain JSON data, by construct path (empty if no table was used)."""
        if self._client is None:
            return {}
        from boto3.dynamodb.types import TypeDeserializer

        plain = TypeDeserializer().deserialize
        return {
            table.ref.path: [
                {k: _json(plain(v)) for k, v in item.items()}
                for item in self._client.scan(TableName=table.name)["Items"]
            ]
            for table in self.model.tables.values()
        }

    def close(self) -> None:
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
            self._client = None


def _json(value: Any) -> Any:
    """An attribute as JSON data: numbers (Decimal) as int or float, sets as sorted lists, binary as
    base64, inside lists and maps too."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted((_json(v) for v in value), key=lambda v: (str(type(v)), v))
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if hasattr(value, "value") and isinstance(value.value, bytes):  # boto3's Binary
        return base64.b64encode(value.value).decode()
    return value
