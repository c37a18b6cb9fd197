// Carries out a DirectoryPlan so that a watcher never reads half a file: every new content goes to
// a hidden temp file first (a leading '.' and a '.tmp' ending, both of which readPolicyDir skips),
// is synced, and only then renamed over its target. If a temp file cannot be written, the temps
// are removed and the directory is as it was.
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SluiceError } from '../../../errors.js';
import type { DirectoryPlan } from './planDirectory.js';

export async function writePolicyFiles(dir: string, plan: DirectoryPlan): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (cause) {
    throw new SluiceError('ERR_CONFIG', `create policy directory ${dir}: ${(cause as Error).message}`, { cause });
  }
  const temps = plan.writes.map((w) => ({ ...w, tmp: join(dirname(w.file), `.${basename(w.file)}.${process.pid}.tmp`) }));
  try {
    for (const t of temps) await writeSynced(t.tmp, t.text);
  } catch (cause) {
    await Promise.all(temps.map((t) => rm(t.tmp, { force: true })));
    throw new SluiceError('ERR_CONFIG', `write policy directory ${dir}: ${(cause as Error).message} (nothing changed)`, { cause });
  }
  // Design debt: renames are atomic one by one, not as a set. The agent debounces its watcher
  // (200 ms) and applies the whole set; the plan orders steps so any set in between is refused.
  try {
    for (const t of temps) await rename(t.tmp, t.file);
    for (const file of plan.removes) await rm(file, { force: true });
    await syncDir(dir);
  } catch (cause) {
    await Promise.all(temps.map((t) => rm(t.tmp, { force: true })));
    throw new SluiceError('ERR_CONFIG', `update policy directory ${dir}: ${(cause as Error).message} (the directory may be partly updated)`, { cause });
  }
}

async function writeSynced(file: string, text: string): Promise<void> {
  const fh = await open(file, 'w', 0o644);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Makes the renames durable: a crash after apply returns must not bring the old files back. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
