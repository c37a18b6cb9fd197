// The benchmark's plot as an SVG string: one panel per figure, N on a log axis, values on a log
// axis (the systems differ by orders of magnitude), one line per system. No dependencies.
export interface PlotRow {
  system: string;
  n: number;
}

export interface Panel<T> {
  key: keyof T & string;
  title: string;
}

const COLORS: Record<string, string> = { ebpf: '#1b9e77', iptables: '#d95f02', ipset: '#7570b3', nftables: '#e7298a' };
const W = 380;
const H = 250;
const M = { l: 62, r: 12, t: 28, b: 40 };

const fmt = (v: number): string => (v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : `${v}`);
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function decades(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

function panel<T extends PlotRow>(rows: T[], p: Panel<T>, x0: number, y0: number): string {
  const value = (r: T): number => Number(r[p.key]);
  const pts = rows.filter((r) => value(r) > 0);
  const ns = [...new Set(rows.map((r) => r.n))].sort((a, b) => a - b);
  const vals = pts.map(value);
  if (vals.length === 0 || ns.length === 0) return '';
  const yt = decades(Math.min(...vals), Math.max(...vals));
  const [ylo, yhi] = [Math.log10(yt[0]!), Math.log10(yt[yt.length - 1]!)];
  const [xlo, xhi] = [Math.log10(ns[0]!), Math.log10(ns[ns.length - 1]!)];
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const sx = (n: number): number => x0 + M.l + (xhi === xlo ? pw / 2 : ((Math.log10(n) - xlo) / (xhi - xlo)) * pw);
  const sy = (v: number): number => y0 + M.t + ph - (yhi === ylo ? ph / 2 : ((Math.log10(v) - ylo) / (yhi - ylo)) * ph);
  const out = [`<text x="${x0 + W / 2}" y="${y0 + 18}" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`];
  out.push(`<rect x="${x0 + M.l}" y="${y0 + M.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  for (const t of yt) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${x0 + M.l}" x2="${x0 + M.l + pw}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${x0 + M.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  for (const n of ns) out.push(`<text x="${sx(n).toFixed(1)}" y="${y0 + M.t + ph + 16}" text-anchor="middle">${fmt(n)}</text>`);
  out.push(`<text x="${x0 + M.l + pw / 2}" y="${y0 + H - 6}" text-anchor="middle">allowlist size N</text>`);
  for (const system of Object.keys(COLORS)) {
    const line = pts.filter((r) => r.system === system).sort((a, b) => a.n - b.n);
    if (line.length === 0) continue;
    const d = line.map((r, i) => `${i ? 'L' : 'M'}${sx(r.n).toFixed(1)},${sy(value(r)).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${COLORS[system]}" stroke-width="2"/>`);
    for (const r of line) out.push(`<circle cx="${sx(r.n).toFixed(1)}" cy="${sy(value(r)).toFixed(1)}" r="3" fill="${COLORS[system]}"/>`);
  }
  return out.join('\n');
}

export function plotSvg<T extends PlotRow>(title: string, rows: T[], panels: Panel<T>[]): string {
  const cols = 2;
  const width = cols * W;
  const height = 40 + Math.ceil(panels.length / cols) * H + 30;
  const body = panels.map((p, i) => panel(rows, p, (i % cols) * W, 40 + Math.floor(i / cols) * H));
  const legend = Object.entries(COLORS).map(([s, c], i) =>
    `<rect x="${20 + i * 120}" y="${height - 22}" width="14" height="4" fill="${c}"/><text x="${40 + i * 120}" y="${height - 18}" dominant-baseline="middle">${s}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    ...body,
    ...legend,
    '</svg>',
  ].join('\n') + '\n';
}
