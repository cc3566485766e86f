// Workflow entry points. Workflows import activities as types only, and nothing from src/
// but pure code (config schema, core).
export { reconcileRun, runStateQuery } from './run';
export { reconcileTable, progressQuery, pauseSignal, resumeSignal, setConcurrencySignal } from './table';
