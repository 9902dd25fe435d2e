package io.freshet.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.FeatureKind;
import io.freshet.core.FeatureReader;
import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureVector;
import io.freshet.core.ManualClock;
import io.freshet.testkit.FreshetKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Zero skew (issue 15 point 5): a live pipeline on the real broker serves reads at thousands of random (key, read
 * time) moments; the same pairs as labels give training rows bit-identical to what was served: every value's bits,
 * every value's event time, the row times and the status.
 *
 * <p>The rule the equality relies on (README "Training rows"): a live read at {@code t} equals the training row at
 * {@code t} with lag {@code L} when (1) the reader had applied exactly the records known by {@code t + L}, (2) each was
 * applied with the applying clock equal to its known time, (3) none of the key's applied records has an event time at
 * or after {@code t} (a future-dated event the live reader already serves is excluded from a row at {@code t}: that is
 * the leakage rule) and (4) the key's records come from one partition (so that the live apply order is the log order).
 * The test makes (1) and (2) hold by time steps: at step {@code k} the pipeline's clock is {@code X_k}, a batch of
 * records with record timestamp {@code X_k} is produced (in transactions, about one in eight aborted) and applied to
 * the end, then reads happen at times in {@code [X_k, X_k+1)} with nothing in flight. (3) chooses the read times per
 * key, (4) holds since the records are keyed by user. Reads sit on both edges: at {@code X_k} (the records known
 * exactly at {@code t}) and one millisecond after the key's newest event time (the event exactly before {@code t}).
 */
class TrainingSkewTest {
    @RegisterExtension
    static final FreshetKafka KAFKA = FreshetKafka.create();

    private static final FeatureSet<Payment> USERS = TrainingFixtures.USERS;
    private static final long T0 = PipelineFixtures.T0;
    private static final long STEP_MS = Duration.ofMinutes(5).toMillis();
    private static final int STEPS = 50;
    private static final int USERS_SEEN = 60;

    /** A served read: its key, read time, the step it was served in and the vector as served. */
    record Served(int id, long user, long readTimeMs, int step, String vector) {
    }

    @Test
    void trainingRowsAreBitIdenticalToTheServedVectors(FreshetKafka broker) throws Exception {
        String topic = broker.uniqueName("skew-pay");
        broker.createTopic(topic, 3, Map.of("retention.ms", "-1"));
        Random r = new Random(20261205);
        Source<Payment> source = Source.of(topic, new PaymentCodec()).onBadRecord(BadRecordPolicy.SKIP)
            .tombstones(TombstonePolicy.DELETE);
        ManualClock clock = new ManualClock(T0);
        List<Served> served = new ArrayList<>();
        // Per key, the newest event time the live pipeline accepted so far (rule 3).
        Map<Long, Long> newestEvent = new HashMap<>();
        int aborted = 0;
        int afterFutureEvent = 0;
        int tombstones = 0;
        int readsOfDeleted = 0;
        // Users whose last committed record is a tombstone: a read of one must say MISSING, live and in training.
        Set<Long> deleted = new HashSet<>();
        try (FeaturePipeline p = FeaturePipeline.builder()
            .kafka(PipelineFixtures.pipelineProps(broker))
            .clock(clock)
            .register(USERS, PipelineFixtures.MEMORY, PipelineFixtures.storeConfig(USERS, 2), source)
            .start();
            TransactionalTestProducer producer =
                new TransactionalTestProducer(broker, topic, broker.uniqueName("skew-tx"))) {
            FeatureReader reader = p.reader(USERS);
            FeatureVector v = USERS.newVector();
            for (int step = 0; step < STEPS; step++) {
                long x = T0 + step * STEP_MS;
                clock.setMs(x);
                for (int tx = 0; tx < 2; tx++) {
                    List<Payment> batch = batch(r, x, 10 + r.nextInt(30));
                    List<ProducerRecord<Long, byte[]>> records = new ArrayList<>();
                    for (Payment e : batch) {
                        // A tombstone (null value) deletes its user's row: live, and in the training rows from then on.
                        byte[] value = e.amount() < 0 ? null : PaymentCodec.encode(e);
                        records.add(new ProducerRecord<>(topic, null, x, e.userId, value));
                    }
                    // The outcome the broker settled on, not the one asked for: see TransactionalTestProducer.
                    if (!producer.transaction(records, r.nextInt(8) != 0)) {
                        aborted += batch.size();
                        continue;
                    }
                    for (Payment e : batch) {
                        if (e.amount() < 0) {
                            deleted.add(e.userId());
                            tombstones++;
                        } else if (e.tsMs() <= x + USERS.futureSkewMs()) { // beyond the skew: bad, never applied
                            newestEvent.merge(e.userId(), e.tsMs(), Math::max);
                            deleted.remove(e.userId());
                        }
                    }
                }
                awaitQuiescent(broker, topic, p);
                // Reads at random moments of [x, x + STEP_MS), in time order (the clock never goes back).
                List<long[]> moments = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    long user = (long) Math.floor(Math.pow(r.nextDouble(), 2) * USERS_SEEN * 1.1);
                    long newest = newestEvent.getOrDefault(user, Long.MIN_VALUE);
                    int pick = r.nextInt(4);
                    long t = pick == 0 ? x : pick == 1 ? newest + 1 : x + (long) (r.nextDouble() * STEP_MS);
                    readsOfDeleted += deleted.contains(user) ? 1 : 0;
                    if (newest >= x) {
                        afterFutureEvent++; // a future-dated event was served already: read after it (rule 3)
                    }
                    t = Math.max(Math.max(t, x), newest == Long.MIN_VALUE ? x : newest + 1);
                    if (t >= x + STEP_MS) {
                        continue; // the key has an applied event at or after every moment of this step
                    }
                    moments.add(new long[] {t, user});
                }
                moments.sort(Comparator.comparingLong(m -> m[0]));
                for (long[] m : moments) {
                    clock.setMs(m[0]);
                    reader.read(m[1], v);
                    served.add(new Served(served.size(), m[1], m[0], step, snapshot(v)));
                }
            }
        }
        assertThat(served.size()).as("a few thousand served reads").isGreaterThan(2500);
        assertThat(aborted).as("some transactions aborted").isPositive();
        assertThat(tombstones).as("tombstones committed").isPositive();
        assertThat(readsOfDeleted).as("reads of a deleted user").isPositive();
        assertThat(afterFutureEvent).as("reads put after a future-dated event of their key (rule 3)").isPositive();
        assertThat(served).as("the reads cover every status").anyMatch(s -> s.vector().startsWith("FRESH"))
            .anyMatch(s -> s.vector().startsWith("STALE")).anyMatch(s -> s.vector().startsWith("MISSING"));
        assertThat(served).as("a read never said CATCHING_UP: the moments are quiescent")
            .noneMatch(s -> s.vector().startsWith("CATCHING_UP"));

        // Lag 0: every read. Lag 1 min: the reads at least a minute before the next step, whose records a read at t
        // with that lag may not use since they were not known by t + 1 min.
        assertBitIdentical(broker, source, served, Duration.ZERO);
        long lagMs = Duration.ofMinutes(1).toMillis();
        List<Served> early = served.stream().filter(s -> s.readTimeMs() + lagMs < T0 + (s.step() + 1) * STEP_MS)
            .toList();
        assertThat(early.size()).isGreaterThan(served.size() / 2);
        assertBitIdentical(broker, source, early, Duration.ofMillis(lagMs));
    }

    private static void assertBitIdentical(FreshetKafka broker, Source<Payment> source, List<Served> served,
        Duration lag) throws Exception {
        List<Served> labels = new ArrayList<>(served);
        labels.sort(Comparator.comparingLong(Served::readTimeMs)); // stable: ties keep their served order
        List<String> diffs = new ArrayList<>();
        int[] rows = new int[1];
        TrainingProgress done = TrainingSet.forLabels(labels, Served::readTimeMs)
            .features(USERS, Served::user, source)
            .asOfKnownTime(lag)
            .kafka(broker.clientProperties())
            .build()
            .run((label, t, vectors) -> {
                rows[0]++;
                String row = snapshot(vectors[0]);
                if (!row.equals(label.vector()) && diffs.size() < 10) {
                    diffs.add("user=" + label.user() + " t=" + t + "\n  served   " + label.vector() + "\n  training "
                        + row);
                }
            });
        assertThat(rows[0]).isEqualTo(labels.size());
        assertThat(done.labelsDone()).isEqualTo(labels.size());
        assertThat(diffs).as("lag=%s: training rows that differ from the served vector", lag).isEmpty();
    }

    /**
     * One step's records: event times mostly up to 3 min before the step (out of order), 5% three hours late, 8% up
     * to 4 min ahead (future, within the set's skew: served live at once), 1% 20 min ahead (beyond the skew: bad); 3%
     * of them are tombstones of their user.
     */
    private static List<Payment> batch(Random r, long x, int n) {
        List<Payment> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int p = r.nextInt(100);
            long ts;
            if (p < 5) {
                ts = x - Duration.ofHours(3).toMillis();
            } else if (p < 13) {
                ts = x + r.nextInt(240_000);
            } else if (p < 14) {
                ts = x + Duration.ofMinutes(20).toMillis();
            } else {
                ts = x - r.nextInt(180_000);
            }
            long user = (long) Math.floor(Math.pow(r.nextDouble(), 2) * USERS_SEEN);
            String m = PipelineFixtures.MERCHANTS[r.nextInt(PipelineFixtures.MERCHANTS.length)];
            // 3% tombstones, marked here by a negative amount (the producer sends them with a null value).
            double amount = r.nextInt(100) < 3 ? -1 : r.nextInt(1_000_000) / 100.0;
            out.add(new Payment(user, m, ts, amount, r.nextInt(10) == 0));
        }
        return out;
    }

    /**
     * Waits until the pipeline applied everything produced and its readers say RUNNING (no CATCHING_UP flag). First
     * until every partition's last stable offset is its high watermark: {@code commitTransaction} returns before the
     * commit markers are written, and until then a {@code read_committed} reader (the pipeline's caught-up check
     * included) sees the step's records as not there yet.
     */
    private static void awaitQuiescent(FreshetKafka broker, String topic, FeaturePipeline p) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int part = 0; part < 3; part++) {
            latest.put(new TopicPartition(topic, part), OffsetSpec.latest());
        }
        while (true) {
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> stable = broker.admin().listOffsets(latest,
                new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> high = broker.admin().listOffsets(latest)
                .all().get(30, TimeUnit.SECONDS);
            if (latest.keySet().stream().allMatch(tp -> stable.get(tp).offset() == high.get(tp).offset())) {
                break;
            }
            assertThat(System.nanoTime()).as("commit markers written").isLessThan(deadline);
            Thread.sleep(2);
        }
        while (true) {
            assertThat(p.awaitCaughtUp(Duration.ofSeconds(120))).as("caught up").isTrue();
            if (p.status(USERS).state() == SetStatus.State.RUNNING) {
                return;
            }
            assertThat(System.nanoTime()).as("RUNNING after catching up").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    /**
     * Everything a read returns, exactly: status, read time, row times, and per feature its size, each value's bits
     * (doubles as their raw bits) and each value's event time.
     */
    static String snapshot(FeatureVector v) {
        StringBuilder sb = new StringBuilder(256);
        sb.append(v.status()).append(" read=").append(v.readTimeMs()).append(" updated=").append(v.rowUpdatedMs())
            .append(" newestEvent=").append(v.rowEventTimeMs());
        for (FeatureRef ref : v.featureSet().refs()) {
            sb.append(' ').append(ref.name()).append('=');
            if (ref.kind() == FeatureKind.LAST_N) {
                sb.append('[');
                for (int i = 0; i < v.size(ref); i++) {
                    sb.append(v.getLong(ref, i)).append('@').append(v.eventTimeMs(ref, i)).append(' ');
                }
                sb.append(']');
            } else if (ref.kind() == FeatureKind.TOP_K) {
                sb.append('[');
                for (int i = 0; i < v.size(ref); i++) {
                    sb.append(v.getLong(ref, i)).append('x').append(v.getCount(ref, i)).append('@')
                        .append(v.eventTimeMs(ref, i)).append(' ');
                }
                sb.append(']');
            } else if (!v.isPresent(ref)) {
                sb.append('-');
            } else {
                long bits = ref.kind().valueType() == FeatureKind.ValueType.LONG ? v.getLong(ref)
                    : Double.doubleToRawLongBits(v.getDouble(ref));
                sb.append(Long.toHexString(bits)).append('@').append(v.eventTimeMs(ref));
            }
        }
        return sb.toString();
    }
}
