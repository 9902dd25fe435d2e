package io.freshet.core;

import io.freshet.core.internal.JfrSwitch;
import io.freshet.core.internal.ServedAges;
import io.freshet.core.internal.SlowReadEvent;
import io.freshet.core.spi.RowStore;
import java.util.Arrays;
import java.util.Objects;

/**
 * Reads feature vectors of one set from a store, evaluated at the clock's "now": the model-serving hot path.
 *
 * <p>Threading: thread-safe; any number of threads may read at once, each into its own vector, and never block the
 * store's writers. Allocation: none per read. The status a read reports is FRESH, STALE (older than the set's
 * {@code staleAfter}), CATCHING_UP (while the feeding pipeline says so) or MISSING. Obtain one from
 * {@code FeaturePipeline.reader(set)} or use {@link FeatureTestDriver}'s.
 */
public final class FeatureReader {
    /**
     * Keys whose memory a batch read reads ahead together, as the applier groups its records: eight rows of the
     * 16-feature set are ~20 KB, which stay in the core's caches until their reads copy them.
     */
    static final int READ_AHEAD_KEYS = 8;
    /** A value the read-ahead is compared with, so that the JIT keeps its loads; reaching it by chance is harmless. */
    private static final long READ_AHEAD_SENTINEL = 0x5EED_F00D_CAFE_BEEFL;
    /** On while a JFR recording has {@code io.freshet.SlowRead} enabled: only then is a read timed. */
    private static final JfrSwitch SLOW_READ = JfrSwitch.of("io.freshet.core.internal.SlowReadEvent",
        FeatureReader.class.getClassLoader());
    /** Written only when a read-ahead returns {@link #READ_AHEAD_SENTINEL}. */
    @SuppressWarnings("unused")
    private static volatile long readAheadSink;

    private final EpochClock clock;
    private final KeyType keyType;
    /**
     * What a read reads: the definition and its store, swapped whole by a migration's promote or rollback. A read
     * loads it once, so it is wholly old or wholly new; the swap costs readers one volatile load and no handle.
     */
    private volatile Live live;
    private volatile boolean catchingUp;
    /** Where reads of present rows record their age while a metrics binder observes this set; null otherwise. */
    private volatile ServedAges servedAges;

    /** Readers come from the pipeline ({@code FeaturePipeline.reader(set)}) or {@link FeatureTestDriver}. */
    FeatureReader(FeatureSet<?> set, RowStore store, EpochClock clock) {
        Objects.requireNonNull(set, "set can't be null");
        Objects.requireNonNull(store, "store can't be null");
        this.clock = Objects.requireNonNull(clock, "clock can't be null");
        this.keyType = set.keyType();
        checkFingerprint(set, store);
        this.live = new Live(set, store, new FeatureSet<?>[] {set});
    }

    private static void checkFingerprint(FeatureSet<?> set, RowStore store) {
        if (store.layout().fingerprint() != set.fingerprint()) {
            throw new IllegalArgumentException("store fingerprint=" + Long.toHexString(store.layout().fingerprint())
                + " != set=" + set.name() + " fingerprint=" + Long.toHexString(set.fingerprint()));
        }
    }

    /** One definition with its store; immutable, published whole. */
    private static final class Live {
        final FeatureSet<?> set;
        final RowStore store;
        final long staleAfterMs;
        /** Every definition this reader has served: vectors of any of them are re-targeted, not refused. */
        final FeatureSet<?>[] family;

        Live(FeatureSet<?> set, RowStore store, FeatureSet<?>[] family) {
            this.set = set;
            this.store = store;
            this.staleAfterMs = set.staleAfterMs();
            this.family = family;
        }
    }

    /**
     * Makes every later read of this reader read {@code set} from {@code store} (a migration's promote or rollback).
     * A read in flight finishes on what it loaded.
     *
     * @param set the definition to serve
     * @param store its store
     * @return what reads loaded until now: an opaque token that only reads in flight still reference, so that once it
     *     is unreachable (a weak reference to it cleared) no read can hold the store it names
     */
    synchronized Object switchTo(FeatureSet<?> set, RowStore store) {
        Objects.requireNonNull(set, "set can't be null");
        Objects.requireNonNull(store, "store can't be null");
        checkFingerprint(set, store);
        if (set.keyType() != keyType) {
            throw new IllegalArgumentException("set=" + set.name() + " has a " + set.keyType() + " key but the reader"
                + " serves " + keyType + " keys: a migration keeps the key type");
        }
        Live now = live;
        FeatureSet<?>[] family = now.family;
        boolean known = false;
        for (FeatureSet<?> f : family) {
            known |= f == set;
        }
        if (!known) {
            family = Arrays.copyOf(family, family.length + 1);
            family[family.length - 1] = set;
        }
        live = new Live(set, store, family);
        return now;
    }

    /**
     * @param key numeric entity key
     * @param into the caller's vector of this set
     * @return true when the key has a row
     * @throws IllegalArgumentException when the set has a TEXT key, or the vector is of another set
     */
    public boolean read(long key, FeatureVector into) {
        return read(live, key, into);
    }

    private boolean read(Live b, long key, FeatureVector into) {
        check(b, into, KeyType.LONG);
        if (SLOW_READ.on()) {
            return timedRead(b, key, null, into);
        }
        // The one load of the recorder: a reader nobody observes pays this null check and nothing else.
        ServedAges observed = servedAges;
        if (observed != null && observed.timesReads()) {
            return observedRead(b, key, null, into, observed);
        }
        into.prepareRead(clock.nowMs(), b.staleAfterMs);
        return finish(into, b.store.readRow(key, into.evaluator), observed);
    }

    /**
     * @param key text entity key
     * @param into the caller's vector of this set
     * @return true when the key has a row
     * @throws IllegalArgumentException when the set has a LONG key, or the vector is of another set
     */
    public boolean read(CharSequence key, FeatureVector into) {
        return read(live, key, into);
    }

    private boolean read(Live b, CharSequence key, FeatureVector into) {
        check(b, into, KeyType.TEXT);
        if (SLOW_READ.on()) {
            return timedRead(b, 0, key, into);
        }
        ServedAges observed = servedAges;
        if (observed != null && observed.timesReads()) {
            return observedRead(b, 0, key, into, observed);
        }
        into.prepareRead(clock.nowMs(), b.staleAfterMs);
        return finish(into, b.store.readRow(key, into.evaluator), observed);
    }

    /**
     * A read while a metrics binder times reads: from before the clock call to after the row's age is recorded, so
     * the figure is what the caller waited for (less the vector's checks). A separate method keeps the plain read's
     * code as small as it was.
     */
    private boolean observedRead(Live b, long longKey, CharSequence textKey, FeatureVector into, ServedAges observed) {
        long startNs = System.nanoTime();
        into.prepareRead(clock.nowMs(), b.staleAfterMs);
        boolean found = finish(into, textKey == null ? b.store.readRow(longKey, into.evaluator)
            : b.store.readRow(textKey, into.evaluator), observed);
        observed.recordReadNs(System.nanoTime() - startNs);
        return found;
    }

    /** A read while a JFR recording wants slow reads: the event times it and commits it when over the threshold. */
    private boolean timedRead(Live b, long longKey, CharSequence textKey, FeatureVector into) {
        SlowReadEvent event = new SlowReadEvent();
        event.begin();
        ServedAges observed = servedAges;
        boolean timing = observed != null && observed.timesReads();
        long startNs = timing ? System.nanoTime() : 0;
        into.prepareRead(clock.nowMs(), b.staleAfterMs);
        boolean found = finish(into, textKey == null ? b.store.readRow(longKey, into.evaluator)
            : b.store.readRow(textKey, into.evaluator), observed);
        if (timing) {
            observed.recordReadNs(System.nanoTime() - startNs);
        }
        event.end();
        if (event.shouldCommit()) {
            event.set = b.set.name();
            event.found = found;
            event.commit();
        }
        return found;
    }

    /**
     * Reads the vectors of several numeric keys at once: {@code into[i]} receives exactly what
     * {@link #read(long, FeatureVector) read(keys[i], into[i])} gives (values and status; a key with no row reads
     * MISSING). The store reads the index entries and rows of each group of up to eight keys ahead before they are
     * read, so that their cache misses overlap instead of following one another: on a large store a batch of eight
     * costs far less than eight single reads.
     *
     * <p>Thread-safe like the single read; allocates nothing. Duplicate keys are allowed.
     *
     * @param keys numeric entity keys
     * @param into the caller's vectors of this set, one per key (extra vectors are left as they are)
     * @return how many of the keys have a row
     * @throws IllegalArgumentException when the set has a TEXT key, when {@code into} holds fewer vectors than there
     *     are keys, or when a vector is of another set (nothing is read then)
     * @throws NullPointerException when an argument or a vector is null
     */
    public int read(long[] keys, FeatureVector[] into) {
        Objects.requireNonNull(keys, "keys can't be null");
        Live b = live;
        checkBatch(b, into, keys.length, KeyType.LONG);
        int found = 0;
        for (int from = 0; from < keys.length; from += READ_AHEAD_KEYS) {
            int end = Math.min(keys.length, from + READ_AHEAD_KEYS);
            consume(b.store.prefetchRows(keys, from, end - from));
            for (int i = from; i < end; i++) {
                if (read(b, keys[i], into[i])) {
                    found++;
                }
            }
        }
        return found;
    }

    /**
     * Text-key variant of {@link #read(long[], FeatureVector[])}: {@code into[i]} receives exactly what
     * {@link #read(CharSequence, FeatureVector) read(keys[i], into[i])} gives.
     *
     * @param keys text entity keys
     * @param into the caller's vectors of this set, one per key
     * @return how many of the keys have a row
     * @throws IllegalArgumentException when the set has a LONG key, when {@code into} holds fewer vectors than there
     *     are keys, or when a vector is of another set (nothing is read then)
     * @throws NullPointerException when an argument, a key or a vector is null
     */
    public int read(CharSequence[] keys, FeatureVector[] into) {
        Objects.requireNonNull(keys, "keys can't be null");
        Live b = live;
        checkBatch(b, into, keys.length, KeyType.TEXT);
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] == null) {
                throw new NullPointerException("keys[" + i + "] is null: every key of a batch needs a value");
            }
        }
        int found = 0;
        for (int from = 0; from < keys.length; from += READ_AHEAD_KEYS) {
            int end = Math.min(keys.length, from + READ_AHEAD_KEYS);
            consume(b.store.prefetchRows(keys, from, end - from));
            for (int i = from; i < end; i++) {
                if (read(b, keys[i], into[i])) {
                    found++;
                }
            }
        }
        return found;
    }

    /** Checks a whole batch before any of it is read, so that a bad vector leaves every vector as it was. */
    private void checkBatch(Live b, FeatureVector[] into, int keyCount, KeyType keyTypeOfCall) {
        Objects.requireNonNull(into, "into can't be null");
        if (keyType != keyTypeOfCall) {
            throw wrongKeyType();
        }
        if (into.length < keyCount) {
            throw new IllegalArgumentException("into.length=" + into.length + " < keys.length=" + keyCount
                + ": pass one vector per key (set.newVector())");
        }
        for (int i = 0; i < keyCount; i++) {
            if (into[i] == null) {
                throw new NullPointerException("into[" + i + "] is null: pass one vector per key (set.newVector())");
            }
            check(b, into[i], keyTypeOfCall);
        }
    }

    /** Keeps a read-ahead's loads alive: the JIT must compute the value to compare it. */
    private static void consume(long readAhead) {
        if (readAhead == READ_AHEAD_SENTINEL) {
            readAheadSink = readAhead;
        }
    }

    /**
     * The store evaluated the row into the vector where it lies (see {@link FeatureVector#evaluator}); marks the
     * vector missing when there was none; records a present row's age when {@code observed} is not null.
     */
    private boolean finish(FeatureVector into, boolean found, ServedAges observed) {
        if (!found) {
            into.clearMissing(into.readTimeMs());
            return false;
        }
        if (catchingUp) {
            into.markCatchingUp();
        }
        if (observed != null) {
            recordAge(observed, into);
        }
        return true;
    }

    private static void recordAge(ServedAges ages, FeatureVector read) {
        long readMs = read.readTimeMs();
        long eventMs = read.rowEventTimeMs();
        long appliedMs = read.rowUpdatedMs();
        if (eventMs != FeatureVector.NO_TIME && appliedMs != FeatureVector.NO_TIME) {
            ages.record(readMs - eventMs, readMs - appliedMs);
        }
    }

    private IllegalArgumentException wrongKeyType() {
        // A key of the other type can never match a row: failing beats reading MISSING forever.
        return new IllegalArgumentException("set=" + live.set.name() + " has a " + keyType + " key: read it with a "
            + (keyType == KeyType.LONG ? "long" : "CharSequence") + " key");
    }

    private void check(Live b, FeatureVector into, KeyType keyTypeOfCall) {
        if (into.featureSet() != b.set) {
            adopt(b, into);
        }
        if (keyType != keyTypeOfCall) {
            throw wrongKeyType();
        }
    }

    /**
     * Set by the pipeline that feeds the store: while true, existing rows read as CATCHING_UP.
     *
     * @param catchingUp whether the feed is behind its sources
     */
    void setCatchingUp(boolean catchingUp) {
        this.catchingUp = catchingUp;
    }

    /**
     * Set by a metrics binder: from now on every read of a present row records its age there, and every read its
     * duration when the recorder {@linkplain ServedAges#timesReads() times reads} (null: none).
     *
     * @param ages the recorder, or null
     */
    void recordServedAges(ServedAges ages) {
        this.servedAges = ages;
    }

    /**
     * A vector of another definition this reader served (before a promote or a rollback) becomes one of the live
     * definition; any other vector is refused.
     */
    private static void adopt(Live b, FeatureVector into) {
        for (FeatureSet<?> f : b.family) {
            if (into.featureSet() == f) {
                into.retarget(b.set);
                return;
            }
        }
        throw new IllegalArgumentException("vector of set=" + into.featureSet().name() + " passed to reader of set="
            + b.set.name());
    }

    /** @return the definition it serves now (after a migration's promote, the new one) */
    public FeatureSet<?> featureSet() {
        return live.set;
    }

    /** @return the store it reads now (internal: see {@code CoreInternals}) */
    RowStore store() {
        return live.store;
    }
}
