// Hands its work on: records each hop in DynamoDB, then invokes itself asynchronously (SDK v3,
// provided by the runtime) until the hop count is reached.
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";

const dynamodb = new DynamoDBClient({});
const lambda = new LambdaClient({});

export const handler = async (event, context) => {
  const hop = event.hop ?? 0;
  await dynamodb.send(
    new PutItemCommand({
      TableName: process.env.TABLE_NAME,
      Item: { chain: { S: event.chain }, hop: { N: String(hop) } },
    }),
  );
  if (hop + 1 >= event.hops) return { chain: event.chain, finished: hop };
  const response = await lambda.send(
    new InvokeCommand({
      FunctionName: context.functionName,
      InvocationType: "Event",
      Payload: JSON.stringify({ ...event, hop: hop + 1 }),
    }),
  );
  return { chain: event.chain, handedOff: hop + 1, status: response.StatusCode };
};
