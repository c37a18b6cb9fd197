import { describe, expect, it } from 'vitest';
import type { ApiClient, PolicyView, StatusView } from '../../../api/index.js';
import { SluiceError } from '../../../errors.js';
import { agentHasApplied, probeAgent, waitForAgent } from './agentSync.js';

const view = (name: string, revision: number, namespace: string | null = 'ci'): PolicyView => ({ kind: namespace === null ? 'CiliumClusterwideNetworkPolicy' : 'CiliumNetworkPolicy', namespace, name, revision, selects: [] });

/** Answers GET /v1/policies from a script, one answer per call; the last one repeats. */
function scriptedClient(answers: (PolicyView[] | Error)[], revision = 9): ApiClient & { calls: number } {
  const client = {
    socketPath: '/run/test.sock',
    calls: 0,
    async policies() {
      const a = answers[Math.min(client.calls++, answers.length - 1)]!;
      if (a instanceof Error) throw a;
      return a;
    },
    async status() {
      return { policies: { count: 0, revision } } as unknown as StatusView;
    },
  };
  return client as unknown as ApiClient & { calls: number };
}
const instant = { sleep: async () => {} };

describe('cli > policy > agentSync', () => {
  it('needs the exact set, and a higher revision for every changed policy', () => {
    const before = [view('a', 3), view('b', 3)];
    const expected = { keys: ['ci/a', 'ci/b', 'g'], changed: ['ci/b', 'g'] };
    expect(agentHasApplied(before, before, expected)).toBe(false);
    expect(agentHasApplied([view('a', 3), view('b', 3), view('g', 4, null)], before, expected)).toBe(false);
    expect(agentHasApplied([view('a', 3), view('b', 4), view('g', 4, null)], before, expected)).toBe(true);
    expect(agentHasApplied([view('a', 3), view('b', 4), view('g', 4, null), view('x', 4)], before, expected)).toBe(false);
    expect(agentHasApplied([view('b', 3)], before, { keys: ['ci/b'], changed: [] })).toBe(true);
  });

  it('polls through a restarting agent until the set is there, then reads the revision', async () => {
    const client = scriptedClient([[view('a', 1)], new SluiceError('ERR_AGENT_UNREACHABLE', 'gone'), [view('a', 1), view('b', 2)]], 2);
    expect(await waitForAgent(client, [view('a', 1)], { keys: ['ci/a', 'ci/b'], changed: ['ci/b'] }, instant)).toMatchObject({ revision: 2 });
    expect(client.calls).toBe(3);
  });

  it('gives up after the timeout', async () => {
    const client = scriptedClient([[view('a', 1)]]);
    expect(await waitForAgent(client, [], { keys: ['ci/b'], changed: ['ci/b'] }, { ...instant, timeoutMs: 500, intervalMs: 100 })).toBeUndefined();
    expect(client.calls).toBe(5);
  });

  it('reports a missing agent as a reason, and rethrows bugs', async () => {
    expect(await probeAgent(scriptedClient([new SluiceError('ERR_AGENT_UNREACHABLE', 'no agent answers on /x')]))).toEqual({ reachable: false, reason: 'no agent answers on /x' });
    await expect(probeAgent(scriptedClient([new TypeError('bug')]))).rejects.toThrow(TypeError);
  });
});
