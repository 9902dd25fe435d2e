package io.freshet.benchmarks.harness;

import static io.freshet.benchmarks.harness.ReportNumbers.dbl;
import static io.freshet.benchmarks.harness.ReportNumbers.num;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link ResultsReport}'s JMH sections: the read and apply comparisons (each subject's ns/op against the Freshet
 * engine's in the same group) and the list of every result. Runs are JMH's {@code -rf json} objects as parsed by
 * {@link Json}. Single-threaded.
 */
final class JmhTables {
    private static final String ALLOC = "gc.alloc.rate.norm";
    /** Key counts above this are the served read's large pass (10M in the issue; what fits on smaller machines). */
    private static final long LARGE_KEYS_FROM = 1_000_000;
    /** The served-read table's baseline subject. */
    private static final String HEAP_VECTOR = "on-heap precomputed vector, CHM get + copy (chmGetCopy)";
    /** The served-read table's subject the goals are about. */
    private static final String FRESHET_PAYMENT = "**Freshet `FeatureReader.read`, payment (16 features)** (read)";

    private final Markdown md;

    /** @param md where the sections go */
    JmhTables(Markdown md) {
        this.md = md;
    }

    /** The read comparison, one table per (keys, distribution) group. */
    void reads(List<Map<String, Object>> jmh) {
        line("## Read one feature vector (JMH, one run)");
        line("");
        line("One row per key read into caller-owned memory; keys drawn Zipf (0.99) or uniform. The store suites read"
            + " their 8-counter row (144 B); the peers rows of `rowBytes` (shown, 144 B by default); each suite's"
            + " header says how it copies the row out. `× Freshet` = this ns/op ÷ the Freshet table engine's"
            + " ns/op in the same group (above 1: slower than Freshet). Peers: `ConcurrentHashMap<Long,long[]>`"
            + " get + copy (on-heap"
            + " baseline), raw Chronicle Map `getUsing`, Kafka Streams RocksDB store `get` (KTable store built through"
            + " TopologyTestDriver), Redis `GET` over loopback through Jedis.");
        line("");
        line("Redis is one loopback round trip per read, so its figure follows the virtual machine's thread wake-up"
            + " latency more than Redis itself: on this VM it has differed several-fold between a busy and an idle"
            + " machine. Compare it by order of magnitude.");
        line("");
        table(jmh, true);
    }

    /**
     * The served read (issue 18 points 1-2): {@code ServedReadBenchmark}'s {@code FeatureReader.read} of each set
     * beside its peers, one table per (keys, distribution) group with the mean (avgt) and the sample-mode
     * percentiles, each against the on-heap precomputed vector's in the same run, then the goals met or not.
     *
     * @param served the runs of {@code jmh-served.json} and {@code jmh-served-scale.json}
     */
    void served(List<Map<String, Object>> served) {
        if (!md.section("## Serve one feature vector (JMH, one run)", !served.isEmpty(),
            "Not run (no `jmh-served.json`: see Suites run).")) {
            return;
        }
        line("What a model-serving caller does per request: `FeatureReader.read(key, vector)` of the whole vector"
            + " (`payment`: the 16-feature `PaymentFeatures`, 2,736 B rows; `demo`: the fraud demo's 13 features,"
            + " 6,136 B rows) from a table store in `/dev/shm` filled with 40 payments per key over the last 65"
            + " minutes (tiles populated), read at \"now\". Peers of the same vector, precomputed: 16 doubles in a"
            + " `ConcurrentHashMap<Long,double[]>` (get + copy: the on-heap baseline), as 128 bytes in Kafka Streams'"
            + " RocksDB store (`get` + decode) and in Redis over loopback (`GET` through Jedis + decode). Mean from"
            + " JMH avgt (sample mode's mean where a peer runs in sample mode only, marked ˢ); p50/p99/p99.9 from"
            + " sample mode, which includes the ~25 ns timer. `× heap` = this figure ÷ the on-heap get's in the same"
            + " group. On a loaded machine the means carry every pre-empted operation (see the load average) and the"
            + " p50 is the steadier figure. B/op from avgt with `-prof gc`: Freshet's forks show ~0.1-0.2 B per µs of"
            + " mean operation time whichever set they read (time-proportional, not per read: the evaluation itself"
            + " allocates nothing, `EvaluationFloor` 0.001 B/op), so a read of several µs on a loaded machine shows"
            + " tenths of a byte to a few bytes.");
        line("");
        Map<String, Map<String, Served>> groups = new TreeMap<>();
        for (Map<String, Object> run : served) {
            String subject = servedLabel(run);
            if (subject != null) {
                groups.computeIfAbsent(group(run), g -> new LinkedHashMap<>())
                    .computeIfAbsent(subject, k -> new Served()).add(run);
            }
        }
        List<String> goals = new ArrayList<>();
        for (Map.Entry<String, Map<String, Served>> g : groups.entrySet()) {
            Served heap = g.getValue().get(HEAP_VECTOR);
            line("**" + g.getKey() + "**");
            line("");
            line("| Subject | mean ns | × heap | p50 ns | × heap | p99 ns | × heap | p99.9 ns | B/op |");
            line("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            List<Map.Entry<String, Served>> rows = new ArrayList<>(g.getValue().entrySet());
            rows.sort((x, y) -> Double.compare(x.getValue().p50(), y.getValue().p50()));
            for (Map.Entry<String, Served> row : rows) {
                Served v = row.getValue();
                line("| " + row.getKey() + " | " + num(v.mean()) + (Double.isNaN(v.avgt) ? "ˢ" : "") + " | "
                    + ratio(v.mean(), heap == null ? Double.NaN : heap.mean()) + " | " + num(v.p50()) + " | "
                    + ratio(v.p50(), heap == null ? Double.NaN : heap.p50()) + " | " + num(v.p99()) + " | "
                    + ratio(v.p99(), heap == null ? Double.NaN : heap.p99()) + " | " + num(v.p999()) + " | "
                    + num(v.alloc) + " |");
            }
            line("");
            Served freshet = g.getValue().get(FRESHET_PAYMENT);
            if (freshet != null && heap != null) {
                long keys = keysOf(g.getValue());
                double bound = keys > LARGE_KEYS_FROM ? 2.5 : 2.0;
                double meanRatio = freshet.mean() / heap.mean();
                double p50Ratio = freshet.p50() / heap.p50();
                goals.add("| " + g.getKey() + " | ≤ " + bound + "× the on-heap get | mean " + ratio(freshet.mean(),
                    heap.mean()) + ", p50 " + ratio(freshet.p50(), heap.p50()) + " | " + (meanRatio <= bound
                    ? p50Ratio <= bound ? "met" : "met by the mean only" : p50Ratio <= bound ? "met at p50 only"
                    : "**not met**") + " |");
                if (keys > LARGE_KEYS_FROM) {
                    goals.add("| " + g.getKey() + " | p99 ≤ 1,000 ns | " + num(freshet.p99()) + " ns | "
                        + (freshet.p99() <= 1000 ? "met" : "**not met**") + " |");
                }
                goals.add("| " + g.getKey() + " | 0 B/op | " + num(freshet.alloc) + " B/op | "
                    + (freshet.alloc < 1 ? "met" : "**not met**") + " |");
            }
        }
        if (!goals.isEmpty()) {
            line("Goals of issue 18 (points 1-2) for the 16-feature set; 2.5× and p99 apply to the pass above 1M keys"
                + " (10M in the issue; where 10M do not fit, the count in the group header):");
            line("");
            line("| Group | Goal | Measured | |");
            line("|---|---|---|---|");
            goals.forEach(this::line);
            line("");
        }
    }

    /** @return the served-read table's subject of a run, or null for a benchmark the table does not show */
    static String servedLabel(Map<String, Object> run) {
        String b = (String) run.get("benchmark");
        if (!"ServedReadBenchmark".equals(simpleClass(b))) {
            return null;
        }
        Map<String, Object> p = params(run);
        switch (method(b)) {
            case "read":
                return "payment".equals(p.get("set")) ? FRESHET_PAYMENT
                    : "**Freshet `FeatureReader.read`, " + p.get("set") + " (13 features)** (read)";
            case "chmGetCopy":
                return HEAP_VECTOR;
            case "remoteGetDecode":
                return "kafkaStreams".equals(p.get("peer")) ? "Kafka Streams RocksDB get + decode (remoteGetDecode)"
                    : "redis".equals(p.get("peer")) ? "Redis GET over loopback + decode (remoteGetDecode)"
                    : "peer=" + p.get("peer") + " (remoteGetDecode)";
            default:
                return null;
        }
    }

    private static long keysOf(Map<String, Served> group) {
        return group.values().stream().mapToLong(s -> s.keys).max().orElse(0);
    }

    private static String ratio(double x, double ref) {
        return Double.isNaN(x) || Double.isNaN(ref) || ref == 0 ? "—" : String.format(Locale.ROOT, "%.2f×", x / ref);
    }

    /** One subject's figures in one group: the avgt run and the sample run. */
    private static final class Served {
        double avgt = Double.NaN;
        double alloc = Double.NaN;
        double sampleMean = Double.NaN;
        double sampleAlloc = Double.NaN;
        Map<String, Object> percentiles = Map.of();
        long keys;

        @SuppressWarnings("unchecked")
        void add(Map<String, Object> run) {
            keys = (long) Double.parseDouble(params(run).getOrDefault("keys", "0").toString());
            if ("sample".equals(run.get("mode"))) {
                sampleMean = score(run);
                sampleAlloc = JmhTables.alloc(run);
                Object pc = primary(run).get("scorePercentiles");
                if (pc instanceof Map) {
                    percentiles = (Map<String, Object>) pc;
                }
            } else if ("avgt".equals(run.get("mode"))) {
                avgt = score(run);
                alloc = JmhTables.alloc(run);
            }
            if (Double.isNaN(alloc)) {
                alloc = sampleAlloc;
            }
        }

        double mean() {
            return Double.isNaN(avgt) ? sampleMean : avgt;
        }

        double p50() {
            return percentile("50.0");
        }

        double p99() {
            return percentile("99.0");
        }

        double p999() {
            return percentile("99.9");
        }

        private double percentile(String key) {
            Double d = dbl(percentiles.get(key));
            return d == null ? Double.NaN : d;
        }
    }

    /** The apply comparison, one table per (keys, distribution) group. */
    void applies(List<Map<String, Object>> jmh) {
        line("## Apply one event (JMH, one run)");
        line("");
        line("`× Freshet` = this ns/op ÷ the Freshet table engine's apply in the same group.");
        line("");
        table(jmh, false);
    }

    private void table(List<Map<String, Object>> jmh, boolean reads) {
        Map<String, List<Map<String, Object>>> groups = new TreeMap<>();
        for (Map<String, Object> run : jmh) {
            String label = label(run, reads);
            if (label != null) {
                groups.computeIfAbsent(group(run), g -> new ArrayList<>()).add(run);
            }
        }
        if (groups.isEmpty()) {
            line("No results in this run (see Suites run).");
            line("");
            return;
        }
        for (Map.Entry<String, List<Map<String, Object>>> g : groups.entrySet()) {
            Double ref = null;
            for (String want : new String[] {"Freshet table engine", "Freshet Chronicle engine"}) {
                for (Map<String, Object> run : g.getValue()) {
                    if (ref == null && label(run, reads).startsWith(want)) {
                        ref = score(run);
                    }
                }
            }
            line("**" + g.getKey() + "**");
            line("");
            line("| Subject | ns/op | ± | B/op | × Freshet |");
            line("|---|---:|---:|---:|---:|");
            g.getValue().sort((x, y) -> Double.compare(score(x), score(y)));
            for (Map<String, Object> run : g.getValue()) {
                double s = score(run);
                line("| " + label(run, reads) + " | " + num(s) + " | " + num(error(run)) + " | " + num(alloc(run))
                    + " | " + (ref == null ? "—" : String.format(Locale.ROOT, "%.2f×", s / ref)) + " |");
            }
            line("");
        }
    }

    /** @return a human label when the run belongs to the read (or apply) comparison, else null */
    static String label(Map<String, Object> run, boolean reads) {
        String b = (String) run.get("benchmark");
        String cls = simpleClass(b);
        String m = b.substring(b.lastIndexOf('.') + 1);
        Map<String, Object> p = params(run);
        String extra = p.containsKey("location") ? " [" + p.get("location") + "]" : "";
        if (p.containsKey("rowBytes")) {
            extra += " [" + p.get("rowBytes") + " B rows]";
        }
        String where = " (" + cls + "." + m + ")";
        if (reads) {
            if (cls.equals("StoreBenchmark") && m.equals("read")) {
                return engineLabel(p.get("engine")) + extra + where;
            }
            if (cls.equals("ChronicleStoreBenchmark")) {
                switch (m) {
                    case "engineRead":
                        return "Freshet Chronicle engine" + where;
                    case "rawGetUsing":
                        return "raw Chronicle Map getUsing" + where;
                    case "chmRead":
                        return "ConcurrentHashMap baseline" + where;
                    default:
                        return null;
                }
            }
            if (cls.equals("PeerReadBenchmark")) {
                Object peer = p.get("peer");
                if ("kafkaStreams".equals(peer)) {
                    return "Kafka Streams RocksDB get" + extra + where;
                }
                if ("redis".equals(peer)) {
                    return "Redis GET, Jedis over loopback" + extra + where;
                }
                return "ConcurrentHashMap baseline" + extra + where;
            }
            return null;
        }
        if (cls.equals("StoreBenchmark") && m.equals("apply")) {
            return engineLabel(p.get("engine")) + extra + where;
        }
        if (cls.equals("ChronicleStoreBenchmark")) {
            switch (m) {
                case "engineApply":
                    return "Freshet Chronicle engine" + where;
                case "rawPut":
                    return "raw Chronicle Map put" + where;
                case "chmApply":
                    return "ConcurrentHashMap baseline" + where;
                default:
                    return null;
            }
        }
        return null;
    }

    private static String engineLabel(Object engine) {
        if ("table".equals(engine)) {
            return "Freshet table engine";
        }
        if ("chronicle".equals(engine)) {
            return "Freshet Chronicle engine";
        }
        if ("chm".equals(engine)) {
            return "ConcurrentHashMap baseline";
        }
        return "engine=" + engine;
    }

    static String group(Map<String, Object> run) {
        Map<String, Object> p = params(run);
        Object keys = p.getOrDefault("keys", "?");
        Object dist = p.containsKey("distribution") ? p.get("distribution") : p.getOrDefault("dist", "?");
        return String.format(Locale.ROOT, "%,d keys, %s", (long) Double.parseDouble(keys.toString()), dist);
    }

    /** Every JMH result of the run, as JMH reported it. */
    void all(List<Map<String, Object>> jmh) {
        if (!md.section("## Every JMH result of this run", !jmh.isEmpty(), "None (see Suites run).")) {
            return;
        }
        line("| Benchmark | Params | Score | ± | Unit | B/op |");
        line("|---|---|---:|---:|---|---:|");
        for (Map<String, Object> run : jmh) {
            Map<String, Object> pm = primary(run);
            line("| " + simpleClass((String) run.get("benchmark")) + "." + method((String) run.get("benchmark"))
                + " | " + params(run).toString().replace("{", "").replace("}", "") + " | " + num(score(run)) + " | "
                + num(error(run)) + " | " + pm.get("scoreUnit") + " | " + num(alloc(run)) + " |");
        }
        line("");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> params(Map<String, Object> run) {
        Object p = run.get("params");
        return p instanceof Map ? (Map<String, Object>) p : new LinkedHashMap<>();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> primary(Map<String, Object> run) {
        return (Map<String, Object>) run.get("primaryMetric");
    }

    static double score(Map<String, Object> run) {
        Double d = dbl(primary(run).get("score"));
        return d == null ? Double.NaN : d;
    }

    private static double error(Map<String, Object> run) {
        Double d = dbl(primary(run).get("scoreError"));
        return d == null ? Double.NaN : d;
    }

    @SuppressWarnings("unchecked")
    private static double alloc(Map<String, Object> run) {
        Object sec = run.get("secondaryMetrics");
        if (sec instanceof Map) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) sec).entrySet()) {
                if (e.getKey().endsWith(ALLOC)) {
                    Double d = dbl(((Map<String, Object>) e.getValue()).get("score"));
                    return d == null ? Double.NaN : d;
                }
            }
        }
        return Double.NaN;
    }

    private static String simpleClass(String benchmark) {
        String cls = benchmark.substring(0, benchmark.lastIndexOf('.'));
        return cls.substring(cls.lastIndexOf('.') + 1);
    }

    private static String method(String benchmark) {
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    private void line(String s) {
        md.line(s);
    }
}
