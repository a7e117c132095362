// An ES module handler: module state lives on between warm invocations.
let invocations = 0;

export const handler = async (event, context) => {
  invocations += 1;
  console.log(`invocation ${invocations} of ${context.functionName}`);
  return {
    invocations,
    event,
    context: {
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      awsRequestId: context.awsRequestId,
      logGroupName: context.logGroupName,
      remainingBelowTimeout: context.getRemainingTimeInMillis() <= 3000 && context.getRemainingTimeInMillis() > 0,
    },
  };
};

export const thrower = async () => {
  throw new TypeError("the order has no items");
};

// Counts its warm invocations, and sleeps as long as the event asks.
export const slow = async (event) => {
  invocations += 1;
  if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  return { invocations };
};
