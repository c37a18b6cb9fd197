// The worker-thread side of ForwarderThread (forwarderThread.ts): runs a Forwarder on its own
// event loop and reports its stats to the parent. In: workerData (ForwarderWorkerData) and a
// 'stop' message. Out: { stats } every STATS_MS, { error } per failed send, { stopped, stats }.
import { parentPort, workerData } from 'node:worker_threads';
import { Forwarder } from './forwarder.js';
import type { ForwarderWorkerData, ForwarderWorkerMessage } from './forwarderThread.js';
import { createKafkaClient } from './kafkaClient.js';
import { nameThisThread } from '../../threadName.js';

nameThisThread('sluice-kafka');

const STATS_MS = 20;
const data = workerData as ForwarderWorkerData;
const port = parentPort!;
const post = (m: ForwarderWorkerMessage) => port.postMessage(m);

const { connect, ...options } = data;
const forwarder = new Forwarder({
  ...options,
  client: createKafkaClient(connect),
  onError: (e) => post({ error: { code: e.code, message: e.message } }),
});
forwarder.start();
const timer = setInterval(() => post({ stats: forwarder.stats }), STATS_MS);
port.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  void forwarder.stop().then(() => {
    post({ stopped: true, stats: forwarder.stats });
    port.close();
  });
});
