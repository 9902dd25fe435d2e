package io.freshet.core;

/**
 * What a scan of a served-feature log found ({@link FeatureLog#scan}): entries delivered and entries skipped because
 * they could not be trusted. A skipped entry is never delivered, so no row is ever built from damaged bytes.
 *
 * <p>Immutable; thread-safe.
 */
public final class LogScan {
    private final int segments;
    private final long entries;
    private final long corruptSkipped;
    private final long tornSkipped;
    private final int tornSegments;

    LogScan(int segments, long entries, long corruptSkipped, long tornSkipped, int tornSegments) {
        this.segments = segments;
        this.entries = entries;
        this.corruptSkipped = corruptSkipped;
        this.tornSkipped = tornSkipped;
        this.tornSegments = tornSegments;
    }

    /** @return segments read */
    public int segments() {
        return segments;
    }

    /** @return verified entries delivered to the visitor */
    public long entries() {
        return entries;
    }

    /** @return committed entries whose checksum did not match their bytes (a damaged file): skipped */
    public long corruptSkipped() {
        return corruptSkipped;
    }

    /** @return entries a crash left half written (never committed): skipped */
    public long tornSkipped() {
        return tornSkipped;
    }

    /** @return segments whose header was never committed (a crash while one was created): skipped, holding nothing */
    public int tornSegments() {
        return tornSegments;
    }

    @Override
    public String toString() {
        return "LogScan{segments=" + segments + ", entries=" + entries + ", corruptSkipped=" + corruptSkipped
            + ", tornSkipped=" + tornSkipped + ", tornSegments=" + tornSegments + '}';
    }
}
