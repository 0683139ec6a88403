'use strict';
// The Worker side of bench.js: one BullMQ Worker with concurrency C and a no-op handler. Reports the count of jobs
// run (every 5 ms while it changes) and, at once, each latency job ({p: producer, t: hrtime of its add}) with its
// add-to-handler latency to the parent over IPC.
//   node worker.js <queue> <concurrency> <redis url>   (forked by bench.js)
const { Worker } = require('bullmq');

const [name, concurrency, redisUrl] = process.argv.slice(2);
const connection = require('./connection')(redisUrl);

let processed = 0;
let reported = -1;
const worker = new Worker(name, async (job) => {
  processed++;
  if (job.data.p !== undefined) {
    // latency stopped here, in the handler, as JobsBench stops it (hrtime is CLOCK_MONOTONIC: one clock for both
    // processes)
    process.send({ done: job.data.p, ms: Number(process.hrtime.bigint() - BigInt(job.data.t)) / 1e6 });
  }
}, { connection, concurrency: Number(concurrency) });

const timer = setInterval(() => {
  if (processed !== reported) {
    reported = processed;
    const cpu = process.cpuUsage();
    process.send({ processed, cpu: cpu.user + cpu.system });
  }
}, 5);

worker.waitUntilReady().then(() => {
  const cpu = process.cpuUsage();
  process.send({ ready: true, cpu: cpu.user + cpu.system });
});

process.on('message', async (m) => {
  if (m.stop) {
    clearInterval(timer);
    await worker.close();
    process.exit(0);
  }
});
