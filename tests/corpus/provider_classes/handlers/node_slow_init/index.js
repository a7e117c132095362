// Its module takes 1.5 s to load, longer than its function's 1 s timeout: Lambda's init phase has
// 10 s of its own, and the timeout counts from the first event.
const loadedAt = Date.now();
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
const initMs = Date.now() - loadedAt;

exports.handler = async (event, context) => ({ initMs, remainingMs: context.getRemainingTimeInMillis() });
