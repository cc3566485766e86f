// docker-compose.yml cannot run here (no Docker engine), so check what can be checked:
// it parses, names the services the README promises, and bounds the workers' memory.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

describe('docker-compose.yml', () => {
  const doc = parse(readFileSync(resolve(__dirname, '../../docker-compose.yml'), 'utf8'), { merge: true });
  it('has PostgreSQL, MySQL 8, Temporal with its UI, and Parity workers', () => {
    expect(Object.keys(doc.services)).toEqual(expect.arrayContaining(['postgres', 'mysql', 'temporal', 'worker-1', 'worker-2']));
    expect(doc.services.mysql.image).toMatch(/^mysql:8/);
    expect(doc.services.temporal.ports).toContain('8233:8233');
    for (const sa of ['ParityTable', 'ParitySource', 'ParityTarget', 'ParityStatus']) expect(doc.services.temporal.command.join(' ')).toContain(sa);
  });
  it("the image's entrypoint is the parity launcher, executable, as npx runs it", () => {
    const docker = readFileSync(resolve(__dirname, '../../Dockerfile'), 'utf8');
    const entry = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(docker)?.[1] ?? '[]') as string[];
    expect(entry).toEqual(['/app/bin/parity']);
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8'));
    expect(pkg.bin.parity).toBe('bin/parity');
    expect(statSync(resolve(__dirname, '../../bin/parity')).mode & 0o111).toBe(0o111);
    expect(readFileSync(resolve(__dirname, '../../bin/parity'), 'utf8')).toMatch(/^#!\/bin\/sh\n[\s\S]*\nexec node /);
  });
  it('gives every worker a memory limit and a matching --memory-budget below it', () => {
    for (const w of ['worker-1', 'worker-2']) {
      const s = doc.services[w];
      const limit = s.deploy.resources.limits.memory as string;
      expect(limit).toMatch(/^\d+M$/);
      const budget = s.command[s.command.indexOf('--memory-budget') + 1] as string;
      expect(parseInt(budget, 10)).toBeLessThan(parseInt(limit, 10));
      expect(s.environment.PARITY_CONN_SOURCE).toMatch(/^postgres:\/\//);
    }
  });
});
