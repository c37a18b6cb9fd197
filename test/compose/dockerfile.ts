// A small Dockerfile reader for the offline check in compose.test.ts: no Docker engine here, so
// `docker build --check` cannot run. It joins continuation lines, drops comments and parser
// directives, and returns the instructions with their stage.

export interface DockerInstruction {
  line: number;
  keyword: string;
  args: string;
  /** Index of the FROM stage the instruction belongs to (-1 before the first FROM: global ARGs). */
  stage: number;
}

export const knownInstructions = new Set([
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL',
  'MAINTAINER', 'ONBUILD', 'RUN', 'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
]);

export function readDockerfile(text: string): DockerInstruction[] {
  const out: DockerInstruction[] = [];
  const lines = text.split('\n');
  let stage = -1;
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*#/.test(line) || line.trim() === '') continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i++;
      const next = lines[i]!;
      // comment lines inside a continued instruction are dropped, as BuildKit does
      if (/^\s*#/.test(next)) {
        line = `${line.slice(0, -1)}\\`;
        continue;
      }
      line = `${line.slice(0, -1)} ${next.trim()}`;
    }
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(line)!;
    const keyword = m[1]!.toUpperCase();
    if (keyword === 'FROM') stage++;
    out.push({ line: start + 1, keyword, args: m[2]!.trim(), stage });
  }
  return out;
}

/** The source paths of a COPY/ADD (all but the last word), with its flags separated out. */
export function copySources(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const words = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith('--')) {
    const [k, v] = words.shift()!.slice(2).split('=');
    flags[k!] = v ?? '';
  }
  const dest = words.pop() ?? '';
  return { flags, sources: words, dest };
}
