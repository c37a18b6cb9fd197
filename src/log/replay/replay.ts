// Rebuilding agent state from the local log's policy-changes topic, up to a time or to the end.
import { openTopicReader } from '../eventLog.js';
import { applyEvent, createAgentState, type AgentState } from './agentState.js';

export interface ReplayResult {
  state: AgentState;
  /** The offset after the last event folded in. */
  nextOffset: number;
}

/** State after every event with time <= untilTimeMs (epoch ms; default: all of them). */
export function replayUntil(logDir: string, untilTimeMs = Infinity, state: AgentState = createAgentState()): ReplayResult {
  const reader = openTopicReader(logDir, 'policy-changes');
  const { nextOffset } = reader.scan({ untilTimeMs }, (r) => { applyEvent(state, r.value); });
  return { state, nextOffset };
}
