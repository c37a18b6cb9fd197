// A Forwarder on a worker thread. Publishing (Hubble JSON, the local log) and forwarding (reading
// the log back, encoding record batches, the socket) each take a few microseconds per flow, and
// on one event loop their costs add up; the local log is plain files, so the forwarder can read
// it from another thread with nothing shared but the directory. Stats arrive by message every
// 20 ms, so `stats` lags the worker by that much.
import { Worker } from 'node:worker_threads';
import { SluiceError, type ErrorCode } from '../../errors.js';
import type { ForwarderOptions, ForwarderStats } from './forwarder.js';
import type { KafkaConnectOptions } from './kafkaClient.js';

export type ForwarderWorkerData = Omit<ForwarderOptions, 'client' | 'onError'> & { connect: KafkaConnectOptions };

export type ForwarderWorkerMessage =
  | { stats: ForwarderStats }
  | { error: { code: ErrorCode; message: string } }
  | { stopped: true; stats: ForwarderStats };

export interface ForwarderThreadOptions extends ForwarderWorkerData {
  onError?: (err: SluiceError) => void;
}

export class ForwarderThread {
  stats: ForwarderStats = { forwarded: { flows: 0, dns: 0, 'policy-changes': 0 }, lost: 0, failedSends: 0, lastError: null };
  private worker: Worker | null = null;
  private exited: Promise<void> | null = null;

  constructor(private readonly options: ForwarderThreadOptions) {}

  start(): void {
    if (this.worker) return;
    const { onError, ...data } = this.options;
    const worker = new Worker(new URL('./forwarderWorker.js', import.meta.url), { workerData: data });
    worker.on('message', (m: ForwarderWorkerMessage) => {
      if ('stats' in m) this.stats = m.stats;
      // The forwarder has stopped and disconnected: nothing of the thread is needed any more.
      if ('stopped' in m) void worker.terminate();
      if ('error' in m) onError?.(new SluiceError(m.error.code, m.error.message, { retriable: true }));
    });
    this.exited = new Promise((resolve, reject) => {
      worker.on('error', (cause) => reject(new SluiceError('ERR_KAFKA_PUBLISH', `forwarder thread: ${cause.message}`, { cause })));
      worker.on('exit', () => resolve());
    });
    this.worker = worker;
  }

  /** Stops the forwarder (it finishes the batch in flight) and waits for the thread to end. */
  async stop(): Promise<void> {
    if (!this.worker) return;
    this.worker.postMessage('stop');
    await this.exited;
    this.worker = null;
  }
}
