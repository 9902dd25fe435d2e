package io.freshet.benchmarks.harness;

import java.util.Locale;

/**
 * How {@link ResultsReport} reads the values of parsed result files (numbers, or strings such as JMH's "NaN") and
 * prints them in its tables. Stateless.
 */
final class ReportNumbers {
    private ReportNumbers() {
    }

    /** @return a parsed number, or a string that holds one, as a double; null when it is neither */
    static Double dbl(Object o) {
        if (o instanceof Number) {
            return ((Number) o).doubleValue();
        }
        if (o instanceof String) {
            try {
                return Double.valueOf((String) o);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** @return {@link #dbl} as a long, -1 when absent */
    static long lng(Object o) {
        Double d = dbl(o);
        return d == null ? -1 : d.longValue();
    }

    /** @return the value as text, a whole double without its ".0", "" for null */
    static String str(Object o) {
        return o == null ? "" : o instanceof Double && (Double) o == Math.rint((Double) o)
            ? Long.toString(((Double) o).longValue()) : o.toString();
    }

    /** @return a figure for a table: thousands grouped, fewer decimals the larger it is, "—" when absent */
    static String num(Object o) {
        Double d = dbl(o);
        if (d == null || d.isNaN()) {
            return "—";
        }
        double v = d;
        if (Math.abs(v) >= 100 || v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (Math.abs(v) >= 1) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
