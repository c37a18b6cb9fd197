import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { loadConfig } from '../../agent/config.js';
import { Agent } from '../../agent/agent.js';
import { inNetns, reexecInNetns } from '../../agent/netnsExec.js';
import { startKafkaForwarding } from '../../agent/kafkaForwarding.js';
import { exitWithSupervisor, superviseAgent, workerEnv } from '../../agent/supervisor.js';
import { proxySocketsFromEnv } from '../../agent/socketHolder.js';
import { SluiceError } from '../../errors.js';

const usage = `usage: sluice agent [--config FILE] [flags]

Runs the agent: attaches the datapath to the configured endpoints, applies the policies of the
policy directory (watched), runs the transparent DNS proxy and writes every event to the log.

flags (override the config file; environment variables in brackets):
  --config FILE            YAML configuration
  --node NAME              node name [SLUICE_NODE]
  --netns NAME             run inside this network namespace (the node's) [SLUICE_NETNS]
  --policy-dir DIR         CiliumNetworkPolicy files, watched; created if missing
                           (default /etc/sluice/policies) [SLUICE_POLICY_DIR]
  --log-dir DIR            embedded event log [SLUICE_LOG_DIR]
  --kafka BROKERS          also publish to Kafka, host:port,... [SLUICE_KAFKA_BROKERS]
  --socket PATH            local API socket [SLUICE_SOCKET]
  --metrics-address ADDR   Prometheus metrics host:port, or off [SLUICE_METRICS_ADDRESS]`;

const command: Command = {
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' }, node: { type: 'string' }, netns: { type: 'string' }, 'policy-dir': { type: 'string' },
        'log-dir': { type: 'string' }, kafka: { type: 'string' }, socket: { type: 'string' }, 'metrics-address': { type: 'string' },
      },
      strict: true,
    });
    const overrides = Object.fromEntries(Object.entries({
      node: values.node, netns: values.netns, policyDir: values['policy-dir'], logDir: values['log-dir'], kafka: values.kafka,
      socket: values.socket, metricsAddress: values['metrics-address'],
    }).filter(([, v]) => v !== undefined));
    const config = loadConfig(values.config, process.env, overrides);
    if (process.getuid?.() !== 0) throw new SluiceError('ERR_PRIVILEGE', 'the agent loads BPF programs and attaches them: run it as root (sudo)');
    const say = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    if (config.netns && !inNetns(config.netns)) {
      // this process stays where the Kafka brokers are reachable and forwards the agent's log
      const kafka = await startKafkaForwarding(config.log, say);
      try {
        return await reexecInNetns(config.netns);
      } finally {
        await kafka?.stop();
      }
    }
    if (!process.env[workerEnv]) return superviseAgent(config, argv, say);

    // the agent process proper, started by the supervisor with the proxy sockets
    const agent = await Agent.start(config, say, proxySocketsFromEnv(process.env));
    await new Promise<void>((resolve) => {
      let stopping = false;
      // a Ctrl-C reaches both processes (and the supervisor forwards it): stop once, ignore repeats
      const stop = (why: string) => {
        if (stopping) return;
        stopping = true;
        say(`agent: ${why}, stopping${config.datapath.keepPinned ? ' (programs stay attached, maps pinned)' : ''}`);
        resolve();
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      exitWithSupervisor(Number(process.env[workerEnv]), () => stop('the supervisor is gone'));
    });
    await agent.stop();
    return 0;
  },
};
export default command;
