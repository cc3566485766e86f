// A thread body for the pool's concurrency test: reports when it ran, sleeping task.fetchSize ms.
module.exports = async function run({ task, port }) {
  const started = Date.now();
  await new Promise((r) => setTimeout(r, task.fetchSize));
  port.close();
  return { rows: 0, segments: [], rowsReadNow: 0, readStartedAt: String(started), readEndedAt: String(Date.now()) };
};
