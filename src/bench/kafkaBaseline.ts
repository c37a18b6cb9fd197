// The baseline the Kafka benchmark compares against: a plain kafkajs producer (idempotent,
// acks -1, as ours) awaiting one send() per record, with the same Hubble lines and keys.
import { flowEventToHubble } from '../log/hubble/flowRecord.js';
import type { FlowContext } from '../log/hubble/flowContext.js';
import { defaultPartitioner, type KafkaClient } from '../log/kafka/kafkaClient.js';
import type { FlowSourceFn } from './kafkaFlowSource.js';

export async function baselineFlowsPerSec(client: KafkaClient, topic: string, source: FlowSourceFn, flows: number, ctx: FlowContext): Promise<{ flowsPerSec: number; flows: number }> {
  const lines: { key: string; value: string }[] = [];
  for (const batch of source(flows)) for (const e of batch) lines.push({ key: String(e.endpointId), value: JSON.stringify(flowEventToHubble(e, ctx)) });
  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: defaultPartitioner });
  await producer.connect();
  try {
    const t0 = process.hrtime.bigint();
    for (const m of lines) await producer.send({ topic, acks: -1, messages: [m] });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { flowsPerSec: Math.round(lines.length / seconds), flows: lines.length };
  } finally {
    await producer.disconnect();
  }
}
