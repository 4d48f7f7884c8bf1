/**
 * What stops a target when it is missed, as found by profiling this code base (Nov 2026).
 * Kept in one place so it can be corrected when the code under it changes; each names the
 * module, what it does, and what it would take.
 */
export const LIMITS = {
  inkFrame:
    'a frame is React reconciling the App and Yoga laying out ~50 <Text>s (ink/build/reconciler.js, yoga-layout), then the screen host comparing rows and writing the changed cells (ui/host/line-writer.ts); the host part is well under a millisecond, the rest is the App: see appOn',
  appOn:
    "the SAs view keeps its rows live (ui/sa-model.ts: O(k log n) per published change, a full listing merged in O(n)), so what is left on a filter or sort change is the O(n) part it cannot skip: the first filter builds every IKE_SA's haystack (ui/rows.ts, about 1 µs each; later ones reuse them), a new sort computes n sort keys and sorts them (O(n log n), natural string order for names), a refilter walks every IKE_SA; in this process the scripted daemon, the store and the App share one heap, so a garbage collection landing in the span adds tens of ms. It would take preparing haystacks in idle time, and a machine not shared with other work",
  rawViews:
    "vici/views.ts keeps `raw` (the whole decoded ViciSection, a Map of Buffers) on every IkeSa and ChildSa, and monitor/rows.ts keeps those views: at 10,000 SAs that is ~61 MB of the store's ~86 MB live heap (dropping raw: heap 131 → 70 MB); store.ts drain() also holds a whole listing (all `Listed`) before applyFull. It would take not keeping raw in the store (fetch it for the details pane), interning repeated strings, and applying listings as they stream",
  ageTicks:
    'rows.ts keeps an idle row\'s old object (and its old listedAt) so the UI can skip it, and columns.ts draws AGE = now − listedAt once it passes max(3×interval, 5 s): every idle row on screen then changes its AGE text every second and is redrawn, whole. It would take a "confirmed at" time in the snapshot (per row or a map) for AGE, apart from listedAt',
  restCost:
    "at rest the CLI still lists all 1,003 SAs every 2 s. Idle SAs are no longer decoded (their bodies' bytes are compared with the last ones, monitor/sa-decoder.ts sameButClock; 3.7 % → 2.8 % in alternating probes on the lab), so what is left, in a --cpu-prof, is about 1.4 % on the main thread: the screen's renders (React and the line writer, about 1.4 frames a second: the clock tick, the stats and the listing), that byte compare, reading 1 MB of list-sa every 2 s through the session, and the garbage collection after them; about 1 % more is V8's worker threads and the kernel. It would take fewer renders (stats and listing published as one, a tick only when a visible value changes) or a longer default interval; htop beside it reads /proc in C",
  lineDiff:
    'the screen host writes only changed cells (ui/host/line-writer.ts), and moves rows by insert/delete-line when a rekey adds a CHILD_SA row; what remains is each rekey (new SPIs, state, ages of the new CHILD_SA), the header meters, and every row whose EST age ticks (seconds-old SAs tick every second, each tick a cursor move and a digit or two)',
  listedAt:
    'by design ChildRow.listedAt does not advance on an idle row (rows.ts keeps the old object for memoisation), so now − listedAt grows between changes however often the row is listed; see the "since a listing confirmed it" row for the data\'s real age',
  fullPeriod:
    'in full mode a row is confirmed once per listing, started every interval (scheduler.ts): just before the next listing lands its data is interval + listing time old, so "never older than 2 s" needs an interval of 2 s minus the listing time',
  budgetedRows:
    'in budgeted mode (scheduler.ts plan) rows on screen are refreshed one filtered listing per slot, and rows that just came on screen wait their turn (up to the full period, ≥ 60 s)',
  wallTimeBudget:
    "scheduler.ts plan() compares a full listing's wall time as swantop measures it (store.ts listFull: end − start, including swantop's own event-loop stalls while it draws and the machine's load) with 5 % of the interval, so it slows down while charon spent far less; it would take measuring the daemon's part (e.g. gaps while the reader keeps up) or decoding off the main thread",
  frameLatency:
    'an urgent change is published on setImmediate (store.ts), and the screen host writes the frame of the commit on the next setImmediate (ui/host/render.ts, no fps cap); what is left is the App render (see appOn) and the machine: under load the event loop waits for the CPU',
  listingLock:
    "a full list-sas at 5,000 SAs holds charon's IKE_SA table lock for seconds (lab notes: ~3.3 s CPU), and exchanges wait behind it; swantop still lists in full every ≥ 60 s in budgeted mode (scheduler.ts MIN_BUDGETED_FULL_MS)",
} as const;
