// Seed 001's self-invoking function behind an HTTP API (payload 2.0). POST /triggerCustomEvent starts a
// job and answers 202 at once; the job goes on in hops the function sends itself (InvocationType Event,
// SDK v3 provided by the runtime), each recorded in DynamoDB; GET /jobs/{job_id} reads how far it got.
import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";

const dynamodb = new DynamoDBClient({});
const lambda = new LambdaClient({});

const isCustomEvent = (event) => event?.eventType === "DevNotesCustomEvent";

const triggerCustomEvent = (context, job, hop, hops) =>
  lambda.send(
    new InvokeCommand({
      FunctionName: context.functionName,
      InvocationType: "Event",
      Payload: JSON.stringify({ eventType: "DevNotesCustomEvent", job, hop, hops }),
    }),
  );

const handleApiEvent = async (event, context) => {
  const TableName = process.env.TABLE_NAME;
  if (event.rawPath === "/triggerCustomEvent") {
    const job = event.requestContext.requestId;
    const hops = JSON.parse(event.body ?? "{}").hops ?? 3;
    await dynamodb.send(
      new PutItemCommand({ TableName, Item: { job: { S: job }, hops: { N: String(hops) }, done: { N: "0" } } }),
    );
    await triggerCustomEvent(context, job, 1, hops);
    return { statusCode: 202, body: JSON.stringify({ job, routeKey: event.routeKey }) };
  }
  if (event.routeKey === "GET /jobs/{job_id}") {
    const job = event.pathParameters.job_id;
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName, Key: { job: { S: job } } }));
    if (!Item) return { statusCode: 404, body: JSON.stringify({ error: `no job ${job}` }) };
    const done = Number(Item.done.N);
    const hops = Number(Item.hops.N);
    // No statusCode: API Gateway (payload 2.0) answers 200 with this object as JSON.
    return { job, done, hops, status: done === hops ? "finished" : "running" };
  }
  return { statusCode: 404 }; // no route of ours matched: the function's own 404, not API Gateway's
};

const handleCustomEvent = async (event, context) => {
  await dynamodb.send(
    new UpdateItemCommand({
      TableName: process.env.TABLE_NAME,
      Key: { job: { S: event.job } },
      UpdateExpression: "SET #done = :hop",
      ExpressionAttributeNames: { "#done": "done" },
      ExpressionAttributeValues: { ":hop": { N: String(event.hop) } },
    }),
  );
  if (event.hop < event.hops) await triggerCustomEvent(context, event.job, event.hop + 1, event.hops);
  return { job: event.job, hop: event.hop };
};

export const handler = async (event, context) =>
  isCustomEvent(event) ? handleCustomEvent(event, context) : handleApiEvent(event, context);
