package io.freshet.kafka.avro.internal;

import io.freshet.kafka.BadRecordReason;
import io.freshet.kafka.RejectedRecordException;
import io.freshet.kafka.avro.SchemaProvider;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * Plans by schema id: a lookup that takes no lock and allocates nothing (an open-addressing table published through a
 * volatile field, replaced whole on each new id), and a resolve that runs once per id under this cache's lock: asks
 * the provider (which may block up to its timeout: the record that first shows an id waits for it), parses with
 * Apache Avro, compiles. A failure becomes a plan too, so later records of that id are rejected without asking
 * again until {@code retryNanos} have passed.
 *
 * <p>Threading: {@link #plan} from any number of consumer threads at once.
 */
public final class PlanCache {
    private static final long EMPTY = Long.MIN_VALUE;

    /** Immutable once published. */
    private static final class Table {
        final long[] ids;
        final AvroPlan[] plans;
        final int mask;
        final int size;

        Table(int capacity, int size) {
            ids = new long[capacity];
            Arrays.fill(ids, EMPTY);
            plans = new AvroPlan[capacity];
            mask = capacity - 1;
            this.size = size;
        }
    }

    private final SchemaProvider provider;
    private final AvroField[] declared;
    private final long retryNanos;
    private volatile Table table = new Table(16, 0);

    /**
     * @param provider where writer schemas come from
     * @param declared the decoder's fields
     * @param retryNanos how long an unknown or unavailable id is rejected before the provider is asked again
     */
    public PlanCache(SchemaProvider provider, AvroField[] declared, long retryNanos) {
        this.provider = provider;
        this.declared = declared;
        this.retryNanos = retryNanos;
    }

    /**
     * @param schemaId the record's schema id
     * @return the plan to read it with
     * @throws RejectedRecordException when the id cannot be read (unknown, unavailable, not fitting)
     */
    public AvroPlan plan(int schemaId) throws RejectedRecordException {
        AvroPlan p = find(table, schemaId);
        if (p == null || (p.failure != null && p.retries && System.nanoTime() - p.retryAtNanos >= 0)) {
            p = resolve(schemaId);
        }
        if (p.failure != null) {
            throw p.failure;
        }
        return p;
    }

    /**
     * Reads the record body with the plan of its id.
     *
     * @param schemaId the id
     * @param value the record value
     * @param bodyOffset where the body starts
     * @param event the event to fill
     * @throws RejectedRecordException when the record is bad
     */
    public void read(int schemaId, byte[] value, int bodyOffset, Object event) throws RejectedRecordException {
        AvroPlan p = plan(schemaId);
        try {
            p.read(value, bodyOffset, event);
        } catch (IndexOutOfBoundsException e) {
            throw WireReader.TRUNCATED;
        }
    }

    private static AvroPlan find(Table t, int schemaId) {
        int i = mix(schemaId) & t.mask;
        while (true) {
            long id = t.ids[i];
            if (id == schemaId) {
                return t.plans[i];
            }
            if (id == EMPTY) {
                return null;
            }
            i = (i + 1) & t.mask;
        }
    }

    private static int mix(int id) {
        int h = id * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    private synchronized AvroPlan resolve(int schemaId) {
        AvroPlan known = find(table, schemaId);
        if (known != null && (known.failure == null || !known.retries || System.nanoTime() - known.retryAtNanos < 0)) {
            return known; // another thread resolved it while this one waited
        }
        AvroPlan p = compile(schemaId);
        publish(schemaId, p);
        return p;
    }

    private AvroPlan compile(int schemaId) {
        String text;
        try {
            text = provider.schemaJson(schemaId);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // The provider's message names the registry without credentials and never a payload.
            return AvroPlan.unavailable(new RejectedRecordException(BadRecordReason.UNKNOWN_SCHEMA_ID, "schema id "
                + schemaId + " unavailable: " + e.getMessage()), System.nanoTime() + retryNanos);
        }
        if (text == null) {
            return AvroPlan.unavailable(new RejectedRecordException(BadRecordReason.UNKNOWN_SCHEMA_ID, "schema id "
                + schemaId + " unavailable: unknown to " + provider + "; register the producer's schema there"),
                System.nanoTime() + retryNanos);
        }
        Schema writer;
        try {
            writer = new Schema.Parser().parse(text);
        } catch (SchemaParseException | IllegalArgumentException e) {
            return AvroPlan.mismatch(new RejectedRecordException(BadRecordReason.SCHEMA_MISMATCH, "schema id "
                + schemaId + " from " + provider + " is not a valid Avro schema: " + e.getMessage()));
        }
        return AvroPlan.compile(schemaId, writer, declared);
    }

    private void publish(int schemaId, AvroPlan plan) {
        Table old = table;
        boolean replaces = find(old, schemaId) != null;
        int size = replaces ? old.size : old.size + 1;
        int capacity = old.ids.length;
        while (size * 2 > capacity) {
            capacity <<= 1;
        }
        Table t = new Table(capacity, size);
        for (int i = 0; i < old.ids.length; i++) {
            if (old.ids[i] != EMPTY && old.ids[i] != schemaId) {
                put(t, (int) old.ids[i], old.plans[i]);
            }
        }
        put(t, schemaId, plan);
        table = t;
    }

    private static void put(Table t, int schemaId, AvroPlan plan) {
        int i = mix(schemaId) & t.mask;
        while (t.ids[i] != EMPTY) {
            i = (i + 1) & t.mask;
        }
        t.ids[i] = schemaId;
        t.plans[i] = plan;
    }
}
