// Summarizes V8 .cpuprofile files (node --cpu-prof): self time per function and per module.
import { readFileSync } from 'node:fs';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples?: number[]; timeDeltas?: number[] }

export interface Hot { name: string; where: string; ms: number; pct: number }
export interface ProfileSummary { file: string; totalMs: number; busyMs: number; top: Hot[]; modules: Hot[] }

/** node_modules/<pkg>, dist/<dir>/<file>, node:<x>, or a V8 pseudo-frame. */
function moduleOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const d = /\/dist\/(.+)\.js$/.exec(url);
  if (d) return d[1];
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/dist\//, '');
}

export function summarizeProfile(file: string, topN = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>(); // node id → µs
  if (p.samples && p.timeDeltas) {
    // each delta is the time before a sample; attribute it to that sample's node
    for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + Math.max(0, p.timeDeltas[i] ?? 0));
  } else {
    const interval = (p.endTime - p.startTime) / Math.max(1, p.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0));
    for (const n of p.nodes) self.set(n.id, (n.hitCount ?? 0) * interval);
  }
  const totalUs = p.endTime - p.startTime;
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const mod = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName || '(anonymous)';
    // piscina's atomicsWaitLoop is a pool thread waiting for work (Atomics.wait): idle too
    if (name === '(idle)' || name === 'atomicsWaitLoop') {
      idleUs += us;
      continue;
    }
    const where = n.callFrame.url ? `${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : '';
    const key = `${name}|${where}`;
    const e = fn.get(key) ?? { name, where, us: 0 };
    e.us += us;
    fn.set(key, e);
    const m = moduleOf(n.callFrame.url, name);
    mod.set(m, (mod.get(m) ?? 0) + us);
  }
  const busyUs = Math.max(1, totalUs - idleUs);
  const top = [...fn.values()].sort((a, b) => b.us - a.us).slice(0, topN).map((e) => ({ name: e.name, where: e.where, ms: e.us / 1000, pct: (100 * e.us) / busyUs }));
  const modules = [...mod].sort((a, b) => b[1] - a[1]).slice(0, topN).map(([m, us]) => ({ name: m, where: '', ms: us / 1000, pct: (100 * us) / busyUs }));
  return { file, totalMs: totalUs / 1000, busyMs: busyUs / 1000, top, modules };
}

export function formatSummary(s: ProfileSummary): string {
  const lines = [`${s.file}: ${(s.totalMs / 1000).toFixed(1)} s profiled, ${(s.busyMs / 1000).toFixed(1)} s busy`];
  lines.push('  top self time (% of busy):');
  for (const h of s.top) lines.push(`    ${h.pct.toFixed(1).padStart(5)} %  ${h.ms.toFixed(0).padStart(7)} ms  ${h.name}  ${h.where}`);
  lines.push('  by module:');
  for (const h of s.modules) lines.push(`    ${h.pct.toFixed(1).padStart(5)} %  ${h.ms.toFixed(0).padStart(7)} ms  ${h.name}`);
  return lines.join('\n');
}

if (require.main === module) {
  for (const f of process.argv.slice(2)) console.log(formatSummary(summarizeProfile(f)));
}
