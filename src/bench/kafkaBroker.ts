// The local broker of scripts/kafka.sh as the benchmarks use it: found running, or started here
// and then stopped here again. A broker someone else started (a test run, the demo, another
// benchmark) is left as it was found, so a benchmark never pulls Kafka from under them.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SluiceError } from '../errors.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function kafkaScript(command: 'start' | 'stop' | 'status'): { status: number | null; output: string } {
  const r = spawnSync('bash', ['scripts/kafka.sh', command], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/** True when the broker answers a metadata request. */
export const kafkaBrokerAnswers = (): boolean => kafkaScript('status').status === 0;

/** The broker's process id as scripts/kafka.sh reports it, when one runs. */
export function kafkaBrokerPid(): number | undefined {
  const r = kafkaScript('status');
  const m = r.status === 0 ? /\bpid (\d+)/.exec(r.output) : null;
  return m ? Number(m[1]) : undefined;
}

export function startKafkaBroker(): void {
  const r = kafkaScript('start');
  if (r.status !== 0) throw new SluiceError('ERR_KAFKA_BROKER', `start broker: ${r.output.split('\n').at(-1) ?? 'failed'}`, { details: r.output });
}

export function stopKafkaBroker(): void {
  const r = kafkaScript('stop');
  if (r.status !== 0) throw new SluiceError('ERR_KAFKA_BROKER', `stop broker: ${r.output.split('\n').at(-1) ?? 'failed'}`, { details: r.output });
}

/**
 * start or stop without blocking the event loop (a controlled shutdown takes seconds), for the
 * outage run, which keeps publishing meanwhile.
 */
export function kafkaScriptAsync(command: 'start' | 'stop'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/kafka.sh', command], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('error', (cause) => reject(new SluiceError('ERR_KAFKA_BROKER', `${command} broker: ${cause.message}`, { cause })));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new SluiceError('ERR_KAFKA_BROKER', `${command} broker: ${output.trim().split('\n').at(-1) ?? `exit ${code}`}`, { details: output }));
    });
  });
}

export interface BrokerLease {
  /** True when this lease started the broker (and release() will stop it). */
  readonly startedHere: boolean;
  release(): void;
}

/** Makes sure a broker answers on 127.0.0.1:9092, starting one if none does. */
export function acquireKafkaBroker(): BrokerLease {
  if (kafkaBrokerAnswers()) return { startedHere: false, release: () => undefined };
  startKafkaBroker();
  let released = false;
  return {
    startedHere: true,
    release() {
      if (released) return;
      released = true;
      stopKafkaBroker();
    },
  };
}
