// Where `sluice policy apply|delete|list|trace` find the policy repository. Commands talk to the
// PolicyStore interface only. There is one implementation, DirectoryPolicyStore: the agent's
// policy directory, so the CLI and the running agent share one source of truth. (The JSON state
// file of earlier builds, `--state`/SLUICE_STATE, is gone: the agent never read it.)
import type { RepositoryState } from '../../../policy/index.js';

export interface PolicyStore {
  /** Where the policies live, for messages. */
  readonly location: string;
  /** The stored policies. Revisions are 0 when the store does not assign them (the agent does). */
  load(): Promise<RepositoryState>;
  /** Makes the store hold exactly `state.policies`; all or nothing. */
  save(state: RepositoryState): Promise<SaveSummary>;
}

export interface SaveSummary {
  /** Files written or rewritten, and files removed, as paths. */
  written: string[];
  removed: string[];
}
