// A thread body for the liveness test: on its first dispatch it reports a checkpoint and
// then blocks its event loop for good (no more pings); dispatched again with that
// checkpoint, it finishes. Only the watchdog's termination can end the first attempt.
module.exports = async function run({ task, port }) {
  if (task.checkpoint && task.checkpoint.rows === 5 && task.where !== 'hang-always') {
    port.postMessage({ checkpoint: { rows: 10, segments: [], lastKey: ['10'] } });
    port.close();
    return { rows: 10, segments: [], lastKey: ['10'], rowsReadNow: 5, readStartedAt: '', readEndedAt: '' };
  }
  port.postMessage({ checkpoint: { rows: 5, segments: [], lastKey: ['5'] } });
  await new Promise((r) => setTimeout(r, 50));
  for (;;) { /* hung */ }
};
