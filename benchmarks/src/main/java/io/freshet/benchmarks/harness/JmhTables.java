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
