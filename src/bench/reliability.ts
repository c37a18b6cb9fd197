// Benchmark `reliability` (issue 8): fuzzing the DNS proxy (a million cases through the query
// handler, thousands through the real sockets), and load (1,000 endpoints, 100k names, 1M
// addresses in the allowlist map). Each part is its own function so the fault-injection parts
// (Kafka outage, agent restart) can be combined into the same result.
import { fuzzHandler } from './reliability/fuzzHandler.js';
import { fuzzSockets } from './reliability/fuzzSockets.js';
import { mergeTallies } from './reliability/fuzzTally.js';
import { defaultLoad, runLoad, type LoadResult } from './reliabilityLoad.js';
import { runAgentRestart, type AgentRestartResult } from './agentRestart.js';
import { runKafkaOutage, type KafkaOutageResult } from './kafkaOutage.js';

export const resultName = 'reliability';

export { runLoad };

export interface FuzzResult {
  fuzzCases: number;
  crashes: number;
  hangs: number;
  fuzz: ReturnType<typeof mergeTallies> & { handlerCases: number; socketCases: number; seed: number; spoofedDiscarded: number };
}

export async function runFuzz(handlerCases = 1_000_000, socketCases = 5_000, seed = 0x5eed): Promise<FuzzResult> {
  const sockets = await fuzzSockets({ cases: socketCases, seed, tcpShare: 0.1 });
  const handler = await fuzzHandler({ cases: handlerCases, seed });
  const all = mergeTallies(sockets, handler);
  return {
    fuzzCases: all.cases,
    crashes: all.crashes,
    hangs: all.hangs,
    fuzz: { ...all, handlerCases, socketCases, seed, spoofedDiscarded: sockets.counters.spoofed + handler.discardedAnswers },
  };
}

export async function run(): Promise<FuzzResult & AgentRestartResult & { rssMiBAt1MAddresses: number; load: LoadResult; kafkaOutageEvents: number; kafkaOutageLost: number; kafkaOutage: KafkaOutageResult }> {
  const fuzz = await runFuzz();
  const restart = await runAgentRestart();
  const kafkaOutage = await runKafkaOutage({ outageSec: 60 });
  const load = await runLoad(defaultLoad);
  return {
    ...fuzz, ...restart,
    kafkaOutageEvents: kafkaOutage.kafkaOutageEvents, kafkaOutageLost: kafkaOutage.kafkaOutageLost, kafkaOutage,
    rssMiBAt1MAddresses: load.rssMiBAt1MAddresses, load,
  };
}
