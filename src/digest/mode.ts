// Which mode a table pair runs in: pushdown where every compared column allows it, else extract.
import type { ColumnPair } from '../core/types';

export function pushdownSupportOf(pairs: ColumnPair[]): { ok: boolean; reasons: string[] } {
  void pairs;
  return { ok: false, reasons: ['pushdown mode is not available in this build'] };
}
