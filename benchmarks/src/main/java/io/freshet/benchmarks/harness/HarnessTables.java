package io.freshet.benchmarks.harness;

import static io.freshet.benchmarks.harness.ReportNumbers.dbl;
import static io.freshet.benchmarks.harness.ReportNumbers.lng;
import static io.freshet.benchmarks.harness.ReportNumbers.num;
import static io.freshet.benchmarks.harness.ReportNumbers.str;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@link ResultsReport}'s end-to-end sections, from the harnesses' result files: ingest rate, freshness at a fixed
 * rate (with its stages), and restart to serving. Single-threaded.
 */
final class HarnessTables {
    private final Markdown md;

    /** @param md where the sections go */
    HarnessTables(Markdown md) {
        this.md = md;
    }

    /** @param r the parsed {@code ingest.json}, or null when the suite wrote none */
    void ingest(Map<String, Object> r) {
        if (!md.section("## End-to-end ingest from a pre-filled topic", r != null,
            "Not run (no `ingest.json`; see Suites run).")) {
            return;
        }
        line(String.format(Locale.ROOT, "%,d records of %s B values, %,d users (Zipf), %s partitions, broker in the"
            + " same JVM. Rate = (records − 1) ÷ (last record − first record), one processing thread each (Freshet: one"
            + " consumer and one applier thread). Kafka Streams windows: %s. Each system's fastest of its passes"
            + " (bare loop and Freshet: %s, interleaved; Kafka Streams: %s); all passes in the last column.",
            lng(r.get("records")),
            r.get("valueBytes") == null ? "?" : lng(r.get("valueBytes")), lng(r.get("keys")),
            str(r.get("partitions")), r.get("streamsWindow"), str(r.get("reps")), str(r.get("streamsReps"))));
        line("");
        List<Map<String, Object>> rows = rows(r);
        Double bare = metric(rows, "bare-consumer", "recordsPerSec");
        Double freshet = metric(rows, "freshet", "recordsPerSec");
        line("| System | records/s | % of bare loop | Freshet ÷ this | Status | Configuration | All passes |");
        line("|---|---:|---:|---:|---|---|---|");
        for (Map<String, Object> row : rows) {
            Double rate = dbl(row.get("recordsPerSec"));
            line("| " + row.get("system") + " | " + (rate == null ? "—" : String.format(Locale.ROOT, "%,.0f", rate))
                + " | " + (rate == null || bare == null ? "—" : String.format(Locale.ROOT, "%.0f%%", 100 * rate / bare))
                + " | " + (rate == null || freshet == null ? "—" : String.format(Locale.ROOT, "%.2f×", freshet / rate))
                + " | " + row.get("status") + " | " + String.join("; ", nonBlank(str(row.get("threads")),
                str(row.get("config")))) + " | " + passes(row.get("samplesRecordsPerSec")) + " |");
        }
        line("");
    }

    /** @param r the parsed {@code freshness.json}, or null when the suite wrote none */
    void freshness(Map<String, Object> r) {
        if (!md.section("## Freshness at a fixed rate (produce → applied)", r != null,
            "Not run (no `freshness.json`; see Suites run).")) {
            return;
        }
        line(String.format(Locale.ROOT, "%,d events/s for %s s after a %s s warm-up, %,d users (Zipf). Latency from"
            + " each event's *intended* send time (coordinated omission corrected) to the moment the system's store"
            + " holds it; HdrHistogram, µs. `peer ÷ Freshet` compares p99.", lng(r.get("rate")), str(r.get("seconds")),
            str(r.get("warmupSeconds")), lng(r.get("keys"))));
        line("");
        List<Map<String, Object>> rows = rows(r);
        Double f99 = metric(rows, "freshet", "p99Micros");
        line("| System | p50 µs | p99 µs | p99.9 µs | max µs | events measured | peer ÷ Freshet (p99) | Status |");
        line("|---|---:|---:|---:|---:|---:|---:|---|");
        for (Map<String, Object> row : rows) {
            Double p99 = dbl(row.get("p99Micros"));
            line("| " + row.get("system") + " | " + num(row.get("p50Micros")) + " | " + num(row.get("p99Micros"))
                + " | " + num(row.get("p999Micros")) + " | " + num(row.get("maxMicros")) + " | "
                + num(row.get("measured")) + " | "
                + (p99 == null || f99 == null || f99 == 0 ? "—" : String.format(Locale.ROOT, "%.1f×", p99 / f99))
                + " | " + row.get("status") + " |");
        }
        line("");
        stages(r, rows);
    }

    /** Freshness by stage, when the harness recorded it: where a high percentile comes from. */
    @SuppressWarnings("unchecked")
    private void stages(Map<String, Object> result, List<Map<String, Object>> rows) {
        boolean any = false;
        for (Map<String, Object> row : rows) {
            if (!(row.get("stageBrokerAckMicros") instanceof Map)) {
                continue;
            }
            if (!any) {
                any = true;
                Map<String, Object> setup = result.get("setup") instanceof Map
                    ? (Map<String, Object>) result.get("setup") : Map.of();
                line("By stage, each from the same intended send time, µs (p50 / p99 / p99.9): `send()` called (the"
                    + " sender's own lateness), broker acknowledgement (producer, network, broker append), decoded by"
                    + " the pipeline's consumer thread (Freshet), applied. GC: collections and their total time during"
                    + " the measured interval, per JVM. Broker: " + setup.getOrDefault("broker", "this JVM")
                    + "; producer: " + setup.getOrDefault("producer", "this JVM") + ".");
                line("");
                line("| System | send() called | broker ack | decoded | applied | GC (system's JVM) | GC broker JVM"
                    + " | GC producer JVM |");
                line("|---|---:|---:|---:|---:|---|---|---|");
            }
            line("| " + row.get("system") + " | " + triple(row.get("stageSendCallMicros")) + " | "
                + triple(row.get("stageBrokerAckMicros")) + " | " + triple(row.get("stageDecodedMicros")) + " | "
                + num(row.get("p50Micros")) + " / " + num(row.get("p99Micros")) + " / " + num(row.get("p999Micros"))
                + " | " + gc(row.get("gcDuringMeasurement")) + " | " + gc(row.get("gcBrokerJvm")) + " | "
                + gc(row.get("gcProducerJvm")) + " |");
        }
        if (any) {
            line("");
        }
        for (Map<String, Object> row : rows) {
            if (row.get("pipelinePollToAppliedMicros") instanceof Map) {
                line("Freshet's own stage histograms (p50 / p99 / p99.9): broker append → poll "
                    + triple(row.get("pipelineBrokerToPollMs")) + " ms, poll → applied "
                    + triple(row.get("pipelinePollToAppliedMicros")) + " µs.");
                line("");
            }
            if (row.get("readableAppendToReadableMicros") instanceof Map
                && row.get("bareAppendToPollMicros") instanceof Map) {
                Double fresh = dbl(((Map<String, Object>) row.get("readableAppendToReadableMicros")).get("p99"));
                Double bare = dbl(((Map<String, Object>) row.get("bareAppendToPollMicros")).get("p99"));
                line("Freshet's own part, same run, µs (p50 / p99 / p99.9; broker append times are ms, so both append"
                    + " figures carry up to 1 ms of truncation): a bare consumer on the same topic, broker append"
                    + " → poll " + triple(row.get("bareAppendToPollMicros"))
                    + "; Freshet, broker append → readable through `FeatureReader` "
                    + triple(row.get("readableAppendToReadableMicros")) + " ("
                    + num(((Map<String, Object>) row.get("readableAppendToReadableMicros")).get("n"))
                    + " probe events), "
                    + (fresh == null || bare == null || bare == 0 ? "" : String.format(Locale.ROOT,
                        "%.2f× the bare consumer's p99; ", fresh / bare))
                    + "poll → readable " + triple(row.get("readableDecodedToReadableMicros")) + " (`ReadableProbe`).");
                line("");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static String gc(Object gc) {
        if (!(gc instanceof Map) || ((Map<String, Object>) gc).isEmpty()) {
            return "—";
        }
        Map<String, Object> m = (Map<String, Object>) gc;
        return num(m.get("collections")) + " in " + num(m.get("millis")) + " ms";
    }

    @SuppressWarnings("unchecked")
    private static String triple(Object stage) {
        if (!(stage instanceof Map)) {
            return "—";
        }
        Map<String, Object> m = (Map<String, Object>) stage;
        return num(m.get("p50")) + " / " + num(m.get("p99")) + " / " + num(m.get("p999"));
    }

    /** @param r the parsed {@code restart.json}, or null when the suite wrote none */
    void restart(Map<String, Object> r) {
        if (!md.section("## Restart to serving", r != null, "Not run (no `restart.json`; see Suites run).")) {
            return;
        }
        line(String.format(Locale.ROOT, "%,d keys, %s-byte rows, %s partitions. Time from start (Streams: `new"
            + " KafkaStreams(...).start()`, group join included; Freshet: `engine.open`) to the first read that returns"
            + " the exact expected row for all %s probe keys, in-process (no JVM start). Streams cold = changelog"
            + " restore into an empty RocksDB; warm = restart with local state after a clean close.",
            lng(r.get("keys")), str(r.get("valueBytes")), str(r.get("partitions")), str(r.get("probes"))));
        line("");
        List<Map<String, Object>> rows = rows(r);
        Double freshet = null;
        for (Map<String, Object> row : rows) {
            if (row.get("system").toString().startsWith("freshet")) {
                freshet = dbl(row.get("secondsToFirstConsistentRead"));
            }
        }
        line("| System | s to first consistent read | records restored | restore s | peer ÷ Freshet | Status |");
        line("|---|---:|---:|---:|---:|---|");
        for (Map<String, Object> row : rows) {
            Double s = dbl(row.get("secondsToFirstConsistentRead"));
            line("| " + row.get("system") + " | " + sec(s) + " | " + num(row.get("recordsRestored")) + " | "
                + sec(dbl(row.get("restoreSeconds"))) + " | "
                + (s == null || freshet == null || freshet == 0 ? "—"
                    : String.format(Locale.ROOT, "%.0f×", s / freshet))
                + " | " + row.get("status") + " |");
        }
        line("");
    }

    /** @param r the parsed {@code snapshot.json}, or null when the suite wrote none */
    @SuppressWarnings("unchecked")
    void snapshot(Map<String, Object> r) {
        if (!md.section("## Warm start from a snapshot", r != null, "Not run (no `snapshot.json`; see Suites run).")) {
            return;
        }
        Map<String, Object> w = (Map<String, Object>) r.get("warmStart");
        Map<String, Object> a = (Map<String, Object>) r.get("applyCost");
        if (w != null) {
            line(String.format(Locale.ROOT, "%,d keys (one record each), %s partitions, table engine on `%s`, 1"
                + " consumer + 2 appliers. Replay = a new replica without a snapshot applies the whole topic;"
                + " snapshot = `StoreSnapshot.of(pipeline, set).to(dir)` of the running (idle) pipeline; copy = the"
                + " snapshot's files copied (one file system: a lower bound of a transfer); restore = a second"
                + " pipeline opened on the copy, start to caught up (it must replay 0 records).",
                lng(w.get("snapshotRows")), str(r.get("partitions")), str(r.get("dir"))));
            line("");
            Double replay = dbl(w.get("replaySeconds"));
            Double warm = sum(dbl(w.get("snapshotSeconds")), dbl(w.get("copySeconds")), dbl(w.get("restoreSeconds")));
            line("| replay s | snapshot s | copy s | restore s | snapshot + copy + restore s | replay ÷ warm start |"
                + " snapshot bytes | records replayed after restore |");
            line("|---:|---:|---:|---:|---:|---:|---:|---:|");
            line("| " + sec(replay) + " | " + sec(dbl(w.get("snapshotSeconds"))) + " | "
                + sec(dbl(w.get("copySeconds"))) + " | " + sec(dbl(w.get("restoreSeconds"))) + " | " + sec(warm)
                + " | " + (replay == null || warm == null || warm == 0 ? "—"
                    : String.format(Locale.ROOT, "%.1f×", replay / warm))
                + " | " + num(w.get("snapshotBytes")) + " | " + num(w.get("restoreReplayedRecords")) + " |");
            line("");
        }
        if (a != null) {
            line(String.format(Locale.ROOT, "Apply cost while a snapshot runs: one thread applies random updates to"
                + " a %,d-key store (4 shards) while another thread takes snapshots of it (%s s each); each apply"
                + " timed, ns, p50 / p99 / p99.9 / max; bytes allocated by the applying thread per apply.",
                lng(a.get("keys")), secList(a.get("snapshotSeconds"))));
            line("");
            line("| | applies | p50 / p99 / p99.9 / max ns | B per apply |");
            line("|---|---:|---:|---:|");
            line("| no snapshot | " + num(a.get("appliesIdle")) + " | " + pct(a.get("applyNsIdle")) + " | "
                + bytes(a.get("bytesPerApplyIdle")) + " |");
            line("| snapshot running | " + num(a.get("appliesDuringSnapshot")) + " | "
                + pct(a.get("applyNsDuringSnapshot")) + " | " + bytes(a.get("bytesPerApplyDuringSnapshot")) + " |");
            line("");
        }
    }

    @SuppressWarnings("unchecked")
    private static String secList(Object o) {
        if (!(o instanceof List)) {
            return "—";
        }
        List<String> parts = new ArrayList<>();
        for (Object x : (List<Object>) o) {
            Double d = dbl(x);
            parts.add(d == null ? "—" : String.format(Locale.ROOT, "%.2f", d));
        }
        return String.join(", ", parts);
    }

    private static String bytes(Object o) {
        Double d = dbl(o);
        return d == null ? "—" : String.format(Locale.ROOT, "%.4f", d);
    }

    private static Double sum(Double... parts) {
        double s = 0;
        for (Double d : parts) {
            if (d == null) {
                return null;
            }
            s += d;
        }
        return s;
    }

    @SuppressWarnings("unchecked")
    private static String pct(Object o) {
        if (!(o instanceof Map)) {
            return "—";
        }
        Map<String, Object> m = (Map<String, Object>) o;
        return num(m.get("p50")) + " / " + num(m.get("p99")) + " / " + num(m.get("p999")) + " / " + num(m.get("max"));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> rows(Map<String, Object> r) {
        List<Map<String, Object>> rows = new ArrayList<>();
        Object o = r.get("rows");
        if (o instanceof List) {
            for (Object x : (List<Object>) o) {
                rows.add((Map<String, Object>) x);
            }
        }
        return rows;
    }

    private static Double metric(List<Map<String, Object>> rows, String system, String key) {
        for (Map<String, Object> row : rows) {
            if (system.equals(row.get("system"))) {
                return dbl(row.get(key));
            }
        }
        return null;
    }

    private static String passes(Object samples) {
        List<String> l = new ArrayList<>();
        if (samples instanceof List) {
            for (Object o : (List<?>) samples) {
                Double d = dbl(o);
                l.add(d == null ? "?" : String.format(Locale.ROOT, "%,.0f", d));
            }
        }
        return String.join(", ", l);
    }

    private static List<String> nonBlank(String... parts) {
        List<String> l = new ArrayList<>();
        for (String p : parts) {
            if (!p.isBlank()) {
                l.add(p);
            }
        }
        return l;
    }

    private static String sec(Double s) {
        return s == null ? "—" : String.format(Locale.ROOT, "%.3f", s);
    }

    private void line(String s) {
        md.line(s);
    }
}
