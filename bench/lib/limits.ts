/**
 * What stops a target when it is missed, as found by profiling this code base (Nov 2026).
 * Kept in one place so it can be corrected when the code under it changes; each names the
 * module, what it does, and what it would take.
 */
export const LIMITS = {
  inkFrame:
    "Ink's Output (ink/build/output.js) re-tokenizes the ANSI of every line and measures every character's width (ansi-tokenize, string-width) on every frame, changed lines or not — its own floor is the reference column. It would take a line writer that caches tokenized lines (or fewer style switches per line)",
  appOn:
    'at 10,000 SAs each published change recomputes O(n) work: ui/rows.ts flatten and filterIkes over every row, store.ts computeTotals and rows.ts snapshot over every IKE_SA; it would take an incremental row model (re-flatten only the IKE_SA that changed) and totals kept by the RowTable',
  rawViews:
    "vici/views.ts keeps `raw` (the whole decoded ViciSection, a Map of Buffers) on every IkeSa and ChildSa, and monitor/rows.ts keeps those views: at 10,000 SAs that is ~61 MB of the store's ~86 MB live heap (dropping raw: heap 131 → 70 MB); store.ts drain() also holds a whole listing (all `Listed`) before applyFull. It would take not keeping raw in the store (fetch it for the details pane), interning repeated strings, and applying listings as they stream",
  ageTicks:
    'rows.ts keeps an idle row\'s old object (and its old listedAt) so the UI can skip it, and columns.ts draws AGE = now − listedAt once it passes max(3×interval, 5 s): every idle row on screen then changes its AGE text every second and is redrawn, whole. It would take a "confirmed at" time in the snapshot (per row or a map) for AGE, apart from listedAt',
  lineDiff:
    "Ink's incremental log-update diffs by line position and rewrites a changed line whole (~260 B at 200 columns with colours); a rekey adds then removes the old CHILD_SA's line, shifting every line below it. It would take stable line positions during a rekey, or a writer that updates changed cells / uses insert-delete-line",
  listedAt:
    'by design ChildRow.listedAt does not advance on an idle row (rows.ts keeps the old object for memoisation), so now − listedAt grows between changes however often the row is listed; see the "since a listing confirmed it" row for the data\'s real age',
  fullPeriod:
    'in full mode a row is confirmed once per listing, started every interval (scheduler.ts): just before the next listing lands its data is interval + listing time old, so "never older than 2 s" needs an interval of 2 s minus the listing time',
  budgetedRows:
    'in budgeted mode (scheduler.ts plan) rows on screen are refreshed one filtered listing per slot, and rows that just came on screen wait their turn (up to the full period, ≥ 60 s)',
  wallTimeBudget:
    "scheduler.ts plan() compares a full listing's wall time as swantop measures it (store.ts listFull: end − start, including swantop's own event-loop stalls while it draws and the machine's load) with 5 % of the interval, so it slows down while charon spent far less; it would take measuring the daemon's part (e.g. gaps while the reader keeps up) or decoding off the main thread",
  frameLatency:
    'an urgent change is published on setImmediate (store.ts), then Ink throttles frames to 20 fps (runApp maxFps: up to 50 ms) and a frame costs what the render rows show; it would take a cheaper frame (see render) and a higher fps cap for urgent frames',
  listingLock:
    "a full list-sas at 5,000 SAs holds charon's IKE_SA table lock for seconds (lab notes: ~3.3 s CPU), and exchanges wait behind it; swantop still lists in full every ≥ 60 s in budgeted mode (scheduler.ts MIN_BUDGETED_FULL_MS)",
} as const;
