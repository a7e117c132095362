// Calls AWS the way the event says ("call"), with the SDK for JavaScript v3 the runtime provides, and
// reports the answer in the same words as the Python prober (../prober/index.py).
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";

const env = process.env;
// Buckets addressed as the event says: by path, by host (<bucket>.s3.<region>.amazonaws.com) or as the
// SDK chooses for the endpoint it was given.
const s3 = (event) =>
  new S3Client(
    event.addressing === "virtual-host"
      ? { endpoint: "https://s3.eu-west-1.amazonaws.com", forcePathStyle: false }
      : { forcePathStyle: event.addressing === "path" },
  );
const text = (body) => (typeof body === "string" ? body : JSON.stringify(body));

const invoke = async (event) => {
  const payload = event.payload ?? { mode: "ok", pad: "x".repeat(event.size ?? 0) };
  const response = await new LambdaClient({}).send(
    new InvokeCommand({
      FunctionName: event.target ?? env.TARGET,
      InvocationType: event.call,
      Payload: JSON.stringify(payload),
      ...(event.log_type ? { LogType: event.log_type } : {}),
    }),
  );
  return {
    status: response.StatusCode,
    payload: Buffer.from(response.Payload ?? []).toString(),
    ...(response.ExecutedVersion ? { version: response.ExecutedVersion } : {}),
    ...(response.FunctionError ? { function_error: response.FunctionError } : {}),
    ...(response.LogResult ? { log: Buffer.from(response.LogResult, "base64").toString() } : {}),
  };
};

const calls = {
  DryRun: invoke,
  Event: invoke,
  RequestResponse: invoke,
  SendMessage: async (event) => {
    const response = await new SQSClient({}).send(
      new SendMessageCommand({ QueueUrl: env.QUEUE_URL, MessageBody: JSON.stringify(event.body) }),
    );
    return { message_id: response.MessageId, md5: response.MD5OfMessageBody };
  },
  Publish: async (event) => {
    const response = await new SNSClient({}).send(
      new PublishCommand({ TopicArn: env.TOPIC_ARN, Message: JSON.stringify(event.body) }),
    );
    return { message_id: response.MessageId };
  },
  PutEvents: async (event) => {
    const entry = { Source: "prober", DetailType: "probe", Detail: JSON.stringify(event.body), EventBusName: env.BUS };
    const response = await new EventBridgeClient({}).send(new PutEventsCommand({ Entries: [entry] }));
    return { failed: response.FailedEntryCount, entries: response.Entries.length };
  },
  PutObject: async (event) => {
    const response = await s3(event).send(
      new PutObjectCommand({
        Bucket: env.BUCKET,
        Key: event.key,
        Body: text(event.body),
        ContentType: event.content_type ?? "application/json",
      }),
    );
    return { stored: event.key, etag: response.ETag };
  },
  GetObject: async (event) => {
    const response = await s3(event).send(new GetObjectCommand({ Bucket: env.BUCKET, Key: event.key }));
    return {
      body: await response.Body.transformToString(),
      content_type: response.ContentType,
      etag: response.ETag,
      length: response.ContentLength,
      last_modified: response.LastModified.toISOString(),
    };
  },
  ListObjectsV2: async (event) => {
    const response = await s3(event).send(
      new ListObjectsV2Command({
        Bucket: env.BUCKET,
        Prefix: event.prefix ?? "",
        MaxKeys: event.max_keys,
        StartAfter: event.start_after || undefined,
        ContinuationToken: event.token || undefined,
      }),
    );
    return {
      keys: (response.Contents ?? []).map((item) => item.Key),
      count: response.KeyCount,
      truncated: response.IsTruncated,
      next: response.NextContinuationToken ?? null,
    };
  },
  PutItem: async (event) => {
    await new DynamoDBClient({}).send(new PutItemCommand({ TableName: env.TABLE, Item: event.item }));
    return {};
  },
  GetItem: async (event) => {
    const response = await new DynamoDBClient({}).send(new GetItemCommand({ TableName: env.TABLE, Key: event.key }));
    return { item: response.Item ?? null };
  },
  CreateQueue: async (event) => {
    await new SQSClient({}).send(new CreateQueueCommand({ QueueName: event.name }));
    return {};
  },
};

export const handler = async (event) => {
  const call = calls[event.call];
  if (call === undefined) throw new Error(`unknown call ${JSON.stringify(event.call)}`);
  try {
    return await call(event);
  } catch (error) {
    if (error.$metadata === undefined) throw error;
    return { error: error.name, message: error.message };
  }
};
