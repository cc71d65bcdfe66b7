// BullMQ side of dev.courier.bench.PeerBenchmark: no-op job work rate on Redis.
//
//   node bench.mjs --jobs 50000 --concurrency 16 [--host 127.0.0.1] [--port 6379] [--db 9]
//
// FLUSHDBs the given Redis database index (and only it), adds the jobs with Queue.addBulk in chunks
// of 1,000, then starts one Worker with the given concurrency and a no-op processor, and measures
// from the first processor start to the N-th `completed` event. Completed jobs are kept (BullMQ's
// default, as Courier keeps its completed rows). Prints one JSON line on stdout; anything else goes
// to stderr. Exit code 0 on success, 2 when Redis cannot be reached.
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function arg(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const jobs = Number(arg('jobs', '50000'));
const concurrency = Number(arg('concurrency', '16'));
const host = arg('host', '127.0.0.1');
const port = Number(arg('port', '6379'));
const db = Number(arg('db', '9'));
const timeoutSeconds = Number(arg('timeout', '600'));
const queueName = 'peerbench';
const connection = { host, port, db, maxRetriesPerRequest: null };

function info(text, key) {
  const m = text.match(new RegExp('^' + key + ':(.*)$', 'm'));
  return m ? m[1].trim() : null;
}

const admin = new IORedis({ ...connection, lazyConnect: true, retryStrategy: () => null });
try {
  await admin.connect();
  await admin.ping();
} catch (e) {
  console.log(JSON.stringify({ error: 'redis unreachable at ' + host + ':' + port + ': ' + e.message }));
  process.exit(2);
}
await admin.flushdb(); // this database index only
const server = await admin.info('server');
const persistence = await admin.info('persistence');
let appendfsync = null;
try {
  appendfsync = (await admin.config('GET', 'appendfsync'))[1];
} catch (e) {
  appendfsync = 'unknown (CONFIG GET refused: ' + e.message + ')';
}

const queue = new Queue(queueName, { connection });
const enqueueStart = process.hrtime.bigint();
for (let i = 0; i < jobs; i += 1000) {
  const chunk = [];
  for (let j = i; j < Math.min(jobs, i + 1000); j++) {
    chunk.push({ name: 'noop', data: { n: j } });
  }
  await queue.addBulk(chunk);
}
const enqueueSeconds = Number(process.hrtime.bigint() - enqueueStart) / 1e9;
const waiting = await queue.getWaitingCount();
if (waiting !== jobs) {
  console.log(JSON.stringify({ error: `expected ${jobs} waiting jobs, found ${waiting}` }));
  process.exit(1);
}

let first = 0n;
let last = 0n;
let completed = 0;
let failed = 0;
let resolveDone;
const done = new Promise((resolve) => (resolveDone = resolve));
const worker = new Worker(
  queueName,
  async () => {
    if (first === 0n) first = process.hrtime.bigint();
  },
  { connection, concurrency, autorun: false },
);
worker.on('completed', () => {
  if (++completed === jobs) {
    last = process.hrtime.bigint();
    resolveDone();
  }
});
worker.on('failed', (job, err) => {
  failed++;
  console.error('failed', job && job.id, err && err.message);
});
worker.on('error', (err) => console.error('worker error', err && err.message));
worker.run();
const timer = setTimeout(() => resolveDone(), timeoutSeconds * 1000);
await done;
clearTimeout(timer);
await worker.close();
const counts = await queue.getJobCounts('completed', 'waiting', 'active', 'failed');
await queue.close();
await admin.flushdb();
await admin.quit();

const seconds = Number(last - first) / 1e9;
const result = {
  system: 'bullmq',
  bullmq: require('bullmq/package.json').version,
  ioredis: require('ioredis/package.json').version,
  node: process.version,
  redis: info(server, 'redis_version'),
  aof_enabled: info(persistence, 'aof_enabled'),
  appendfsync,
  db,
  jobs,
  concurrency,
  completed,
  failed,
  counts,
  enqueueSeconds,
  seconds: last === 0n ? null : seconds,
  jobsPerSecond: last === 0n ? null : jobs / seconds,
};
if (last === 0n) result.error = `only ${completed} of ${jobs} completed in ${timeoutSeconds} s`;
console.log(JSON.stringify(result));
process.exit(last === 0n ? 1 : 0);
