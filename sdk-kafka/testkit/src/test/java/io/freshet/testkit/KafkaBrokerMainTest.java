package io.freshet.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KafkaBrokerMain} as a child JVM on the test kit's class path: it writes the bootstrap file once it serves,
 * a client in this JVM produces and consumes through it, and when it is killed or its stdin closes it stops and
 * deletes its data directory and the bootstrap file.
 */
class KafkaBrokerMainTest {
    private static final Pattern DATA_DIR = Pattern.compile("dataDir=(\\S+)");

    @Test
    void servesThroughTheBootstrapFileAndDeletesItsDataWhenKilled(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bootstrap.txt");
        Process p = ChildJava.start(KafkaBrokerMain.class, ChildJava.testClassPath(), List.of(),
            List.of("--bootstrap-file", file.toString(), "--ignore-stdin"), dir, "broker");
        try {
            ChildJava.awaitFile(p, file, dir, "broker");
            String bootstrap = Files.readString(file).trim();
            assertThat(bootstrap).matches("[^:\\s]+:\\d+");
            Path dataDir = dataDir(dir);
            assertThat(dataDir).isDirectory();

            try (FreshetKafka kafka = FreshetKafka.external(bootstrap).start()) {
                String topic = kafka.uniqueName("main");
                kafka.createTopic(topic, 1);
                kafka.send(topic, "k", "one record");
                assertThat(FreshetKafkaTest.consume(kafka, topic, "read_uncommitted", 1)).containsExactly("one record");
            }

            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(ChildJava.output(dir, "broker")).isTrue();
            assertThat(dataDir).doesNotExist();
            assertThat(file).doesNotExist();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void stopsAndCleansUpWhenItsStdinCloses(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bootstrap.txt");
        Process p = ChildJava.start(KafkaBrokerMain.class, ChildJava.testClassPath(), List.of(),
            List.of("--bootstrap-file", file.toString()), dir, "broker");
        try {
            ChildJava.awaitFile(p, file, dir, "broker");
            Path dataDir = dataDir(dir);
            p.getOutputStream().close();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(ChildJava.output(dir, "broker")).isTrue();
            assertThat(p.exitValue()).as(ChildJava.output(dir, "broker")).isZero();
            assertThat(ChildJava.output(dir, "broker")).contains("stdin closed; stopping");
            assertThat(dataDir).doesNotExist();
            assertThat(file).doesNotExist();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void badArgumentsFailWithTheUsageInOneLine(@TempDir Path dir) throws Exception {
        Process p = ChildJava.start(KafkaBrokerMain.class, ChildJava.testClassPath(), List.of(),
            List.of("--bootstrap"), dir, "bad");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        String err = Files.readString(dir.resolve("bad.err")).trim();
        assertThat(err).doesNotContain("\n").contains("unknown or incomplete option '--bootstrap'")
            .contains("--bootstrap-file FILE");
    }

    private static Path dataDir(Path dir) throws Exception {
        // The ready line comes right after the bootstrap file is written.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Matcher m = DATA_DIR.matcher(ChildJava.output(dir, "broker"));
            if (m.find()) {
                return Path.of(m.group(1));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no ready line: " + ChildJava.output(dir, "broker"));
            }
            Thread.sleep(20);
        }
    }
}
