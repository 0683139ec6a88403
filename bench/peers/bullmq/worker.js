'use strict';
// The Worker side of bench.js: one BullMQ Worker with concurrency C and a no-op handler. Reports the count of jobs
// run (every 5 ms while it changes) and, at once, each latency job ({p: producer}) to the parent over IPC.
//   node worker.js <queue> <concurrency> <redis url>   (forked by bench.js)
const { Worker } = require('bullmq');

const [name, concurrency, redisUrl] = process.argv.slice(2);
const connection = require('./connection')(redisUrl);

let processed = 0;
let reported = -1;
const worker = new Worker(name, async (job) => {
  processed++;
  if (job.data.p !== undefined) {
    process.send({ done: job.data.p });
  }
}, { connection, concurrency: Number(concurrency) });

const timer = setInterval(() => {
  if (processed !== reported) {
    reported = processed;
    process.send({ processed });
  }
}, 5);

worker.waitUntilReady().then(() => process.send({ ready: true }));

process.on('message', async (m) => {
  if (m.stop) {
    clearInterval(timer);
    await worker.close();
    process.exit(0);
  }
});
