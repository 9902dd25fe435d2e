package io.freshet.kafka.internal.json;

/**
 * RFC 3339 date-times ({@code 2026-12-05T14:30:00.123Z}, {@code 2026-12-05T15:30:00+01:00}) read from bytes in
 * place into epoch milliseconds: 'T', 't' or a space between date and time, an optional fraction (truncated to
 * milliseconds, as {@code Instant.toEpochMilli} does), then 'Z', 'z' or a {@code ±HH:MM} offset. Seconds 0-59 (no
 * leap second, as {@code java.time}). Threading: stateless. Allocation: none.
 */
final class Rfc3339 {
    private static final int[] DAYS_IN_MONTH = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    private Rfc3339() {
    }

    /** @return epoch ms, or {@code Long.MIN_VALUE} when {@code b[from, to)} is not an RFC 3339 date-time */
    static long parseMillis(byte[] b, int from, int to) {
        if (to - from < 20) {
            return Long.MIN_VALUE;
        }
        int year = digits(b, from, 4);
        int month = digits(b, from + 5, 2);
        int day = digits(b, from + 8, 2);
        int hour = digits(b, from + 11, 2);
        int minute = digits(b, from + 14, 2);
        int second = digits(b, from + 17, 2);
        byte t = b[from + 10];
        if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
            || second < 0 || second > 59 || b[from + 4] != '-' || b[from + 7] != '-' || b[from + 13] != ':'
            || b[from + 16] != ':' || (t != 'T' && t != 't' && t != ' ')) {
            return Long.MIN_VALUE;
        }
        boolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        if (day > DAYS_IN_MONTH[month - 1] || (month == 2 && day == 29 && !leap)) {
            return Long.MIN_VALUE;
        }
        int p = from + 19;
        int millis = 0;
        if (b[p] == '.') {
            p++;
            int n = 0;
            while (p < to && b[p] >= '0' && b[p] <= '9') {
                if (n < 3) {
                    millis = millis * 10 + (b[p] - '0');
                }
                n++;
                p++;
            }
            if (n == 0) {
                return Long.MIN_VALUE;
            }
            for (int i = n; i < 3; i++) {
                millis *= 10;
            }
        }
        int offsetSeconds;
        if (p < to && (b[p] == 'Z' || b[p] == 'z')) {
            offsetSeconds = 0;
            p++;
        } else if (p + 6 == to && (b[p] == '+' || b[p] == '-') && b[p + 3] == ':') {
            int oh = digits(b, p + 1, 2);
            int om = digits(b, p + 4, 2);
            if (oh < 0 || oh > 23 || om < 0 || om > 59) {
                return Long.MIN_VALUE;
            }
            offsetSeconds = (oh * 3600 + om * 60) * (b[p] == '-' ? -1 : 1);
            p += 6;
        } else {
            return Long.MIN_VALUE;
        }
        if (p != to) {
            return Long.MIN_VALUE;
        }
        long seconds = daysFromCivil(year, month, day) * 86_400L + hour * 3600L + minute * 60L + second
            - offsetSeconds;
        return seconds * 1000L + millis;
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
    private static long daysFromCivil(int year, int month, int day) {
        int y = month <= 2 ? year - 1 : year;
        int era = Math.floorDiv(y, 400);
        int yoe = y - era * 400;
        int mp = (month + 9) % 12;
        int doy = (153 * mp + 2) / 5 + day - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097L + doe - 719_468L;
    }

    /** @return the decimal value of {@code n} digits at {@code p}, or -1 when one is not a digit */
    private static int digits(byte[] b, int p, int n) {
        int v = 0;
        for (int i = 0; i < n; i++) {
            int d = b[p + i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }
}
