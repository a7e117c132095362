// Second: logs what it received (a Lambda invocation record, or a bare response payload).
export const handler = async (event: Record<string, unknown>) => {
  const shape = "requestContext" in event && "responsePayload" in event ? "invocation-record" : "response-payload";
  console.log(JSON.stringify({ message: "received", shape, event }));
  return { accepted: true, shape };
};
