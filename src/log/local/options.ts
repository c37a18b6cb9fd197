// Tunables of one topic's local log, with the defaults the agent uses.

/** When appended frames reach the disk: after each append call, on a timer, or when the OS decides. */
export type FsyncPolicy = { mode: 'always' } | { mode: 'interval'; intervalMs: number } | { mode: 'never' };

export interface TopicLogOptions {
  /** A segment is closed and a new one started once it passes this size. */
  segmentBytes: number;
  /** One sparse index entry per this many bytes of log. */
  indexIntervalBytes: number;
  /** Delete the oldest closed segments while the topic is larger than this; null keeps all. */
  retentionBytes: number | null;
  /** Delete closed segments whose newest record is older than this; null keeps all. */
  retentionMs: number | null;
  fsync: FsyncPolicy;
  nowMs: () => number;
}

export const defaultTopicLogOptions: TopicLogOptions = {
  segmentBytes: 64 << 20,
  indexIntervalBytes: 4096,
  retentionBytes: 1 << 30,
  retentionMs: 7 * 24 * 3600_000,
  fsync: { mode: 'interval', intervalMs: 1000 },
  nowMs: Date.now,
};

const policy = /^(always|never|interval:(\d+))$/;

/** `always`, `never` or `interval:MS` (flags and config files). */
export function parseFsyncPolicy(text: string): FsyncPolicy | undefined {
  const m = policy.exec(text);
  if (!m) return undefined;
  if (m[1] === 'always') return { mode: 'always' };
  if (m[1] === 'never') return { mode: 'never' };
  return { mode: 'interval', intervalMs: Number(m[2]) };
}
