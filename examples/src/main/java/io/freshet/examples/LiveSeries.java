package io.freshet.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The live page's time series: one point per second (the demo's status tick), kept for the last {@link #CAPACITY}
 * seconds, plus the totals of the latest point. {@link #json()} renders it in uPlot's columnar form (one array of
 * x values, one array per series, {@code null} for a gap) so the page hands the arrays to its charts as they are.
 *
 * <p>Freshness is per stage and per tick: event → broker, broker → poll and poll → applied come from the pipeline's
 * interval histograms of that second, produce → readable from the demo's {@link FreshnessProbe}; all in ms. A stage
 * with no sample in a second is a gap, not a zero (a log-scale chart cannot show zero, and nothing was measured).
 *
 * <p>Threading: {@link #add} and {@link #finish} by the demo's owner thread, {@link #json} by the HTTP threads; every
 * method holds this object's lock (once a second and once per page poll: never a hot path).
 */
final class LiveSeries {
    /** Points kept: ten minutes at one a second. */
    static final int CAPACITY = 600;
    /** The freshness stages, in the order of {@link Point#p50Ms} and {@link Point#p99Ms}. */
    static final String[] STAGES = {"eventToBroker", "brokerToPoll", "pollToApplied", "produceToReadable"};

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Point[] ring = new Point[CAPACITY];
    private long added;
    private boolean finished;
    /** The newest migration progress, or null while none runs. */
    private Backfill backfill;

    /**
     * A migration's backfill as the page shows it.
     *
     * @param done records of the history applied to the shadow store
     * @param total records to apply before it tails live traffic
     * @param state BACKFILLING, TAILING, READY, FAILED, or PROMOTED once the new definition serves
     */
    record Backfill(long done, long total, String state) {
    }

    /**
     * One second of the demo, as the status line printed it. Rates are per second over the tick; totals are since
     * production started (produced) or since the pipeline started (applied, bad records).
     *
     * @param seconds seconds since production started
     * @param producedPerS payments and probes sent per second
     * @param appliedPerS records applied per second
     * @param lag records behind over every partition, -1 while unknown
     * @param p50Ms median per stage of {@link #STAGES}, ms, NaN when the stage had no sample
     * @param p99Ms 99th percentile per stage of {@link #STAGES}, ms, NaN when the stage had no sample
     * @param produced records sent so far
     * @param applied records applied so far
     * @param badRecords bad records so far (skipped by the demo's policy)
     * @param probeTimeouts freshness probes not readable within {@link FreshnessProbe#TIMEOUT_MS}
     * @param storeRows rows in the store
     * @param storeCapacity rows the store holds before it grows
     * @param state the set's state
     * @param reason why the set is not RUNNING, or null
     */
    record Point(double seconds, double producedPerS, double appliedPerS, long lag, double[] p50Ms, double[] p99Ms,
        long produced, long applied, long badRecords, long probeTimeouts, long storeRows, long storeCapacity,
        String state, String reason) {
        Point {
            if (p50Ms.length != STAGES.length || p99Ms.length != STAGES.length) {
                throw new IllegalArgumentException("p50Ms and p99Ms need one value per stage: " + STAGES.length);
            }
            p50Ms = p50Ms.clone();
            p99Ms = p99Ms.clone();
        }
    }

    /** @param p the newest point; the oldest is dropped once {@link #CAPACITY} are kept */
    synchronized void add(Point p) {
        ring[(int) (added % CAPACITY)] = p;
        added++;
    }

    /** @param b the migration's newest progress (the demo's {@code --migrate-after}) */
    synchronized void backfill(Backfill b) {
        backfill = b;
    }

    /** Marks the run as over: production stopped and the pipeline applied what was produced (or gave up waiting). */
    synchronized void finish() {
        finished = true;
    }

    /** @return points added so far, including those dropped */
    synchronized long points() {
        return added;
    }

    /**
     * @return {@code {"seq", "finished", "uplot": {"t", "produced", "applied", "lag", "p50": {stage: [...]},
     *     "p99": {...}}, "latest": {...}}}; {@code latest} is null before the first point
     */
    synchronized String json() {
        int n = (int) Math.min(added, CAPACITY);
        long first = added - n;
        ObjectNode root = JSON.createObjectNode();
        root.put("seq", added);
        root.put("finished", finished);
        ObjectNode series = root.putObject("series");
        ArrayNode t = series.putArray("t");
        ArrayNode produced = series.putArray("producedPerS");
        ArrayNode applied = series.putArray("appliedPerS");
        ArrayNode lag = series.putArray("lag");
        ObjectNode p50 = series.putObject("p50Ms");
        ObjectNode p99 = series.putObject("p99Ms");
        ArrayNode[] p50s = new ArrayNode[STAGES.length];
        ArrayNode[] p99s = new ArrayNode[STAGES.length];
        for (int s = 0; s < STAGES.length; s++) {
            p50s[s] = p50.putArray(STAGES[s]);
            p99s[s] = p99.putArray(STAGES[s]);
        }
        Point last = null;
        for (long i = first; i < added; i++) {
            Point p = ring[(int) (i % CAPACITY)];
            t.add(p.seconds());
            produced.add(Math.round(p.producedPerS()));
            applied.add(Math.round(p.appliedPerS()));
            if (p.lag() < 0) {
                lag.addNull();
            } else {
                lag.add(p.lag());
            }
            for (int s = 0; s < STAGES.length; s++) {
                addMs(p50s[s], p.p50Ms()[s]);
                addMs(p99s[s], p.p99Ms()[s]);
            }
            last = p;
        }
        if (last == null) {
            root.putNull("latest");
        } else {
            ObjectNode l = root.putObject("latest");
            l.put("seconds", last.seconds());
            l.put("produced", last.produced());
            l.put("applied", last.applied());
            l.put("lag", last.lag());
            l.put("badRecords", last.badRecords());
            l.put("probeTimeouts", last.probeTimeouts());
            l.put("storeRows", last.storeRows());
            l.put("storeCapacity", last.storeCapacity());
            l.put("state", last.state());
            l.put("reason", last.reason());
            ObjectNode p99Now = l.putObject("p99Ms");
            for (int s = 0; s < STAGES.length; s++) {
                addMs(p99Now, STAGES[s], last.p99Ms()[s]);
            }
        }
        if (backfill == null) {
            root.putNull("backfill");
        } else {
            ObjectNode b = root.putObject("backfill");
            b.put("done", backfill.done());
            b.put("total", backfill.total());
            b.put("state", backfill.state());
        }
        return root.toString();
    }

    /** Microsecond resolution is all a ms chart needs, and it keeps the document small. */
    private static void addMs(ArrayNode a, double ms) {
        if (Double.isNaN(ms)) {
            a.addNull();
        } else {
            a.add(Math.round(ms * 1000) / 1000.0);
        }
    }

    private static void addMs(ObjectNode o, String name, double ms) {
        if (Double.isNaN(ms)) {
            o.putNull(name);
        } else {
            o.put(name, Math.round(ms * 1000) / 1000.0);
        }
    }
}
