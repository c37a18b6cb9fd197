// Rebuilding agent state from the local log's policy-changes topic, up to a time or to the end.
import { openTopicReader } from '../eventLog.js';
import { createAgentState, foldEvent, type AgentState } from './agentState.js';

export interface ReplayResult {
  state: AgentState;
  /** The offset after the last event folded in. */
  nextOffset: number;
}

/** State after every event with time <= untilTimeMs (epoch ms; default: all of them). */
export function replayUntil(logDir: string, untilTimeMs = Infinity, state: AgentState = createAgentState()): ReplayResult {
  const reader = openTopicReader(logDir, 'policy-changes');
  // Transient: foldEvent copies what it keeps, so the reader may hand out one reused envelope.
  let last = -1;
  const { nextOffset } = reader.scan({ untilTimeMs, transient: true }, (r) => { foldEvent(state, r.value); last = r.offset; });
  // The id of the last event folded, read once (see foldEvent).
  if (last >= 0) state.lastEventId = reader.read({ fromOffset: last, limit: 1 })[0]!.value.id;
  return { state, nextOffset };
}
