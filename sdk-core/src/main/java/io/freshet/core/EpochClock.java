package io.freshet.core;

/**
 * A clock in epoch milliseconds, injectable so that tests and replays control "now" (the read time of sliding
 * windows and decay, and the applying clock for skew, staleness and TTL). Implementations must be thread-safe and
 * allocation-free.
 */
@FunctionalInterface
public interface EpochClock {
    /** @return now, epoch ms */
    long nowMs();

    /** @return the system wall clock */
    static EpochClock system() {
        return System::currentTimeMillis;
    }
}
