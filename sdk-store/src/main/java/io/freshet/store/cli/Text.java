package io.freshet.store.cli;

import java.time.Instant;
import java.util.Locale;

/** Formatting shared by the commands. Stateless. */
final class Text {
    private Text() {
    }

    /** @return e.g. {@code 1,234,567 bytes (1.2 MiB)} */
    static String bytes(long n) {
        String exact = String.format(Locale.ROOT, "%,d bytes", n);
        if (n < 1024) {
            return exact;
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return exact + String.format(Locale.ROOT, " (%.1f %s)", v, units[u]);
    }

    /** @return an ISO-8601 instant, or {@code never} for 0 and below */
    static String time(long epochMs) {
        return epochMs <= 0 ? "never" : Instant.ofEpochMilli(epochMs).toString();
    }

    /** @return {@code 0x} and 16 hex digits */
    static String hex(long v) {
        return String.format(Locale.ROOT, "0x%016x", v);
    }
}
