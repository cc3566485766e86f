// Which mode a table pair runs in: pushdown where every compared column allows it, else extract.
import type { ColumnPair } from '../core/types';
import { pushdownSupport } from '../pushdown';

export type Mode = 'extract' | 'pushdown';

export function pushdownSupportOf(pairs: ColumnPair[]): { ok: boolean; reasons: string[] } {
  return pushdownSupport(pairs);
}

/** auto → pushdown when possible; an explicit pushdown that cannot be honoured is a halt, not a silent extract. */
export function chooseMode(requested: 'auto' | 'extract' | 'pushdown', pairs: ColumnPair[]): { mode: Mode; halt?: string } {
  if (requested === 'extract') return { mode: 'extract' };
  const support = pushdownSupport(pairs);
  if (support.ok) return { mode: 'pushdown' };
  if (requested === 'pushdown') return { mode: 'extract', halt: `--mode pushdown is not possible: ${support.reasons.join('; ')}` };
  return { mode: 'extract' };
}
