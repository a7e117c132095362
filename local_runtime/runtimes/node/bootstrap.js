'use strict';
// The local runtime's Node.js runtime client: one per execution environment (process).
//
// It talks to the engine through the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API
// (GET /runtime/invocation/next, POST .../{id}/response, .../{id}/error, /runtime/init/error) and
// loads the handler named by _HANDLER from LAMBDA_TASK_ROOT the way AWS's Node.js runtimes do:
// "dir/module.export.nested"; a module file as written, then .js (CommonJS unless the nearest
// package.json says "type": "module"), .mjs, .cjs, then Node's own resolution; failures are
// Runtime.MalformedHandlerName, Runtime.ImportModuleError, Runtime.UserCodeSyntaxError or
// Runtime.HandlerNotFound. The engine enforces the timeout: it stops this process.
// Log lines go to stdout as Lambda writes them: "<time>\t<request id>\t<LEVEL>\t<message>".

const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

const [HOST, PORT] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const TASK_ROOT = process.env.LAMBDA_TASK_ROOT;
const RUNTIME = '/2018-06-01/runtime';
const END_OF_INVOCATION = '\u001e'; // a line the engine waits for: everything logged before it is in the pipe
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

let currentRequestId = '';

function rapid(method, route, body, headers = {}) {
  const payload = body === undefined ? '' : body;
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: HOST,
        port: PORT,
        method,
        path: RUNTIME + route,
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(payload) },
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

// --- logs ------------------------------------------------------------------------------------------

function write(line) {
  fs.writeSync(1, line.endsWith('\n') ? line : `${line}\n`);
}

function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      const message = util.format(...args).replace(/\n/g, '\r');
      write(`${new Date().toISOString()}\t${currentRequestId || 'undefined'}\t${level}\t${message}`);
    };
  }
}

// --- errors ----------------------------------------------------------------------------------------

class RuntimeError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = `Runtime.${kind}`;
  }
}

function errorPayload(error) {
  if (error instanceof Error || (error && typeof error.name === 'string' && typeof error.stack === 'string')) {
    return { errorType: error.name, errorMessage: error.message, trace: String(error.stack).split('\n') };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

// --- AWS calls -------------------------------------------------------------------------------------

// Every request to an AWS host goes to the engine's endpoint (AWS_ENDPOINT_URL), whatever endpoint the
// SDK was given and whatever host a queue URL names (SDK v3 sends SQS calls to the queue URL's host).
// The original host travels in x-lambda-local-host, for what it says (a bucket, a queue's region).
const AWS_HOST = /(^|\.)(amazonaws\.com(\.cn)?|api\.aws)$/i;

function keepAwsCallsLocal() {
  const endpoint = new URL(process.env.AWS_ENDPOINT_URL);
  const agent = new http.Agent({ keepAlive: true });
  const redirect = (original) =>
    function request(...args) {
      let [first, second, third] = args;
      let options = first;
      if (typeof first === 'string' || first instanceof URL) {
        const url = new URL(first);
        options = { protocol: url.protocol, hostname: url.hostname, port: url.port, path: url.pathname + url.search };
        if (typeof second === 'object' && second !== null) options = { ...options, ...second };
        else third = second;
      } else {
        third = second;
      }
      const host = String(options.hostname || options.host || '').replace(/:\d+$/, '');
      if (!AWS_HOST.test(host)) return original.apply(this, args);
      const headers = { ...(options.headers || {}), 'x-lambda-local-host': host };
      const local = {
        ...options,
        protocol: 'http:',
        host: undefined,
        hostname: endpoint.hostname,
        port: endpoint.port,
        agent,
        headers,
      };
      return originalHttpRequest(local, third);
    };
  const originalHttpRequest = http.request;
  const https = require('https');
  https.request = redirect(https.request);
  http.request = redirect(http.request);
  for (const module of [http, https]) {
    module.get = function get(...args) {
      const req = module.request(...args);
      req.end();
      return req;
    };
  }
}

// --- the handler -----------------------------------------------------------------------------------

function isTypeModule(folder) {
  for (let dir = folder; ; dir = path.dirname(dir)) {
    if (dir.endsWith(`${path.sep}node_modules`)) return false;
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        return JSON.parse(fs.readFileSync(manifest, 'utf8')).type === 'module';
      } catch (error) {
        return false;
      }
    }
    if (dir === path.dirname(dir)) return false;
  }
}

async function loadModule(file, name, paths) {
  if (fs.existsSync(file) && fs.statSync(file).isFile()) return require(file);
  const js = `${file}.js`;
  const esm = fs.existsSync(js) && isTypeModule(path.dirname(js));
  if (fs.existsSync(js)) return esm ? import(pathToFileURL(js).href) : require(js);
  if (fs.existsSync(`${file}.mjs`)) return import(pathToFileURL(`${file}.mjs`).href);
  if (fs.existsSync(`${file}.cjs`)) return require(`${file}.cjs`);
  return require(require.resolve(name, { paths }));
}

async function loadHandler(handler) {
  if (handler.includes('..')) {
    throw new RuntimeError(
      'MalformedHandlerName',
      `'${handler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const base = path.basename(handler);
  const moduleRoot = handler.slice(0, handler.length - base.length);
  const match = /^([^.]*)\.(.*)$/.exec(base);
  if (!match) throw new RuntimeError('MalformedHandlerName', 'Bad handler');
  const [, moduleName, exportPath] = match;
  let module;
  try {
    module = await loadModule(path.resolve(TASK_ROOT, moduleRoot, moduleName), moduleName, [
      TASK_ROOT,
      path.resolve(TASK_ROOT, moduleRoot),
    ]);
  } catch (error) {
    if (error instanceof SyntaxError) throw new RuntimeError('UserCodeSyntaxError', String(error));
    if (error && (error.code === 'MODULE_NOT_FOUND' || error.code === 'ERR_MODULE_NOT_FOUND')) {
      throw new RuntimeError('ImportModuleError', String(error));
    }
    throw error;
  }
  const found = exportPath.split('.').reduce((value, key) => value && value[key], module);
  if (!found) throw new RuntimeError('HandlerNotFound', `${handler} is undefined or not exported`);
  if (typeof found !== 'function') throw new RuntimeError('HandlerNotFound', `${handler} is not a function`);
  return found;
}

// --- one invocation --------------------------------------------------------------------------------

function context(headers, finish) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const outcome = (error, value) => (error != null ? { error } : { value });
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // The legacy completion methods answer at once.
    succeed: (value) => finish(outcome(null, value)),
    fail: (error) => finish(outcome(error == null ? '' : error)),
    done: (error, value) => finish(outcome(error, value)),
  };
}

// An async handler's answer is what its promise settles to. A callback handler's is what it passes
// to the callback, sent once the event loop is empty (unless callbackWaitsForEmptyEventLoop is set
// false), or null if the loop empties without a call. Node's 'beforeExit' is the empty loop.
function invoke(handler, event, headers) {
  return new Promise((resolve) => {
    let done = false;
    let waiting = null; // a callback's outcome, held until the event loop is empty
    let isAsync = false;
    const finish = (outcome) => {
      if (done) return;
      done = true;
      process.removeListener('beforeExit', onEmptyLoop);
      resolve(outcome);
    };
    const onEmptyLoop = () => {
      if (isAsync && !waiting) {
        finish({ error: new RuntimeError('NodeJsExit', 'the event loop emptied before the handler\'s promise settled') });
      } else {
        finish(waiting || { value: null });
      }
    };
    process.on('beforeExit', onEmptyLoop);
    const ctx = context(headers, finish);
    const callback = (error, value) => {
      const outcome = error != null ? { error } : { value };
      if (ctx.callbackWaitsForEmptyEventLoop) waiting = outcome;
      else finish(outcome);
    };
    try {
      const returned = handler(event, ctx, callback);
      if (returned && typeof returned.then === 'function') {
        isAsync = true;
        returned.then(
          (value) => finish({ value }),
          (error) => finish({ error: error == null ? new Error(String(error)) : error }),
        );
      }
    } catch (error) {
      finish({ error });
    }
  });
}

async function post(requestId, outcome) {
  let route = `/invocation/${requestId}/response`;
  let body;
  let headers = {};
  if (outcome.error === undefined) {
    try {
      body = outcome.value === undefined ? 'null' : JSON.stringify(outcome.value);
    } catch (error) {
      outcome = { error: new RuntimeError('MarshalError', `Unable to stringify response body: ${error.message}`) };
    }
  }
  if (outcome.error !== undefined) {
    const payload = errorPayload(outcome.error);
    console.error(`Invoke Error \t${JSON.stringify(payload)}`);
    route = `/invocation/${requestId}/error`;
    body = JSON.stringify(payload);
    headers = { 'lambda-runtime-function-error-type': payload.errorType };
  }
  write(END_OF_INVOCATION + requestId);
  await rapid('POST', route, body, headers);
}

async function main() {
  patchConsole();
  keepAwsCallsLocal();
  let handler;
  try {
    handler = await loadHandler(process.env._HANDLER);
  } catch (error) {
    const payload = errorPayload(error);
    console.error(`INIT ERROR\t${JSON.stringify(payload)}`);
    await rapid('POST', '/init/error', JSON.stringify(payload), { 'lambda-runtime-function-error-type': payload.errorType });
    process.exit(1);
  }
  // What the handler leaves unhandled ends this environment, as on Lambda: the engine starts another.
  const fail = (error) => {
    const payload = errorPayload(error);
    console.error(`${payload.errorType}\t${JSON.stringify(payload)}`);
    write(END_OF_INVOCATION + currentRequestId);
    rapid('POST', `/invocation/${currentRequestId}/error`, JSON.stringify(payload), {
      'lambda-runtime-function-error-type': payload.errorType,
    }).finally(() => process.exit(129));
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', (reason) => fail(new RuntimeError('UnhandledPromiseRejection', String(reason))));
  for (;;) {
    const next = await rapid('GET', '/invocation/next');
    currentRequestId = next.headers['lambda-runtime-aws-request-id'];
    const outcome = await invoke(handler, JSON.parse(next.body), next.headers);
    await post(currentRequestId, outcome);
  }
}

main();
