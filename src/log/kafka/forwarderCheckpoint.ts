// The forwarder's committed offsets (per topic: the next local offset to ship), kept beside the
// local log so a restart resumes where Kafka last acknowledged. Written to a temp file and
// renamed, so a crash leaves the old or the new checkpoint, never half of one.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopicKind } from '../topics.js';

export type Checkpoint = Partial<Record<TopicKind, number>>;

export const checkpointPath = (logDir: string, prefix: string) => join(logDir, `forwarder-${prefix.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);

export function readCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, 'utf8')) as Checkpoint;
}

export function writeCheckpoint(path: string, checkpoint: Checkpoint): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(checkpoint));
  renameSync(`${path}.tmp`, path);
}
