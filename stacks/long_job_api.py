"""Seed 001 for real: an HTTP front door that answers 202, and a job status that does not lie.

``POST /jobs`` starts a long job (the self-invoking function hands hop 0 off and answers 202 with
the job id and its status URL); ``GET /jobs/{job_id}`` reads the job from a DynamoDB table, where
every hop claims itself (duplicates do nothing), writes its progress, and the last writes the result.
Both routes need SigV4-signed requests (``AWS_IAM``); the stage is throttled and logs each request.
"""

from constructs import Construct

from components.http_api import LambdaHttpApi
from components.table import Table
from stacks.base import AppStack
from stacks.self_invoking import long_job_function
from stacks.settings import Settings

ROUTES = ("POST /jobs", "GET /jobs/{job_id}")


class LongJobApiStack(AppStack):
    def __init__(self, scope: Construct, id: str, *, settings: Settings) -> None:
        super().__init__(scope, id, settings=settings)
        jobs = Table(self, "Jobs", partition_key="job_id", sort_key="item", ttl_attribute="expires_at")
        job = long_job_function(self, settings, environment={"JOBS_TABLE": jobs.name})
        jobs.grant_items(job, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
        api = LambdaHttpApi(self, "Api", function=job, routes=ROUTES)

        self.output("api_url", api.url, "Base URL of the jobs API (requests must be SigV4-signed)")
        self.output("long_job_function_name", job.name, "The self-invoking function behind the API")
        self.output("jobs_table_name", jobs.name, "Job status and hop claims")
        self.output("failure_queue_url", job.failure_queue.url, "State of hops that failed arrives here")
