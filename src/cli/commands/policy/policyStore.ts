// Where `sluice policy apply|delete|list` keep the repository until the agent's API takes over:
// a JSON state file. Commands talk to the PolicyStore interface only, so swapping in an API
// client later touches this file and nothing else.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SluiceError } from '../../../errors.js';
import { emptyRepository, parsePolicies, type RepositoryState } from '../../../policy/index.js';

export interface PolicyStore {
  /** Where the state lives, for messages. */
  readonly location: string;
  load(): Promise<RepositoryState>;
  save(state: RepositoryState): Promise<void>;
}

export const DEFAULT_STATE_FILE = '/var/lib/sluice/policies.json';

/** --state FILE, else $SLUICE_STATE, else /var/lib/sluice/policies.json. */
export function statePath(flag: string | undefined): string {
  return flag ?? process.env.SLUICE_STATE ?? DEFAULT_STATE_FILE;
}

interface StateFile {
  revision: number;
  policies: { revision: number; file: string; document: number; object: Record<string, unknown> }[];
}

export class FilePolicyStore implements PolicyStore {
  constructor(readonly location: string) {}

  async load(): Promise<RepositoryState> {
    let text: string;
    try {
      text = await readFile(this.location, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyRepository();
      throw new SluiceError('ERR_CONFIG', `read state ${this.location}: ${(err as Error).message}`, { cause: err });
    }
    let data: StateFile;
    try {
      data = JSON.parse(text) as StateFile;
      if (typeof data.revision !== 'number' || !Array.isArray(data.policies)) throw new Error('not a policy state file');
    } catch (err) {
      throw new SluiceError('ERR_CONFIG', `read state ${this.location}: ${(err as Error).message}`, { cause: err });
    }
    // documents are validated again: the file may have been edited or written by another build
    const policies = data.policies.map((p) => {
      const [policy] = parsePolicies([{ file: `${this.location} (${p.file})`, text: JSON.stringify(p.object) }]);
      return { policy: { ...policy!, source: { file: p.file, document: p.document } }, revision: p.revision };
    });
    return { revision: data.revision, policies };
  }

  async save(state: RepositoryState): Promise<void> {
    const data: StateFile = {
      revision: state.revision,
      policies: state.policies.map((s) => ({ revision: s.revision, file: s.policy.source.file, document: s.policy.source.document, object: s.policy.document })),
    };
    try {
      await mkdir(dirname(this.location), { recursive: true });
      // write then rename, so a crash never leaves half a state file
      const tmp = `${this.location}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(data, null, 2) + '\n');
      await rename(tmp, this.location);
    } catch (err) {
      throw new SluiceError('ERR_CONFIG', `write state ${this.location}: ${(err as Error).message}`, { cause: err });
    }
  }
}
