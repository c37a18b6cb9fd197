// Rebuilding agent state from the local log's policy-changes topic, up to a time or to the end.
import { openTopicReader } from '../eventLog.js';
import type { ChunkPool } from '../local/frameScanner.js';
import { createAgentState, foldEvent, type AgentState } from './agentState.js';

export interface ReplayResult {
  state: AgentState;
  /** The offset after the last event folded in. */
  nextOffset: number;
}

/** Events between two materializations: about 12 MB of log, so a pool of a dozen chunks. */
const MATERIALIZE_EVERY = 65_536;
/**
 * 1 MiB reads rather than the scanner's 8: a chunk then stays in the core's cache from the read
 * through the checksum to the decode, where an 8 MiB one is fetched from memory three times
 * (replay bench, alternating runs: medians 2.01 -> 2.18 M events/s; frames up to 1 MiB are read
 * whole all the same).
 */
const CHUNK_BYTES = 1 << 20;

/** Read buffers for one replay: taken back (all but the one being read into) by recycle(). */
class RecyclingChunkPool implements ChunkPool {
  private readonly free: Buffer[] = [];
  private readonly taken: Buffer[] = [];

  take(minBytes: number): Buffer {
    const i = this.free.findIndex((b) => b.length >= minBytes);
    const buf = i >= 0 ? this.free.splice(i, 1)[0]! : Buffer.allocUnsafe(Math.max(minBytes, CHUNK_BYTES));
    this.taken.push(buf);
    return buf;
  }

  recycle(): void {
    const current = this.taken.pop();
    this.free.push(...this.taken.splice(0));
    if (current !== undefined) this.taken.push(current);
  }
}

/** State after every event with time <= untilTimeMs (epoch ms; default: all of them). */
export function replayUntil(logDir: string, untilTimeMs = Infinity, state: AgentState = createAgentState()): ReplayResult {
  const reader = openTopicReader(logDir, 'policy-changes');
  // Transient: the reader hands out one reused envelope. Allowed entries keep their text in the
  // read buffers (codec/keptAllowed.ts); every MATERIALIZE_EVERY events they are made plain and
  // the buffers go back to the pool, so it holds a few chunks however long the log.
  const pool = new RecyclingChunkPool();
  let last = -1;
  let sinceMaterialized = 0;
  const { nextOffset } = reader.scan({ untilTimeMs, transient: true, chunkPool: pool, chunkBytes: CHUNK_BYTES }, (r) => {
    foldEvent(state, r.value, { keepAllowed: true });
    last = r.offset;
    if (++sinceMaterialized === MATERIALIZE_EVERY) {
      sinceMaterialized = 0;
      state.allowlist.materialize();
      pool.recycle();
    }
  });
  state.allowlist.materialize();
  // The id of the last event folded, read once (see foldEvent).
  if (last >= 0) state.lastEventId = reader.read({ fromOffset: last, limit: 1 })[0]!.value.id;
  return { state, nextOffset };
}
