// One kafkajs client per broker list, with the settings every Sluice producer and consumer uses.
import './kafkajsPatches.js'; // before kafkajs loads: see the file
import './compression.js'; // kafkajs can then read gzip and lz4 batches
import kafkajs from 'kafkajs';

const { Kafka, logLevel, Partitioners } = kafkajs;
export type KafkaClient = InstanceType<typeof Kafka>;

export interface KafkaConnectOptions {
  brokers: string[];
  clientId?: string;
  /** Retry budget for one request; the forwarder retries whole batches on top of this. */
  retries?: number;
  initialRetryTimeMs?: number;
}

export function createKafkaClient(options: KafkaConnectOptions): KafkaClient {
  return new Kafka({
    brokers: options.brokers,
    clientId: options.clientId ?? 'sluice',
    connectionTimeout: 3000,
    logLevel: logLevel.NOTHING,
    retry: { retries: options.retries ?? 5, initialRetryTime: options.initialRetryTimeMs ?? 300 },
  });
}

/** The partitioner kafkajs 2.x uses by default, named to silence its start-up warning. */
export const defaultPartitioner = Partitioners.DefaultPartitioner;

export const parseBrokers = (text: string): string[] => text.split(',').map((b) => b.trim()).filter((b) => b !== '');
