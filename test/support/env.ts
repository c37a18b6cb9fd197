// Gates for system tests. A missing feature on a user's machine skips with a stated reason;
// under CI=true nothing skips: the same condition fails the test, so a green CI means it ran.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { describe } from 'vitest';

export const inCI = process.env.CI === 'true';

export function kernelUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (BPF, namespaces)';
  return undefined;
}

/** describe() for tests that need root, BPF and namespaces. */
export function describeKernel(name: string, fn: () => void): void {
  const reason = kernelUnavailableReason();
  if (reason !== undefined && inCI) {
    describe(name, () => {
      throw new Error(`${name}: ${reason}, and CI=true does not allow skipping`);
    });
    return;
  }
  describe.skipIf(reason !== undefined)(reason === undefined ? name : `${name} (skipped: ${reason})`, fn);
}

/** The first of `paths` that is missing or not executable, as a skip reason. */
export function missingToolReason(paths: readonly string[]): string | undefined {
  for (const path of paths) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      return `needs ${path}`;
    }
  }
  return undefined;
}

/** describe() for tests that run installed programs (dig, dnsmasq); under CI=true a missing one fails. */
export function describeWithTools(name: string, paths: readonly string[], fn: () => void): void {
  const reason = missingToolReason(paths);
  if (reason !== undefined && inCI) {
    describe(name, () => {
      throw new Error(`${name}: ${reason}, and CI=true does not allow skipping`);
    });
    return;
  }
  describe.skipIf(reason !== undefined)(reason === undefined ? name : `${name} (skipped: ${reason})`, fn);
}

/** Why the Kafka broker of scripts/kafka.sh cannot be used here, or undefined when it answers. */
export function kafkaUnavailableReason(broker = '127.0.0.1:9092'): string | undefined {
  const [host, port] = broker.split(':');
  // A synchronous probe (describe() is synchronous): bash's /dev/tcp connect with a timeout.
  const probe = spawnSync('timeout', ['3', 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`], { stdio: 'ignore' });
  return probe.status === 0 ? undefined : `no Kafka broker on ${broker} (run scripts/kafka.sh start)`;
}

/** describe() for tests against the real broker; under CI=true an unreachable broker fails. */
export function describeKafka(name: string, fn: () => void): void {
  const reason = kafkaUnavailableReason();
  if (reason !== undefined && inCI) {
    describe(name, () => {
      throw new Error(`${name}: ${reason}, and CI=true does not allow skipping`);
    });
    return;
  }
  describe.skipIf(reason !== undefined)(reason === undefined ? name : `${name} (skipped: ${reason})`, fn);
}
