// The policy repository as the agent sees it: every *.yaml / *.yml / *.json file of the policy
// directory, read with the agent's own reader (readPolicyDir), so the CLI accepts exactly the sets
// the agent will apply. save() plans the whole directory (planDirectory.ts), validates it, then
// writes through temp files (writePolicyFiles.ts).
import { readPolicyDir } from '../../../agent/policySource.js';
import { isSluiceError } from '../../../errors.js';
import { parsePolicies, type PolicyFile, type RepositoryState } from '../../../policy/index.js';
import { planDirectory } from './planDirectory.js';
import type { PolicyStore, SaveSummary } from './policyStore.js';
import { writePolicyFiles } from './writePolicyFiles.js';

export class DirectoryPolicyStore implements PolicyStore {
  constructor(readonly location: string) {}

  async load(): Promise<RepositoryState> {
    const files = this.read();
    const policies = files.length === 0 ? [] : parsePolicies(files);
    // revision 0: revisions are the agent's to assign (policy.applied events), not the directory's
    return { revision: 0, policies: policies.map((policy) => ({ policy, revision: 0 })).sort((a, b) => order(a.policy, b.policy)) };
  }

  async save(state: RepositoryState): Promise<SaveSummary> {
    // read again rather than trust load(): the plan must match the files as they are now
    const plan = planDirectory(this.location, this.read(), state.policies.map((s) => s.policy));
    if (plan.writes.length > 0 || plan.removes.length > 0) await writePolicyFiles(this.location, plan);
    return { written: plan.writes.map((w) => w.file), removed: plan.removes };
  }

  /** A directory that does not exist yet holds no policies; apply creates it. */
  private read(): PolicyFile[] {
    try {
      return readPolicyDir(this.location);
    } catch (err) {
      if (isSluiceError(err, 'ERR_CONFIG') && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return [];
      throw err;
    }
  }
}

type Keyed = { kind: string; namespace: string | null; name: string };

/** Kind, then namespace, then name: the order the repository keeps (src/policy/repository.ts). */
function order(a: Keyed, b: Keyed): number {
  const ka = `${a.kind}\0${a.namespace ?? ''}\0${a.name}`;
  const kb = `${b.kind}\0${b.namespace ?? ''}\0${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
