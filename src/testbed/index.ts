// src/testbed: the closed namespace world (node, pods, world) for tests, benchmarks and the demo.
export { Testbed, sweep, listNamespaces, defaultWorldAddresses, type Pod, type PodSpec, type TestbedOptions } from './testbed.js';
export { run, ipBatch, inNetns, spawnInNetns } from './run.js';
export { PeerServer, PeerClient, type PeerAnswer } from './peerProcess.js';
export { Resolver, RESOLVER4, RESOLVER6, type ZoneOptions } from './resolver.js';
export { AgentProcess, type AgentProcessOptions } from './agentProcess.js';
export { dnsAnswersTotal, metricSample, scrapeAgentMetrics } from './agentMetrics.js';
export { scenarioPolicy, type ScenarioPolicyOptions, type FqdnSelectorSpec } from './scenarioPolicy.js';
export { DnsWorld, type DnsWorldOptions } from './dnsWorld.js';
