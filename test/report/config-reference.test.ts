// docs/config-reference.md is generated from the zod schemas; this fails when someone
// changes a schema (a key, a default, a description) and forgets to regenerate it.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configReference, EXAMPLE_CONFIG, REFERENCE_PATH } from '../../scripts/gen-config-reference';
import { ConfigFile } from '../../src/config/load';
import { RunOptions } from '../../src/config/schema';

describe('docs/config-reference.md', () => {
  it('is what scripts/gen-config-reference.ts generates from the current schemas', () => {
    const committed = readFileSync(REFERENCE_PATH, 'utf8');
    // a readable hint first: which generated lines are missing from the committed file
    const missing = configReference().split('\n').filter((l) => l.startsWith('|') && !committed.includes(l));
    expect(missing, 'stale: run `npm run build && node dist/scripts/gen-config-reference.js`').toEqual([]);
    expect(committed).toBe(configReference());
  });

  it('documents every run option with its default', () => {
    const text = configReference();
    const defaults = RunOptions.parse({});
    for (const key of Object.keys(RunOptions.shape)) {
      const row = text.split('\n').find((l) => l.startsWith(`| \`${key}\` |`));
      expect(row, key).toBeDefined();
      const d = (defaults as Record<string, unknown>)[key];
      if (d !== undefined) expect(row).toContain(`\`${JSON.stringify(d)}\``);
    }
  });

  it('shows an example config that the config schema accepts', () => {
    const r = ConfigFile.safeParse(parse(EXAMPLE_CONFIG));
    expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
    expect(configReference()).toContain(EXAMPLE_CONFIG);
  });
});
