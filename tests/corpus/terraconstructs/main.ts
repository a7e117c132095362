// A TerraConstructs app as its users write one: NodejsFunctions wired with destinations.
// Synthesized by tests/corpus/make.py (tsc, then node build/main.js) into ./synthesized.
import * as path from "path";
import { App, LocalBackend } from "cdktf";
import { aws } from "terraconstructs";

const handlers = path.resolve(__dirname, "..", "handlers");
const app = new App({ outdir: process.env.CORPUS_OUTDIR ?? "synthesized" });

function stack(id: string): aws.AwsStack {
  const s = new aws.AwsStack(app, id, {
    gridUUID: `12345678-${id}`,
    environmentName: "test",
    providerConfig: { region: "us-east-1" },
  });
  new LocalBackend(s, { path: `terraform.${id}.tfstate` });
  return s;
}

function nodejs(s: aws.AwsStack, id: string, entry: string, options: Partial<aws.compute.NodejsFunctionProps> = {}) {
  return new aws.compute.NodejsFunction(s, id, { path: path.join(handlers, entry), ...options });
}

// A: First -> Second on success (the whole invocation record); failures to a queue.
{
  const s = stack("A");
  const second = nodejs(s, "Second", "second.ts");
  const failures = new aws.notify.Queue(s, "Failures", {});
  nodejs(s, "First", "first.ts", {
    onSuccess: new aws.compute.destinations.FunctionDestination(second),
    onFailure: new aws.compute.destinations.SqsDestination(failures),
    retryAttempts: 1,
  });
}

// B: First -> an SQS queue on success; failures to Second.
{
  const s = stack("B");
  const second = nodejs(s, "Second", "second.ts");
  const results = new aws.notify.Queue(s, "Results", {});
  nodejs(s, "First", "first.ts", {
    onSuccess: new aws.compute.destinations.SqsDestination(results),
    onFailure: new aws.compute.destinations.FunctionDestination(second),
    retryAttempts: 0,
  });
}

// C: the response payload only, through EventBridge rules, to Second: on success and on failure.
{
  const s = stack("C");
  const second = nodejs(s, "Second", "second.ts");
  nodejs(s, "First", "first.ts", {
    onSuccess: new aws.compute.destinations.FunctionDestination(second, { responseOnly: true }),
    onFailure: new aws.compute.destinations.FunctionDestination(second, { responseOnly: true }),
    retryAttempts: 0,
  });
}

app.synth();
