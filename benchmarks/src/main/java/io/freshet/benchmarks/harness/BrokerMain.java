package io.freshet.benchmarks.harness;

import io.freshet.testkit.FreshetKafka;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The broker of a harness in a JVM of its own ({@link ChildJvm}): starts the test kit's embedded broker
 * ({@link FreshetKafka#embedded()}, one combined KRaft node), prints {@code @bootstrap host:port}, answers
 * {@code gc} with {@code @gc collections millis} (this JVM's totals), and closes the broker on {@code stop} or when
 * the parent goes away. In production the broker runs on another host: in the harness's own JVM its garbage
 * collections and threads would be charged to the pipeline.
 *
 * <p>Run by the harnesses, not by hand (its standard input must stay open).
 */
public final class BrokerMain {
    private BrokerMain() {
    }

    /**
     * @param args none
     */
    public static void main(String[] args) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        FreshetKafka[] broker = new FreshetKafka[1];
        ChildJvm.watchParent(command -> {
            if (command.equals("gc")) {
                long[] gc = Harness.gcTotals();
                ChildJvm.reply("gc", gc[0] + " " + gc[1]);
            } else {
                System.err.println("broker child: unknown command=" + command);
            }
        }, () -> {
            try {
                started.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (broker[0] != null) {
                broker[0].close();
            }
        });
        try {
            broker[0] = FreshetKafka.embedded().start();
        } finally {
            started.countDown();
        }
        ChildJvm.reply("bootstrap", broker[0].bootstrapServers());
        // The watcher thread ends this JVM; the main thread has nothing more to do.
        new CountDownLatch(1).await();
    }

    /**
     * Starts a broker child.
     *
     * @param jvmArgs heap and GC options of the broker's JVM
     * @return the child; its bootstrap address is in {@link #bootstrap}
     */
    static ChildJvm start(List<String> jvmArgs) throws Exception {
        return ChildJvm.start("broker", jvmArgs, BrokerMain.class, List.of());
    }

    /** @return the bootstrap address the child printed (waits up to 2 min for the broker to start) */
    static String bootstrap(ChildJvm child) throws InterruptedException {
        return child.await("bootstrap", 120_000);
    }

    /** @return the child's collections and their time so far, ms */
    static long[] gc(ChildJvm child) throws Exception {
        child.send("gc");
        String[] v = child.await("gc", 10_000).split(" ");
        return new long[] {Long.parseLong(v[0]), Long.parseLong(v[1])};
    }
}
