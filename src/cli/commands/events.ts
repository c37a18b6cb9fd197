import { parseArgs } from 'node:util';
import { openTopicReader } from '../../log/eventLog.js';
import { createKafkaClient, parseBrokers } from '../../log/kafka/kafkaClient.js';
import { consumeTopic } from '../../log/kafka/kafkaConsumer.js';
import { parseTimeArg } from '../../log/time.js';
import { DEFAULT_TOPIC_PREFIX, parseTopicKind } from '../../log/topics.js';
import type { Command } from '../command.js';
import { interruptSignal, resolveLogDir } from './logDir.js';

const usage = `usage: sluice events [--topic policy-changes|dns|flows] [-f] [--since TIME] [--type T]...

Prints the events of a topic as JSON lines (envelopes; Hubble records for flows).
  --topic T          default policy-changes
  -f, --follow       keep printing new events
  --since TIME       RFC3339 or a duration ago (5m)
  --type T           only these event types (e.g. fqdn.allowed; repeatable)
  --log-dir DIR      local log (default $SLUICE_LOG_DIR or /var/lib/sluice/log)
  --kafka BROKERS    subscribe through Kafka instead
  --topic-prefix P   Kafka topic prefix (default ${DEFAULT_TOPIC_PREFIX})`;

const command: Command = {
  usage,
  async run(argv) {
    const { values: v } = parseArgs({
      args: argv,
      options: {
        topic: { type: 'string', default: 'policy-changes' }, follow: { type: 'boolean', short: 'f' }, since: { type: 'string' },
        type: { type: 'string', multiple: true }, 'log-dir': { type: 'string' }, kafka: { type: 'string' }, 'topic-prefix': { type: 'string' },
      },
    });
    const prefix = v['topic-prefix'] ?? DEFAULT_TOPIC_PREFIX;
    const kind = parseTopicKind(v.topic!, prefix);
    const types = v.type === undefined ? null : new Set(v.type);
    const print = (value: unknown) => {
      const json = Buffer.isBuffer(value) ? value.toString('utf8') : JSON.stringify(value);
      if (types !== null && kind !== 'flows' && !types.has((value as { type: string }).type)) return;
      process.stdout.write(json + '\n');
    };
    if (v.kafka !== undefined) {
      await consumeTopic({
        client: createKafkaClient({ brokers: parseBrokers(v.kafka) }), kind, topicPrefix: prefix, fromBeginning: !v.follow || v.since !== undefined,
        signal: interruptSignal(), onMessage: (line) => print(kind === 'flows' ? Buffer.from(line) : JSON.parse(line)),
      });
      return 0;
    }
    const reader = openTopicReader(resolveLogDir(v['log-dir']), kind);
    const fromTimeMs = v.since === undefined ? undefined : parseTimeArg(v.since, Date.now());
    const { nextOffset } = reader.scan({ fromTimeMs }, (r) => print(r.value));
    if (v.follow) await reader.follow({ fromOffset: nextOffset, signal: interruptSignal() }, (r) => print(r.value));
    return 0;
  },
};
export default command;
