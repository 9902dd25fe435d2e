package io.freshet.benchmarks.harness;

import java.util.HashMap;
import java.util.Map;

/**
 * Command-line options of the harnesses: {@code --name value} pairs, nothing positional. Unknown names are an error,
 * so a typo never silently runs with a default. Single-threaded; allocates freely (start-up only).
 */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final String usage;

    /**
     * @param args command line
     * @param usage usage text naming every option with its default
     * @param known option names accepted, without the dashes
     */
    Args(String[] args, String usage, String... known) {
        this.usage = usage;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println(usage);
                System.exit(0);
            }
            if (!a.startsWith("--") || i + 1 >= args.length) {
                fail("argument=" + a + " is not a --name value pair");
            }
            String name = a.substring(2);
            boolean ok = false;
            for (String k : known) {
                ok |= k.equals(name);
            }
            if (!ok) {
                fail("option=--" + name + " is unknown");
            }
            values.put(name, args[++i]);
        }
    }

    String string(String name, String def) {
        return values.getOrDefault(name, def);
    }

    long longValue(String name, long def) {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            return Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            fail("option=--" + name + " value=" + v + " is not an integer");
            return def;
        }
    }

    int intValue(String name, int def) {
        long v = longValue(name, def);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            fail("option=--" + name + " value=" + v + " is out of int range");
        }
        return (int) v;
    }

    private void fail(String message) {
        System.err.println(message);
        System.err.println(usage);
        System.exit(2);
    }
}
