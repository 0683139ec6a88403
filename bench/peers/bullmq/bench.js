'use strict';
// P-JOBS peer: BullMQ 6 run in the shape of com.hushryd.bench.JobsBench, on the same Redis, printing the same line.
// For each concurrency C: (1) throughput: C producers (async loops, each awaiting one Queue.add at a time) add no-op
// jobs flat out for S seconds while one Worker with concurrency C runs them, then the queue drains; enqueue/s = jobs
// added / producing time, processed/s = jobs run / (producing + draining time). (2) latency: C producers each keep one
// job in flight (add, wait until the handler ran, repeat) for S seconds; latency = add called -> handler ran, stopped
// in the handler as JobsBench stops it (the job carries the add's process.hrtime, CLOCK_MONOTONIC on Linux, the same
// clock in both processes; the IPC hop back to this process is not in the figure).
// The Worker runs in a child process (worker.js), so that producers and worker each have a thread, as the JVM gives
// JobsBench's producer threads and worker; handler runs are reported to this process over IPC. Jobs use
// removeOnComplete (JobsBench: removeOnComplete=0) and removeOnFail 100, and HushRyd's retry defaults (3 attempts,
// exponential backoff from 2 s; never used by a no-op job, but they make the same work per add). Prints numbers only.
//   REDIS_URL=redis://127.0.0.1:6379 node bench.js [--concurrency 1,8,32] [--seconds 5] [--warmup 3]
const { fork } = require('child_process');
const path = require('path');
const { Queue } = require('bullmq');

const opts = { concurrency: '1,8,32', seconds: '5', warmup: '3' };
for (let i = 2; i + 1 < process.argv.length; i += 2) {
  opts[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
const measured = Number(opts.seconds);
const warmup = Number(opts.warmup);
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const connection = require('./connection')(redisUrl);

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function run(concurrency, seconds, print) {
  const name = `hushryd-bench-bullmq-${Math.random().toString(36).slice(2, 8)}-${concurrency}`;
  const queue = new Queue(name, { connection });
  await queue.waitUntilReady();
  const worker = fork(path.join(__dirname, 'worker.js'), [name, String(concurrency), redisUrl]);
  let processed = 0;
  let workerCpu = 0; // the worker process's user + system CPU, microseconds, as last reported
  const waiting = new Map(); // producer index -> resolve of its in-flight latency job
  await new Promise((resolve, reject) => {
    worker.on('message', (m) => {
      if (m.ready) resolve();
      if (m.processed !== undefined) processed = m.processed;
      if (m.cpu !== undefined) workerCpu = m.cpu;
      if (m.done !== undefined) {
        const r = waiting.get(m.done);
        if (r) { waiting.delete(m.done); r(m.ms); }
      }
    });
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  const jobOpts = { removeOnComplete: true, removeOnFail: 100, attempts: 3,
    backoff: { type: 'exponential', delay: 2000 } };

  let enqueued = 0;
  const cpu0 = process.cpuUsage();
  const workerCpu0 = workerCpu;
  const start = process.hrtime.bigint();
  const stopAt = start + BigInt(seconds) * 1000000000n;
  const producers = [];
  for (let i = 0; i < concurrency; i++) {
    producers.push((async () => {
      while (process.hrtime.bigint() < stopAt) {
        await queue.add('noop', {}, jobOpts);
        enqueued++;
      }
    })());
  }
  await Promise.all(producers);
  const enqueueSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const drainDeadline = Date.now() + 120000;
  while (processed < enqueued && Date.now() < drainDeadline) {
    await sleep(5);
  }
  const processSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const throughputJobs = processed;
  await sleep(10); // the worker's next report carries its CPU up to the end of the drain
  const cpu = process.cpuUsage(cpu0);
  // both processes' CPU (producers, worker) over the throughput phase, per job run
  const cpuPerJob = throughputJobs ? (cpu.user + cpu.system + workerCpu - workerCpu0) / throughputJobs : 0;

  const latencies = [];
  const latencyStop = process.hrtime.bigint() + BigInt(seconds) * 1000000000n;
  const loops = [];
  for (let i = 0; i < concurrency; i++) {
    loops.push((async () => {
      while (process.hrtime.bigint() < latencyStop) {
        const ran = new Promise((r) => waiting.set(i, r));
        await queue.add('noop', { p: i, t: String(process.hrtime.bigint()) }, jobOpts);
        latencies.push(await ran);
      }
    })());
  }
  await Promise.all(loops);
  latencies.sort((a, b) => a - b);
  const line = `${'bullmq'.padEnd(9)} ${String(concurrency).padStart(5)} ` +
    `${(enqueued / enqueueSeconds).toFixed(0).padStart(12)} ${(throughputJobs / processSeconds).toFixed(0).padStart(12)} ` +
    `${percentile(latencies, 50).toFixed(2).padStart(9)} ${percentile(latencies, 99).toFixed(2).padStart(9)} ` +
    `${(latencies.length ? latencies[latencies.length - 1] : 0).toFixed(1).padStart(9)} ${String(throughputJobs).padStart(8)}` +
    ` ${cpuPerJob.toFixed(1).padStart(9)}` +
    (throughputJobs < enqueued ? '  (drain timed out)' : '');
  if (print) console.log(line);
  worker.removeAllListeners('exit');
  worker.send({ stop: true });
  await new Promise((r) => worker.once('exit', r));
  await queue.obliterate({ force: true });
  await queue.close();
}

async function main() {
  const { version } = require('bullmq/package.json');
  console.log(`# BullMQ ${version} no-op jobs, ${measured} s per run, node ${process.version}, worker in a child process`);
  console.log(`${'backend'.padEnd(9)} ${'conc'.padStart(5)} ${'enqueue/s'.padStart(12)} ${'processed/s'.padStart(12)} ` +
    `${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'max ms'.padStart(9)} ${'jobs'.padStart(8)} ${'cpu us/job'.padStart(9)}`);
  const levels = opts.concurrency.split(',').map((c) => Number(c.trim()));
  if (warmup > 0) {
    // an unmeasured run first at the highest concurrency, as JobsBench does (JIT warm-up on both sides)
    await run(Math.max(...levels), warmup, false);
  }
  for (const c of levels) {
    await run(c, measured, true);
  }
}

main().then(() => process.exit(0), (e) => {
  console.error('bullmq bench failed:', e);
  process.exit(1);
});
