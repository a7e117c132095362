"""Where a job's status lives: nowhere (``NoStore``) or a DynamoDB table (``JobTable``, ``JOBS_TABLE``).

``JobTable`` keeps one item per job (``job_id``, ``item = "job"``: status ``running``, ``completed``,
``failed`` or ``depth-limit``, hop, cursor, end, result or error, timestamps) and one claim per hop
(``item = "hop#00042"``). A hop first claims itself with a conditional put, so a duplicate delivery of
the same hop, on any execution environment, finds the claim taken and does nothing. Finished jobs and
claims expire through the table's TTL attribute ``expires_at`` after ``JOB_TTL_DAYS`` [7].

``NoStore`` remembers claims in this execution environment only: a duplicate landing on another
environment is not detected (the self-invoking stack runs without a table on purpose).
"""

import time
from datetime import UTC, datetime

from job import env_int, log

JOB_ITEM = "job"


def now_iso():
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def hop_item(hop):
    return f"hop#{hop:05d}"


class NoStore:
    """No table: claims are remembered in memory, status is not kept."""

    def __init__(self):
        self.claimed = set()

    def create(self, state):
        pass

    def claim(self, state):
        key = (state["chain_id"], state["hop"])
        if key in self.claimed:
            return False
        self.claimed.add(key)
        return True

    def progress(self, state):
        pass

    def finished(self, state, result):
        pass

    def failed(self, state, error):
        pass


class JobTable:
    """Job status and hop claims in a DynamoDB table (low-level client: explicit types, stubbable)."""

    def __init__(self, client, table):
        self.client = client
        self.table = table

    def _expires_at(self):
        return {"N": str(int(time.time()) + env_int("JOB_TTL_DAYS", 7) * 86400)}

    def create(self, state):
        """The job item, status ``running``; a job id that exists already is refused by the condition."""
        stamp = now_iso()
        self.client.put_item(
            TableName=self.table,
            Item={
                "job_id": {"S": state["chain_id"]},
                "item": {"S": JOB_ITEM},
                "status": {"S": "running"},
                "hop": {"N": "0"},
                "cursor": {"N": "0"},
                "end": {"N": str(state["end"])},
                "created_at": {"S": stamp},
                "updated_at": {"S": stamp},
            },
            ConditionExpression="attribute_not_exists(job_id)",
        )

    def claim(self, state):
        """True if this delivery is the first of its hop; False for a duplicate (the claim exists)."""
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "job_id": {"S": state["chain_id"]},
                    "item": {"S": hop_item(state["hop"])},
                    "claimed_at": {"S": now_iso()},
                    "expires_at": self._expires_at(),
                },
                ConditionExpression="attribute_not_exists(job_id)",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _update(self, state, expression, values, names=None):
        arguments = {
            "TableName": self.table,
            "Key": {"job_id": {"S": state["chain_id"]}, "item": {"S": JOB_ITEM}},
            "UpdateExpression": expression,
            "ExpressionAttributeValues": {":now": {"S": now_iso()}, **values},
        }
        if names:
            arguments["ExpressionAttributeNames"] = names
        self.client.update_item(**arguments)

    def progress(self, state):
        self._update(
            state,
            "SET hop = :hop, #cursor = :cursor, updated_at = :now",
            {":hop": {"N": str(state["hop"])}, ":cursor": {"N": str(state["cursor"])}},
            {"#cursor": "cursor"},
        )

    def finished(self, state, result):
        value = result.get("result", result.get("partial_result"))
        self._update(
            state,
            "SET #status = :status, hop = :hop, #cursor = :cursor, #result = :result, "
            "updated_at = :now, expires_at = :expires",
            {
                ":status": {"S": result["status"]},
                ":hop": {"N": str(state["hop"])},
                ":cursor": {"N": str(state["cursor"])},
                ":result": {"N": str(value)},
                ":expires": self._expires_at(),
            },
            {"#status": "status", "#cursor": "cursor", "#result": "result"},
        )

    def failed(self, state, error):
        self._update(
            state,
            "SET #status = :status, #error = :error, updated_at = :now, expires_at = :expires",
            {
                ":status": {"S": "failed"},
                ":error": {"S": f"{type(error).__name__}: {error}"},
                ":expires": self._expires_at(),
            },
            {"#status": "status", "#error": "error"},
        )
        log("job failed", chain_id=state["chain_id"], hop=state["hop"], error=str(error))

    def get(self, job_id):
        """The job as the API shows it, or None."""
        item = self.client.get_item(
            TableName=self.table, Key={"job_id": {"S": job_id}, "item": {"S": JOB_ITEM}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        status = item["status"]["S"]
        job = {
            "job_id": job_id,
            "status": status,
            "hop": int(item["hop"]["N"]),
            "progress": {"cursor": int(item["cursor"]["N"]), "end": int(item["end"]["N"])},
            "created_at": item["created_at"]["S"],
            "updated_at": item["updated_at"]["S"],
        }
        if "result" in item:
            job["result" if status == "completed" else "partial_result"] = int(item["result"]["N"])
        if "error" in item:
            job["error"] = item["error"]["S"]
        return job
