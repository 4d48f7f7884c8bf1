/**
 * swantop as a package: the VICI client library (also at `swantop/vici`) and the monitor's
 * store, for people who want swantop's live SA model without its terminal UI.
 */

export {
  createMonitor,
  type MonitorOptions,
  type OnceSnapshot,
  snapshotOnce,
} from './monitor/monitor.js';
export type {
  ChildRow,
  EventEntry,
  IkeRow,
  LinkState,
  Monitor,
  MonitorActions,
  MonitorSnapshot,
  Target,
} from './monitor/types.js';
export * from './vici/index.js';
