// Issue 8's Kafka outage with small numbers: flows published at a steady rate while the broker
// of scripts/kafka.sh is stopped for a few seconds and started again; afterwards a consumer that
// drops duplicates by event id sees every published flow exactly once. The benchmark runs the
// same function with a 60 s outage (src/bench/kafkaOutage.ts).
import { expect, it } from 'vitest';
import { runKafkaOutage } from '../../src/bench/kafkaOutage.js';
import { outageEventId } from '../../src/bench/kafkaOutageCheck.js';
import { isEventId } from '../../src/log/eventId.js';
import { eventIdOf } from '../../src/log/kafka/kafkaConsumer.js';
import { describeKafka } from '../support/env.js';

describeKafka('log > kafka > outage (real broker, stopped and started)', () => {
  it('loses nothing while the broker is down, and dedup by id leaves each event once', async () => {
    const result = await runKafkaOutage({ ratePerSec: 2_000, outageSec: 3, beforeSec: 1, afterSec: 1, catchUpTimeoutSec: 120 });
    expect(result.kafkaOutageEvents).toBeGreaterThan(0);
    expect(result.failedSends).toBeGreaterThan(0); // the outage was real: sends failed meanwhile
    expect(result.kafkaOutageLost).toBe(0);
    expect(result.outageSec).toBe(3);
  }, 300_000);

  it('marks each event with a UUIDv7 the consumers extract and that carries its sequence', () => {
    const id = outageEventId(123_456, Date.parse('2025-11-27T00:00:00Z'), 0xabc);
    expect(isEventId(id)).toBe(true);
    expect(eventIdOf(`{"flow":{"time":"x","uuid":"${id}"}}`)).toBe(id);
    expect(Number.parseInt(id.slice(24), 16)).toBe(123_456);
  });
});
