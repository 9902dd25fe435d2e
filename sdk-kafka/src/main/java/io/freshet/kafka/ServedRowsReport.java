package io.freshet.kafka;

import io.freshet.core.LogScan;

/**
 * What {@link ServedRows#writeCsv} wrote and skipped. Immutable; thread-safe.
 */
public final class ServedRowsReport {
    private final long rows;
    private final long labelsUnmatched;
    private final long readsUnlabeled;
    private final LogScan scan;

    ServedRowsReport(long rows, long labelsUnmatched, long readsUnlabeled, LogScan scan) {
        this.rows = rows;
        this.labelsUnmatched = labelsUnmatched;
        this.readsUnlabeled = readsUnlabeled;
        this.scan = scan;
    }

    /** @return rows written */
    public long rows() {
        return rows;
    }

    /** @return labels whose request id no logged read had (not written) */
    public long labelsUnmatched() {
        return labelsUnmatched;
    }

    /** @return logged reads no label matched (written only with {@link ServedRows#keepUnlabeled()}) */
    public long readsUnlabeled() {
        return readsUnlabeled;
    }

    /** @return what the log's scan read and skipped (torn or damaged entries) */
    public LogScan scan() {
        return scan;
    }

    @Override
    public String toString() {
        return "ServedRowsReport{rows=" + rows + ", labelsUnmatched=" + labelsUnmatched + ", readsUnlabeled="
            + readsUnlabeled + ", scan=" + scan + '}';
    }
}
