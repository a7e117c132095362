"""What a resource's attributes will be once deployed, in the stand-in account.

A reference names an attribute (``${aws_lambda_function.First.qualified_arn}``); AWS computes most
of them when the resource is created. Here they are what AWS would compute for account
``123456789012`` in the provider's region: the function's ARN from its name, a queue's URL, the
name Terraform makes up from a ``name_prefix`` (a stable stand-in for its random suffix), the
HTTP API's id (a stand-in for AWS's random one). Arguments the configuration sets
(``handler``, ``timeout``) are what it says; those are not listed here.

``attributes(type, ...)`` answers for the types the local runtime knows; for any other type it
answers nothing, and a reference to an attribute that is neither computed here nor an argument is
reported by the reader, never guessed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from local_runtime.arns import last_name

ACCOUNT = "123456789012"
PARTITION = "aws"
DEFAULT_REGION = "us-east-1"
LATEST = "$LATEST"

Argument = Callable[[str], Any]


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def generated_name(logical_id: str, argument: Argument, *keys: str) -> str:
    """The first name argument set; else ``name_prefix`` with a suffix; else Terraform's ``terraform-...``.

    Terraform appends 26 characters (a timestamp and a counter) to a ``name_prefix``; the stand-in
    suffix is as long, and stable: 26 digits from the logical id.
    """
    for key in keys:
        value = argument(key)
        if isinstance(value, str) and value:
            return value
    prefix = argument("name_prefix")
    suffix = str(int(_digest(logical_id), 16))[:26]
    if isinstance(prefix, str) and prefix:
        return f"{prefix}{suffix}"
    return f"terraform-{logical_id}"


def stand_in_id(logical_id: str, length: int = 10) -> str:
    """A stand-in for an id AWS makes up (an HTTP API's ``a1b2c3d4e5``): lowercase letters and digits."""
    return (re.sub(r"[^a-z0-9]", "", logical_id.lower()) or "id")[:length]


def key_id(logical_id: str) -> str:
    digest = _digest(logical_id)
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def attributes(
    type_: str, logical_id: str, data: bool, argument: Argument, region: str, account: str, partition: str
) -> dict[str, Any]:
    """The computed attributes of a resource (``data``: a data source) of ``type_``."""

    def name(*keys: str) -> str:
        return generated_name(logical_id, argument, *keys)

    def arn(service: str, resource: str, *, regional: bool = True, with_account: bool = True) -> str:
        return f"arn:{partition}:{service}:{region if regional else ''}:{account if with_account else ''}:{resource}"

    invoke_prefix = f"arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions"
    if data:
        return _data_source(type_, logical_id, argument, region, account, partition, name, arn, invoke_prefix)

    if type_ == "aws_lambda_function":
        function_name = name("function_name")
        function_arn = arn("lambda", f"function:{function_name}")
        version = "1" if argument("publish") is True or argument("publish") == "true" else LATEST
        return {
            "arn": function_arn,
            "function_name": function_name,
            "id": function_name,
            "version": version,
            "qualified_arn": f"{function_arn}:{version}",
            "invoke_arn": f"{invoke_prefix}/{function_arn}/invocations",
            "qualified_invoke_arn": f"{invoke_prefix}/{function_arn}:{version}/invocations",
            "last_modified": "1970-01-01T00:00:00.000+0000",
            "signing_job_arn": "",
            "signing_profile_version_arn": "",
            "source_code_size": 0,
        }
    if type_ == "aws_lambda_alias":
        function = argument("function_name")
        function = function if isinstance(function, str) else ""
        function_arn = function if function.startswith("arn:") else arn("lambda", f"function:{function}")
        alias_arn = f"{function_arn}:{name('name')}"
        return {
            "arn": alias_arn,
            "name": name("name"),
            "id": alias_arn,
            "invoke_arn": f"{invoke_prefix}/{alias_arn}/invocations",
        }
    if type_ == "aws_lambda_function_url":
        url_id = stand_in_id(_digest(logical_id), 32)
        return {"function_url": f"https://{url_id}.lambda-url.{region}.on.aws/", "url_id": url_id, "id": url_id}
    if type_ == "aws_lambda_event_source_mapping":
        uuid = key_id(logical_id)
        return {"uuid": uuid, "id": uuid, "arn": arn("lambda", f"event-source-mapping:{uuid}"), "state": "Enabled"}
    if type_ == "aws_lambda_permission":
        return {"id": argument("statement_id") or logical_id}
    if type_ == "aws_lambda_function_event_invoke_config":
        return {"id": str(argument("function_name"))}
    if type_ == "aws_sqs_queue":
        queue = name("name")
        if argument("fifo_queue") is True and not queue.endswith(".fifo"):
            queue += ".fifo"
        url = f"https://sqs.{region}.amazonaws.com/{account}/{queue}"
        return {"arn": arn("sqs", queue), "name": queue, "id": url, "url": url}
    if type_ in ("aws_sqs_queue_policy", "aws_sqs_queue_redrive_policy"):
        return {"id": argument("queue_url")}
    if type_ == "aws_sns_topic":
        topic = name("name")
        topic_arn = arn("sns", topic)
        return {"arn": topic_arn, "id": topic_arn, "name": topic, "owner": account}
    if type_ == "aws_sns_topic_subscription":
        subscription_arn = f"{argument('topic_arn')}:{key_id(logical_id)}"
        return {"arn": subscription_arn, "id": subscription_arn, "owner_id": account}
    if type_ == "aws_sns_topic_policy":
        return {"id": argument("arn"), "owner": account}
    if type_ == "aws_cloudwatch_event_bus":
        bus = name("name")
        return {"arn": arn("events", f"event-bus/{bus}"), "id": bus, "name": bus}
    if type_ == "aws_cloudwatch_event_rule":
        bus = last_name(str(argument("event_bus_name") or "default"))
        rule = name("name")
        return {
            "arn": arn("events", f"rule/{'' if bus == 'default' else bus + '/'}{rule}"),
            "name": rule,
            "id": rule if bus == "default" else f"{bus}/{rule}",
        }
    if type_ == "aws_cloudwatch_event_target":
        target_id = argument("target_id") or stand_in_id(_digest(logical_id), 26)
        return {"target_id": target_id, "id": f"{argument('rule')}-{target_id}"}
    if type_ == "aws_s3_bucket":
        bucket = name("bucket")
        return {
            "arn": f"arn:{partition}:s3:::{bucket}",
            "bucket": bucket,
            "id": bucket,
            "bucket_domain_name": f"{bucket}.s3.amazonaws.com",
            "bucket_regional_domain_name": f"{bucket}.s3.{region}.amazonaws.com",
            "region": region,
        }
    if type_ == "aws_iam_role":
        role = name("name")
        path = argument("path") or "/"
        return {
            "arn": f"arn:{partition}:iam::{account}:role{path}{role}",
            "name": role,
            "id": role,
            "unique_id": "AROA" + _digest(logical_id)[:17].upper(),
            "create_date": "1970-01-01T00:00:00Z",
        }
    if type_ == "aws_iam_policy":
        policy = name("name")
        path = argument("path") or "/"
        policy_arn = f"arn:{partition}:iam::{account}:policy{path}{policy}"
        return {"arn": policy_arn, "name": policy, "id": policy_arn, "policy_id": "ANPA" + _digest(logical_id)[:17]}
    if type_ == "aws_iam_role_policy":
        return {"id": f"{argument('role')}:{name('name')}", "name": name("name")}
    if type_ == "aws_iam_role_policy_attachment":
        return {"id": f"{argument('role')}-{key_id(logical_id)}"}
    if type_ == "aws_cloudwatch_log_group":
        group = name("name")
        return {"arn": arn("logs", f"log-group:{group}"), "name": group, "id": group}
    if type_ == "aws_kms_key":
        key = key_id(logical_id)
        return {"arn": arn("kms", f"key/{key}"), "key_id": key, "id": key}
    if type_ == "aws_kms_alias":
        return {"arn": arn("kms", name("name")), "name": name("name"), "id": name("name")}
    if type_ == "aws_dynamodb_table":
        table = name("name")
        table_arn = arn("dynamodb", f"table/{table}")
        extra = {"stream_arn": f"{table_arn}/stream/1970-01-01T00:00:00.000", "stream_label": "1970-01-01T00:00:00.000"}
        return {"arn": table_arn, "name": table, "id": table, **(extra if argument("stream_enabled") else {})}
    if type_ == "aws_apigatewayv2_api":
        api_id = stand_in_id(logical_id) or "api"
        return {
            "id": api_id,
            "arn": f"arn:{partition}:apigateway:{region}::/apis/{api_id}",
            "api_endpoint": f"https://{api_id}.execute-api.{region}.amazonaws.com",
            "execution_arn": arn("execute-api", api_id),
        }
    if type_ == "aws_apigatewayv2_stage":
        api = str(argument("api_id"))
        stage = name("name")
        return {
            "id": stage,
            "name": stage,
            "arn": f"arn:{partition}:apigateway:{region}::/apis/{api}/stages/{stage}",
            "execution_arn": arn("execute-api", f"{api}/{stage}"),
            "invoke_url": f"https://{api}.execute-api.{region}.amazonaws.com/{'' if stage == '$default' else stage}",
        }
    if type_ in ("aws_apigatewayv2_integration", "aws_apigatewayv2_route", "aws_apigatewayv2_authorizer"):
        return {"id": stand_in_id(_digest(logical_id), 7)}
    return {}


def _data_source(
    type_: str,
    logical_id: str,
    argument: Argument,
    region: str,
    account: str,
    partition: str,
    name: Callable[..., str],
    arn: Callable[..., str],
    invoke_prefix: str,
) -> dict[str, Any]:
    if type_ == "aws_partition":
        return {
            "partition": partition,
            "id": partition,
            "dns_suffix": "amazonaws.com",
            "reverse_dns_prefix": "com.amazonaws",
        }
    if type_ == "aws_region":
        return {"name": region, "region": region, "id": region, "endpoint": f"ec2.{region}.amazonaws.com"}
    if type_ == "aws_caller_identity":
        return {"account_id": account, "id": account, "arn": f"arn:{partition}:iam::{account}:root", "user_id": account}
    if type_ == "aws_service_principal":
        service = str(argument("service_name"))
        return {"name": f"{service}.amazonaws.com", "id": f"{service}.{region}", "suffix": "amazonaws.com"}
    if type_ == "aws_availability_zones":
        return {"names": [f"{region}{zone}" for zone in "abc"], "id": region}
    if type_ == "aws_lambda_function":
        function_arn = arn("lambda", f"function:{name('function_name')}")
        qualifier = argument("qualifier") or LATEST
        return {
            "arn": function_arn,
            "function_name": name("function_name"),
            "qualified_arn": f"{function_arn}:{qualifier}",
            "invoke_arn": f"{invoke_prefix}/{function_arn}/invocations",
            "qualified_invoke_arn": f"{invoke_prefix}/{function_arn}:{qualifier}/invocations",
            "version": qualifier,
            "id": name("function_name"),
        }
    if type_ == "aws_sqs_queue":
        queue = name("name")
        return {"arn": arn("sqs", queue), "url": f"https://sqs.{region}.amazonaws.com/{account}/{queue}", "id": queue}
    if type_ == "aws_sns_topic":
        return {"arn": arn("sns", name("name")), "id": arn("sns", name("name"))}
    if type_ == "aws_cloudwatch_event_bus":
        return {"arn": arn("events", f"event-bus/{name('name')}"), "id": name("name")}
    if type_ == "aws_iam_role":
        role = name("name")
        return {"arn": f"arn:{partition}:iam::{account}:role/{role}", "id": role, "name": role}
    if type_ == "aws_kms_key":
        key = str(argument("key_id"))
        return {"arn": key if key.startswith("arn:") else arn("kms", f"key/{key}"), "id": key}
    if type_ == "aws_s3_bucket":
        bucket = name("bucket")
        return {"arn": f"arn:{partition}:s3:::{bucket}", "id": bucket, "bucket": bucket}
    if type_ == "aws_dynamodb_table":
        return {"arn": arn("dynamodb", f"table/{name('name')}"), "id": name("name")}
    return {}
