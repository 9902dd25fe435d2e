package io.freshet.examples;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The fraud demo's command-line options, parsed by picocli: {@code --name value} or {@code --name=value}; the last
 * of a repeated option wins; blank arguments in place of an option's name (an empty {@code -Ddemo.args}) are
 * skipped. Each value is checked when
 * it is read, in the order given, so the first bad option is the one reported. Immutable once parsed.
 */
@Command(name = "FraudDemo")
public final class FraudDemoOptions {
    /** The usage text. */
    public static final String USAGE = String.join(System.lineSeparator(),
        "Usage: FraudDemo [options]",
        "  --duration D       how long to produce, e.g. 15s, 90s, 2m, 500ms (default 15s)",
        "  --rate N           payments per second produced (default 5000)",
        "  --port N           HTTP port on 127.0.0.1; 0 = any free port (default 8080, or a free one if taken)",
        "  --bootstrap H:P    use this Kafka cluster instead of starting one in this JVM",
        "  --topic NAME       payments topic, created if absent (default payments)",
        "  --partitions N     partitions of a topic the demo creates (default 6)",
        "  --users N          distinct users, Zipf-skewed; the store holds 1.25 x N rows of ~6.2 KB (default 20000)",
        "  --store-dir DIR    store directory, kept at exit (default: a new one under /dev/shm when it has room,",
        "                     else under java.io.tmpdir, deleted at exit); a store holds the offsets of one",
        "                     cluster, and every embedded broker is a new cluster",
        "  --seed N           random seed of the payments (default 42)",
        "  --migrate-after D  after D, migrate user_risk to its next definition (one more feature, one changed",
        "                     window) while traffic continues: progress, compare, promote (default: never)",
        "  --training-rows F  at the end, write point-in-time training rows of user_risk for 1,000 labels (its own",
        "                     risky and not-risky users) to F: .parquet or .csv, a .json sidecar beside it",
        "  --train            train and serve: payments with a hidden fraud rule for --duration, their outcomes to",
        "                     topic labels 3 s later; training rows as of known time; a Tribuo logistic regression",
        "                     (AUC against the hand-set score); /score with the model; zero skew checked",
        "  --help             print this");
    /** The options that take no value. */
    private static final java.util.Set<String> FLAGS = java.util.Set.of("--help", "-h", "--train");
    /** Default duration. */
    public static final long DEFAULT_DURATION_MS = 15_000;
    /** Default rate, payments per second. */
    public static final int DEFAULT_RATE = 5000;
    /** Default HTTP port. */
    public static final int DEFAULT_PORT = 8080;

    @Spec
    private CommandSpec spec;
    private long durationMs = DEFAULT_DURATION_MS;
    private int rate = DEFAULT_RATE;
    private int port = DEFAULT_PORT;
    private boolean portExplicit;
    private String bootstrap;
    private String topic = "payments";
    private int partitions = 6;
    private int users = 20_000;
    private Path storeDir;
    private long seed = 42;
    private long migrateAfterMs = -1;
    private Path trainingRows;
    @Option(names = {"--help", "-h"})
    private boolean help;
    @Option(names = "--train")
    private boolean train;

    private FraudDemoOptions() {
    }

    /**
     * @param args {@code --name value} or {@code --name=value} pairs, see {@link #USAGE}
     * @return the options
     * @throws IllegalArgumentException naming the bad option and what is allowed
     */
    public static FraudDemoOptions parse(String... args) {
        List<String> given = withoutBlankNames(args);
        FraudDemoOptions o = new FraudDemoOptions();
        CommandLine cli = new CommandLine(o)
            .setOverwrittenOptionsAllowed(true)
            .setAllowOptionsAsOptionParameters(true)
            .setPosixClusteredShortOptionsAllowed(false)
            .setExpandAtFiles(false)
            .setStopAtUnmatched(true);
        try {
            ParseResult r = cli.parseArgs(given.toArray(new String[0]));
            if (!r.unmatched().isEmpty()) {
                throw unmatched(r.unmatched());
            }
        } catch (MissingParameterException e) {
            throw new IllegalArgumentException("option " + given.get(given.size() - 1) + " needs a value", e);
        } catch (ParameterException e) {
            if (e.getArgSpec() instanceof OptionSpec && ((OptionSpec) e.getArgSpec()).longestName().equals("--help")) {
                // --help=x: a name with a value, like any option the demo does not know.
                throw new IllegalArgumentException("unknown option " + helpWithValue(given), e);
            }
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (o.train && (o.migrateAfterMs >= 0 || o.trainingRows != null)) {
            throw new IllegalArgumentException("--train runs its own flow (generate, train, serve, report): drop "
                + (o.migrateAfterMs >= 0 ? "--migrate-after" : "--training-rows") + ", or drop --train");
        }
        return o;
    }

    /**
     * Drops blank arguments where an option's name is due (an empty {@code -Ddemo.args} passes one), and keeps a blank
     * value, which its option then rejects: every word but the flags ({@code --help}, {@code -h}, {@code --train})
     * takes the next as its value
     * unless it has {@code =value} attached.
     */
    private static List<String> withoutBlankNames(String... args) {
        List<String> given = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.isBlank()) {
                continue;
            }
            given.add(a);
            if (!FLAGS.contains(a) && a.indexOf('=') <= 0 && i + 1 < args.length) {
                given.add(args[++i]);
            }
        }
        return given;
    }

    /** @return the name of the first {@code --help=...} or {@code -h=...} given */
    private static String helpWithValue(List<String> given) {
        for (String a : given) {
            if (a.startsWith("--help=") || a.startsWith("-h=")) {
                return a.substring(0, a.indexOf('='));
            }
        }
        return "--help";
    }

    /**
     * Every word but {@code --help} is an option that takes a value: an unknown one ({@code --name value} or
     * {@code --name=value}) is reported by name, or as needing a value when nothing follows it.
     */
    private static IllegalArgumentException unmatched(List<String> rest) {
        String a = rest.get(0);
        int eq = a.indexOf('=');
        if (eq > 0) {
            return new IllegalArgumentException("unknown option " + a.substring(0, eq));
        }
        if (rest.size() == 1) {
            return new IllegalArgumentException("option " + a + " needs a value");
        }
        return new IllegalArgumentException("unknown option " + a);
    }

    @Option(names = "--duration")
    private void duration(String value) {
        durationMs = parseDurationMs("--duration", value);
    }

    @Option(names = "--rate")
    private void rate(String value) {
        rate = parseInt("--rate", value, 1, 1_000_000);
    }

    @Option(names = "--port")
    private void port(String value) {
        port = parseInt("--port", value, 0, 65535);
        portExplicit = true;
    }

    @Option(names = "--bootstrap")
    private void bootstrap(String value) {
        bootstrap = nonBlank(value, "--bootstrap is blank: use host:port");
    }

    @Option(names = "--topic")
    private void topic(String value) {
        topic = nonBlank(value, "--topic is blank: name a topic");
    }

    @Option(names = "--partitions")
    private void partitions(String value) {
        partitions = parseInt("--partitions", value, 1, 256);
    }

    @Option(names = "--users")
    private void users(String value) {
        users = parseInt("--users", value, 1, 1_000_000);
    }

    @Option(names = "--store-dir")
    private void storeDir(String value) {
        try {
            storeDir = Paths.get(value).toAbsolutePath();
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
    }

    @Option(names = "--seed")
    private void seed(String value) {
        seed = parseLong("--seed", value);
    }

    @Option(names = "--migrate-after")
    private void migrateAfter(String value) {
        migrateAfterMs = parseDurationMs("--migrate-after", value);
    }

    @Option(names = "--training-rows")
    private void trainingRows(String value) {
        String lower = value.toLowerCase(Locale.ROOT);
        if (!lower.endsWith(".parquet") && !lower.endsWith(".csv")) {
            throw bad("--training-rows=" + value + " names neither a .parquet nor a .csv file: the extension picks "
                + "the format, e.g. --training-rows train.parquet");
        }
        try {
            trainingRows = Paths.get(value).toAbsolutePath();
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
    }

    private String nonBlank(String value, String messageWhenBlank) {
        if (value.isBlank()) {
            throw bad(messageWhenBlank);
        }
        return value;
    }

    private int parseInt(String name, String value, int min, int max) {
        long v = parseLong(name, value);
        if (v < min || v > max) {
            throw bad(name + "=" + value + " is out of range: use " + min + ".." + max);
        }
        return (int) v;
    }

    private long parseLong(String name, String value) {
        try {
            return Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw bad(name + "=" + value + " is not a whole number");
        }
    }

    /** Accepts {@code 20}, {@code 20s}, {@code 500ms}, {@code 2m}: 100 ms to 24 h. */
    private long parseDurationMs(String name, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        long unitMs = 1000;
        if (v.endsWith("ms")) {
            unitMs = 1;
            v = v.substring(0, v.length() - 2);
        } else if (v.endsWith("s")) {
            v = v.substring(0, v.length() - 1);
        } else if (v.endsWith("m")) {
            unitMs = 60_000;
            v = v.substring(0, v.length() - 1);
        }
        double n;
        try {
            n = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            n = Double.NaN;
        }
        double ms = n * unitMs;
        if (!(ms >= 100 && ms <= TimeUnit.HOURS.toMillis(24))) {
            throw bad(name + "=" + value + " is not a duration from 100ms to 24h: use e.g. 20s, 90s, 2m or 500ms");
        }
        return Math.round(ms);
    }

    /** Picocli passes a {@link ParameterException} thrown by an option's setter through with its message as is. */
    private ParameterException bad(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** @return how long payments are produced, ms */
    public long durationMs() {
        return durationMs;
    }

    /** @return payments per second */
    public int rate() {
        return rate;
    }

    /** @return the HTTP port asked for (0 = any free port) */
    public int port() {
        return port;
    }

    /** @return whether {@code --port} was given: then the demo never falls back to another port */
    boolean portExplicit() {
        return portExplicit;
    }

    /** @return the external cluster, or null for the embedded broker */
    public String bootstrap() {
        return bootstrap;
    }

    /** @return the payments topic */
    String topic() {
        return topic;
    }

    /** @return partitions of a topic the demo creates */
    int partitions() {
        return partitions;
    }

    /** @return distinct users the generator draws from */
    int users() {
        return users;
    }

    /** @return the store directory asked for (absolute), or null for a temporary one */
    Path storeDir() {
        return storeDir;
    }

    /** @return the payments' random seed */
    long seed() {
        return seed;
    }

    /** @return after how long the demo migrates to the next definition, ms; -1: never */
    public long migrateAfterMs() {
        return migrateAfterMs;
    }

    /** @return where the training rows go (.parquet or .csv), or null for none */
    public Path trainingRows() {
        return trainingRows;
    }

    /** @return whether --train was given: the train-and-serve demo instead of the live one */
    public boolean train() {
        return train;
    }

    /** @return whether --help was given */
    public boolean help() {
        return help;
    }
}
