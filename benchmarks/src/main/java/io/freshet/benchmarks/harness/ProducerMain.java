package io.freshet.benchmarks.harness;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The fixed-rate sender of {@link FreshnessHarness} in a JVM of its own ({@link ChildJvm}), as a producer on
 * another host would be: its allocations and collections are not the pipeline's. Prints
 * {@code @measureFrom nanos} (the intended send time of the first measured event, {@link System#nanoTime()}, which is
 * one clock for every process on Linux) before the first send, and {@code @stats ...} ({@link
 * SendStats#encode}) after the flush; exits when done or when the parent goes away.
 *
 * <p>Run by the harness, not by hand (its standard input must stay open).
 */
public final class ProducerMain {
    private ProducerMain() {
    }

    /**
     * @param args bootstrap, topic, rate (events/s), warm-up seconds, measured seconds, keys
     */
    public static void main(String[] args) {
        ChildJvm.watchParent(command -> System.err.println("producer child: unknown command=" + command), () -> { });
        if (args.length != 6) {
            throw new IllegalArgumentException("args=" + String.join(" ", args)
                + ": expected bootstrap topic rate warmupSeconds seconds keys");
        }
        ScheduledProducer producer = new ScheduledProducer(args[0], args[1],
            Integer.parseInt(args[2]), Integer.parseInt(args[5]));
        producer.onSchedule = measureFrom -> ChildJvm.reply("measureFrom", measureFrom);
        SendStats stats = producer.run(Integer.parseInt(args[3]), Integer.parseInt(args[4]),
            new AtomicLong());
        ChildJvm.reply("stats", stats.encode());
    }
}
