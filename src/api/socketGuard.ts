// Makes the API socket path ready for listen(): a 0700 directory, and no socket file left behind
// by an agent that died. A socket that still answers belongs to a running agent: we refuse to
// start rather than steal it, because two agents on one node would fight over the pinned maps.
//
// Design debt: two agents starting in the same instant can both find the file stale; the pinned
// maps' own locking (src/datapath) is what stops the second one there.
import { connect } from 'node:net';
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SluiceError } from '../errors.js';

export type SocketProbe = 'answers' | 'stale' | 'absent';

/** Is someone listening on the unix socket `path`? A missing file is 'absent', a dead one 'stale'. */
export function probeSocket(path: string, timeoutMs = 1000): Promise<SocketProbe> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    const timer = setTimeout(() => {
      // a listener whose backlog is full still exists: count it as answering
      sock.destroy();
      resolve('answers');
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve('answers');
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT') resolve('absent');
      else if (err.code === 'ECONNREFUSED') resolve('stale');
      else reject(err);
    });
  });
}

export async function prepareSocketPath(path: string): Promise<void> {
  const dir = dirname(path);
  // Only a directory we create gets 0700: chmod'ing an existing one such as /tmp would break the
  // machine. The socket's own 0600 mode is the guard either way (connect(2) needs write access).
  const created = await mkdir(dir, { recursive: true, mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    throw new SluiceError('ERR_API_SOCKET', `create ${dir}: ${err.code ?? err.message}`, { cause: err });
  });
  if (created !== undefined) await chmod(dir, 0o700);

  const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new SluiceError('ERR_API_SOCKET', `stat ${path}: ${err.code ?? err.message}`, { cause: err });
  });
  if (st === undefined) return;
  if (!st.isSocket()) {
    throw new SluiceError('ERR_API_SOCKET', `${path} exists and is not a socket: remove it or choose another api socket path`);
  }
  const probe = await probeSocket(path).catch((err: NodeJS.ErrnoException) => {
    throw new SluiceError('ERR_API_SOCKET', `probe ${path}: ${err.code ?? err.message}`, { cause: err });
  });
  if (probe === 'answers') {
    throw new SluiceError('ERR_API_SOCKET', `another agent answers on ${path}: stop it first, or give this one another api socket path`);
  }
  if (probe === 'stale') await unlink(path).catch(() => undefined);
}
