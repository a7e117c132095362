"""A cdktf app of its own, outside the project that made the local runtime: one function whose
successes go to a queue, written with cdktf's core classes alone (no provider bindings)."""

import json
from pathlib import Path

from cdktf import App, AssetType, TerraformAsset, TerraformResource, TerraformStack

HERE = Path(__file__).resolve().parent


class Doubler(TerraformStack):
    def __init__(self, scope, id):
        super().__init__(scope, id)
        code = TerraformAsset(self, "Code", path=str(HERE / "handler"), type=AssetType.ARCHIVE)
        queue = TerraformResource(self, "Done", terraform_resource_type="aws_sqs_queue")
        queue.add_override("name", "doubler-done")
        role = TerraformResource(self, "Role", terraform_resource_type="aws_iam_role")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        role.add_override("name", "doubler-role")
        role.add_override("assume_role_policy", json.dumps(trust))
        grant = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "${aws_sqs_queue.Done.arn}"}],
        }
        policy = TerraformResource(self, "Grant", terraform_resource_type="aws_iam_role_policy")
        policy.add_override("role", "${aws_iam_role.Role.id}")
        policy.add_override("policy", json.dumps(grant))
        worker = TerraformResource(self, "Worker", terraform_resource_type="aws_lambda_function")
        worker.add_override("function_name", "doubler")
        worker.add_override("role", "${aws_iam_role.Role.arn}")
        worker.add_override("runtime", "python3.12")
        worker.add_override("handler", "index.handler")
        worker.add_override("filename", code.path)
        config = TerraformResource(self, "Async", terraform_resource_type="aws_lambda_function_event_invoke_config")
        config.add_override("function_name", "${aws_lambda_function.Worker.function_name}")
        config.add_override("destination_config", {"on_success": {"destination": "${aws_sqs_queue.Done.arn}"}})


app = App()
Doubler(app, "doubler")
app.synth()
