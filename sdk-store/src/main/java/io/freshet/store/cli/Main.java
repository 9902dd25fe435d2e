package io.freshet.store.cli;

import io.freshet.core.StoreException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * The store tool's entry point: {@code java -jar freshet-store-<version>-cli.jar COMMAND ...}, or
 * {@code java -cp freshet-store-<version>-cli.jar:app.jar io.freshet.store.cli.Main COMMAND ...} when a command
 * needs the application's feature set class ({@code --set}).
 *
 * <ul>
 * <li>{@code inspect DIR [--set CLASS]}: format, engine, set name, definition fingerprint and feature names, rows used
 * of capacity (fill), bytes per row and per key, clean flag, boot id, applied offsets per partition, the Kafka cluster
 * and topic ids, the last apply time.
 * <li>{@code verify DIR [--set CLASS]}: every checksum of the meta file, then the rows' through the engine's
 * read-only open; names each damaged part.
 * <li>{@code size --set CLASS --capacity N [--engine NAME]}: bytes on disk, mapped and on the heap of a store of
 * that set and capacity, per engine, before it exists.
 * <li>{@code dump DIR KEY --set CLASS [--at TIME]}: one key's features as JSON, as a served read at that time
 * returns them.
 * <li>{@code snapshot DIR TARGET [--set CLASS]}: a consistent copy of a table store that no process has open, for a
 * warm start elsewhere (the one command that writes: TARGET, and DIR's lifecycle words).
 * </ul>
 *
 * <p>Every other command opens the store read-only and writes nothing (not even the writer lock file), needs no Kafka
 * cluster, and reports a missing, foreign, locked or damaged store in one line. Exit codes: {@value #EXIT_OK} ok,
 * {@value #EXIT_DAMAGED} damage found (a checksum or invariant fails), {@value #EXIT_ERROR} usage or any other
 * error (missing or foreign directory, wrong set, engine not on the class path, I/O).
 *
 * <p>Stateless; each run is independent.
 */
public final class Main {
    /** Exit code: the command succeeded (and {@code verify} found no damage). */
    public static final int EXIT_OK = 0;
    /** Exit code: damage found; the output names the damaged part. */
    public static final int EXIT_DAMAGED = 1;
    /** Exit code: bad usage, or the command could not run (the line printed says why). */
    public static final int EXIT_ERROR = 2;

    private Main() {
    }

    /**
     * Runs a command and exits the JVM with its exit code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /**
     * Runs a command without exiting (for embedding and tests).
     *
     * @param out receives the command's output
     * @param err receives usage help and the one-line error of a refused command
     * @param args the command line
     * @return the exit code
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new StoreTool());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("error: " + oneLine(e));
            commandLine.getErr().flush();
            return exitCodeOf(e);
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    static int exitCodeOf(Throwable e) {
        if (e instanceof CliException) {
            return ((CliException) e).exitCode();
        }
        if (e instanceof StoreException) {
            switch (((StoreException) e).reason()) {
                case CORRUPT:
                case TRUNCATED:
                case DAMAGED:
                case INCOMPLETE:
                case OS_CRASH:
                    return EXIT_DAMAGED;
                default:
                    return EXIT_ERROR;
            }
        }
        return EXIT_ERROR;
    }

    /** The exception as one line: its message (a StoreException's names its reason and file), never a trace. */
    static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (!(e instanceof CliException) && !(e instanceof StoreException)) {
            m = e.getClass().getName() + (m == null ? "" : ": " + m);
        }
        return m == null ? e.toString() : m.replace('\n', ' ');
    }
}
