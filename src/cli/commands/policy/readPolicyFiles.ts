// Reads the files named on the command line ('-' is stdin) for parsePolicies.
import { readFile } from 'node:fs/promises';
import { SluiceError } from '../../../errors.js';
import type { PolicyFile } from '../../../policy/index.js';

export async function readPolicyFiles(paths: string[]): Promise<PolicyFile[]> {
  if (paths.length === 0) throw new SluiceError('ERR_CONFIG', 'no policy files given');
  return Promise.all(
    paths.map(async (file) => {
      try {
        const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
        return { file, text };
      } catch (err) {
        throw new SluiceError('ERR_CONFIG', `read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err });
      }
    }),
  );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
