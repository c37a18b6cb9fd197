import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import type { Command } from '../command.js';
import { Datapath, defaultPinRoot } from '../../datapath/index.js';
import { SluiceError } from '../../errors.js';

const usage = `usage: sluice cleanup [--pin-root DIR] [--netns NAME]

Removes what an agent left in the kernel on purpose (programs attached, maps pinned, so that
enforcement survives its restarts): detaches the tc programs from every endpoint interface and
removes the pins. Stop the agent first. Enforcement ends for those endpoints.

  --pin-root DIR   the agent's pin root (default ${defaultPinRoot})
  --netns NAME     the network namespace the agent ran in (its endpoints' interfaces are there)`;

const command: Command = {
  usage,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { 'pin-root': { type: 'string' }, netns: { type: 'string' } }, strict: true });
    if (process.getuid?.() !== 0) throw new SluiceError('ERR_PRIVILEGE', 'cleanup detaches BPF programs and removes pins: run it as root (sudo)');
    const pinRoot = values['pin-root'] ?? defaultPinRoot;
    if (!existsSync(pinRoot)) {
      process.stdout.write(`nothing to clean: ${pinRoot} does not exist\n`);
      return 0;
    }
    const datapath = Datapath.open({ pinRoot, ringSizeBytes: 1 << 16 });
    let detached = 0;
    try {
      detached = datapath.detachAllPinned(values.netns);
    } finally {
      datapath.close();
    }
    process.stdout.write(`detached ${detached} endpoint interface(s); removed the pins under ${pinRoot}\n`);
    return 0;
  },
};
export default command;
