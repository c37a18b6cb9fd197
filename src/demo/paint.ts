// Terminal colours for the demo's output, only when it writes to a terminal.
type Color = 'green' | 'red' | 'yellow' | 'cyan' | 'dim' | 'bold';
const codes: Record<Color, string> = { green: '32', red: '31', yellow: '33', cyan: '36', dim: '2', bold: '1' };

export function paint(on: boolean, color: Color, text: string): string {
  return on ? `\x1b[${codes[color]}m${text}\x1b[0m` : text;
}

/** A compact flow line with its verdict coloured. */
export function paintVerdict(on: boolean, line: string): string {
  if (!on) return line;
  return line.replace(/ (FORWARDED|DROPPED|REDIRECTED)( \([A-Z_0-9]+\))? /, (_, v: string, reason: string | undefined) =>
    ` ${paint(true, v === 'DROPPED' ? 'red' : v === 'FORWARDED' ? 'green' : 'yellow', `${v}${reason ?? ''}`)} `);
}
