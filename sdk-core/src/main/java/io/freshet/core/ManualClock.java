package io.freshet.core;

import java.time.Duration;

/** An {@link EpochClock} that moves only when told to; for tests and deterministic replays. Thread-safe. */
public final class ManualClock implements EpochClock {
    private volatile long nowMs;

    /**
     * @param startMs initial time, epoch ms
     */
    public ManualClock(long startMs) {
        this.nowMs = startMs;
    }

    @Override
    public long nowMs() {
        return nowMs;
    }

    /**
     * @param timeMs new time, epoch ms (may move backwards, to test clock jumps)
     */
    public void setMs(long timeMs) {
        this.nowMs = timeMs;
    }

    /**
     * @param by how far to move forward
     */
    public void advance(Duration by) {
        this.nowMs += by.toMillis();
    }
}
