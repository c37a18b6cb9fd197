import { parseArgs } from 'node:util';
import { SluiceError } from '../../errors.js';
import { openTopicReader } from '../../log/eventLog.js';
import type { HubbleFlowRecord } from '../../log/hubble/types.js';
import { createKafkaClient, parseBrokers } from '../../log/kafka/kafkaClient.js';
import { consumeTopic } from '../../log/kafka/kafkaConsumer.js';
import { compactFlow } from '../../log/query/compactFlow.js';
import { compileFlowFilter } from '../../log/query/flowFilter.js';
import { parseTimeArg } from '../../log/time.js';
import { DEFAULT_TOPIC_PREFIX } from '../../log/topics.js';
import type { Command } from '../command.js';
import { interruptSignal, resolveLogDir } from './logDir.js';

const usage = `usage: sluice observe [flags]

Flows from the local event log (or Kafka), like hubble observe.
  -f, --follow            keep printing new flows
      --since TIME        RFC3339 or a duration ago (5m, 1h)
      --until TIME
      --last N            only the last N matching flows
      --verdict V         FORWARDED, DROPPED, REDIRECTED (repeatable)
      --from-pod [NS/]P   source pod name prefix (namespace default: default)
      --to-pod [NS/]P     destination pod
      --to-fqdn PATTERN   destination DNS name (* wildcard)
      --protocol P        tcp, udp, icmp, dns
  -t, --type T            l3/l4 or l7/dns (also trace, drop, l7, dns)
  -o, --output FMT        compact (default), json, jsonpb (one GetFlowsResponse per line)
      --log-dir DIR       local log (default $SLUICE_LOG_DIR or /var/lib/sluice/log)
      --kafka BROKERS     read the flows topic from Kafka instead (host:port,...)
      --topic-prefix P    Kafka topic prefix (default ${DEFAULT_TOPIC_PREFIX})`;

const command: Command = {
  usage,
  async run(argv) {
    const { values: v } = parseArgs({
      args: argv,
      options: {
        follow: { type: 'boolean', short: 'f' }, since: { type: 'string' }, until: { type: 'string' }, last: { type: 'string' },
        verdict: { type: 'string', multiple: true }, 'from-pod': { type: 'string', multiple: true }, 'to-pod': { type: 'string', multiple: true },
        'to-fqdn': { type: 'string', multiple: true }, protocol: { type: 'string', multiple: true }, type: { type: 'string', short: 't', multiple: true },
        output: { type: 'string', short: 'o', default: 'compact' }, 'log-dir': { type: 'string' }, kafka: { type: 'string' }, 'topic-prefix': { type: 'string' },
      },
    });
    const output = v.output!;
    if (!['compact', 'json', 'jsonpb'].includes(output)) throw new SluiceError('ERR_CONFIG', `-o ${output}: expected compact, json or jsonpb`);
    const last = v.last === undefined ? undefined : Number(v.last);
    if (last !== undefined && (!Number.isInteger(last) || last < 0)) throw new SluiceError('ERR_CONFIG', `--last ${v.last}: expected a whole number`);
    const now = Date.now();
    const sinceMs = v.since === undefined ? undefined : parseTimeArg(v.since, now);
    const untilMs = v.until === undefined ? undefined : parseTimeArg(v.until, now);
    const accept = compileFlowFilter({
      verdicts: v.verdict, fromPods: v['from-pod'], toPods: v['to-pod'], toFqdns: v['to-fqdn'], protocols: v.protocol, types: v.type,
    });
    // json and jsonpb print the line as stored: the exact GetFlowsResponse shape hubble reads.
    const print = (line: string, rec: HubbleFlowRecord) => {
      process.stdout.write(output === 'compact' ? `${compactFlow(rec)}\n` : `${line}\n`);
    };
    const handle = (line: string) => {
      const rec = JSON.parse(line) as HubbleFlowRecord;
      const t = Date.parse(rec.time);
      if (sinceMs !== undefined && t < sinceMs) return;
      if (untilMs !== undefined && t > untilMs) return;
      if (accept(rec)) print(line, rec);
    };

    if (v.kafka !== undefined) {
      const client = createKafkaClient({ brokers: parseBrokers(v.kafka) });
      await consumeTopic({ client, kind: 'flows', topicPrefix: v['topic-prefix'] ?? DEFAULT_TOPIC_PREFIX, fromBeginning: !v.follow || v.since !== undefined, signal: interruptSignal(), onMessage: handle });
      return 0;
    }

    const reader = openTopicReader(resolveLogDir(v['log-dir']), 'flows');
    const window = { fromTimeMs: sinceMs, untilTimeMs: untilMs };
    const matches = (value: Buffer) => {
      const line = value.toString('utf8');
      const rec = JSON.parse(line) as HubbleFlowRecord;
      return accept(rec) ? { line, rec } : null;
    };
    let next: number;
    if (last !== undefined) {
      const kept: { line: string; rec: HubbleFlowRecord }[] = [];
      next = reader.scan(window, (r) => {
        const m = matches(r.value);
        if (!m) return;
        kept.push(m);
        if (kept.length > last) kept.shift();
      }).nextOffset;
      for (const m of kept) print(m.line, m.rec);
    } else {
      next = reader.scan(window, (r) => { const m = matches(r.value); if (m) print(m.line, m.rec); }).nextOffset;
    }
    if (v.follow) {
      await reader.follow({ ...window, fromOffset: next, signal: interruptSignal() }, (r) => { const m = matches(r.value); if (m) print(m.line, m.rec); });
    }
    return 0;
  },
};
export default command;
