package io.freshet.kafka;

import static io.freshet.kafka.PipelineFixtures.USER_RISK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.StoreConfig;
import io.freshet.kafka.metrics.FreshetMetrics;
import io.freshet.testkit.SecureKafka;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 point 5: a canary SASL password and the keystore password appear nowhere a pipeline writes or shows:
 * not in any log line of the run (everything SLF4J prints, captured from the process's standard streams), not in an
 * exception's message or stack trace, not in the {@code toString()} of a Freshet object (builder, pipeline, source,
 * status, metrics), not in a JMX metric name or tag, not in a dead letter (key, value, headers), not in a byte of the
 * store's files. A wrong password is an authentication error at start, with status DOWN, not a hang.
 */
class SecretLeakTest {
    @RegisterExtension
    static final SecureKafka KAFKA = SecureKafka.create();

    private static final String CANARY = "canary-" + UUID.randomUUID();
    private static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();
    private static PrintStream originalOut;
    private static PrintStream originalErr;
    /** Everything a user could see besides logs and files: messages, toString()s, headers. */
    private static final List<String> SEEN = new ArrayList<>();

    @BeforeAll
    static void captureStandardStreams() {
        // slf4j-simple resolves System.err on every line, so a tee sees every log line from now on.
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(new Tee(originalOut), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new Tee(originalErr), true, StandardCharsets.UTF_8));
    }

    @AfterAll
    static void restoreStandardStreams() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    /** Writes to the original stream and to {@link #LOG}. */
    private static final class Tee extends OutputStream {
        private final OutputStream original;

        Tee(OutputStream original) {
            this.original = original;
        }

        @Override
        public void write(int b) {
            synchronized (LOG) {
                LOG.write(b);
            }
            try {
                original.write(b);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (LOG) {
                LOG.write(b, off, len);
            }
            try {
                original.write(b, off, len);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    @Test
    void passwordsLeakNowhere(@TempDir Path dir) throws Exception {
        String keystorePassword = KAFKA.listeners().certificates().password();
        SecurePipelineTest.Stream s = SecurePipelineTest.stream(KAFKA, 191, 800);
        String user = KAFKA.uniqueName("leak");
        String group = KAFKA.uniqueName("group");
        KAFKA.createScramUser(user, CANARY);
        SecurePipelineTest.grantLeastPrivilege(KAFKA, "User:" + user, s, group);
        SecurePipelineTest.grantLeastPrivilege(KAFKA, KAFKA.mtlsPrincipal(), s, null);
        Properties sasl = KAFKA.saslSslProperties(user, CANARY);
        sasl.put("group.id", group);

        // 1. A run over SASL_SSL that dead-letters, on the table engine (files to scan).
        StoreConfig saslStore = SecurePipelineTest.store(dir.resolve("sasl"));
        FeaturePipeline p = SecurePipelineTest.build(sasl, s, saslStore, ScaleMode.SHARDED);
        see(p);
        p.start();
        assertThat(p.awaitCaughtUp(Duration.ofSeconds(120))).isTrue();
        seeRunning(p);
        p.close();
        see(p.status(USER_RISK));

        // 2. A run over mutual TLS (the keystore password in play).
        StoreConfig tlsStore = SecurePipelineTest.store(dir.resolve("mtls"));
        try (FeaturePipeline t = SecurePipelineTest.start(KAFKA.mtlsProperties(), s, tlsStore, ScaleMode.REPLICATED)) {
            // The Micrometer binder's meters too: every name, tag and description of a Prometheus scrape.
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            try (FreshetMetrics bound = FreshetMetrics.bind(t, registry)) {
                assertThat(t.awaitCaughtUp(Duration.ofSeconds(120))).isTrue();
                seeRunning(t);
                String scrape = registry.scrape();
                assertThat(scrape).contains("freshet_records_applied_total");
                see(scrape);
            }
        }

        // 3. A wrong SASL password: an authentication error at start, status DOWN.
        Properties wrong = KAFKA.saslSslProperties(user, CANARY + "-wrong");
        wrong.put("group.id", group);
        FeaturePipeline w = SecurePipelineTest.build(wrong, s, SecurePipelineTest.store(dir.resolve("wrong")),
            ScaleMode.SHARDED);
        assertThatThrownBy(w::start).isInstanceOf(PipelineException.class)
            .hasMessageContaining("authentication failed").hasMessageContaining("sasl.jaas.config")
            .satisfies(SecretLeakTest::seeThrowable);
        assertThat(w.status(USER_RISK).state()).isEqualTo(SetStatus.State.DOWN);
        assertThat(w.status(USER_RISK).reason()).contains("authentication failed");
        see(w.status(USER_RISK));
        w.close();

        // 4. A wrong keystore password: refused at start with a clear error, status DOWN.
        Properties badStore = KAFKA.mtlsProperties();
        badStore.put("ssl.keystore.password", keystorePassword + "-wrong");
        badStore.put("ssl.key.password", keystorePassword + "-wrong");
        FeaturePipeline b = SecurePipelineTest.build(badStore, s, SecurePipelineTest.store(dir.resolve("badstore")),
            ScaleMode.REPLICATED);
        assertThatThrownBy(b::start).isInstanceOf(PipelineException.class).hasMessageContaining("keystore")
            .satisfies(SecretLeakTest::seeThrowable);
        assertThat(b.status(USER_RISK).state()).isEqualTo(SetStatus.State.DOWN);
        see(b.status(USER_RISK));
        b.close();

        // Dead letters: key, value and every header.
        for (ConsumerRecord<byte[], byte[]> r : SecurePipelineTest.readDeadLetters(KAFKA, s.dlq(), 2 * s.bad())) {
            SEEN.add(r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8));
            SEEN.add(r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8));
            for (Header h : r.headers()) {
                SEEN.add(h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8));
            }
        }
        // Every JMX name and its tags (Kafka clients' metrics carry client ids and topics as tags).
        for (ObjectName n : ManagementFactory.getPlatformMBeanServer().queryNames(null, null)) {
            SEEN.add(n.toString());
        }

        String logs;
        synchronized (LOG) {
            logs = LOG.toString(StandardCharsets.UTF_8);
        }
        assertThat(logs).as("captured log").contains("pipeline instance=").contains("authentication failed");
        for (String secret : List.of(CANARY, keystorePassword)) {
            assertThat(logs).as("log lines").doesNotContain(secret);
            for (String seen : SEEN) {
                assertThat(seen).doesNotContain(secret);
            }
            assertNotInFiles(dir, secret);
        }
    }

    private static void seeRunning(FeaturePipeline p) {
        see(p);
        see(p.status(USER_RISK));
        see(p.metrics());
        see(p.metrics().set(USER_RISK.name()));
    }

    private static void see(Object o) {
        SEEN.add(String.valueOf(o));
    }

    private static void seeThrowable(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        SEEN.add(w.toString());
        for (Throwable c = t; c != null; c = c.getCause()) {
            SEEN.add(String.valueOf(c.getMessage()));
        }
    }

    private static void assertNotInFiles(Path dir, String secret) throws Exception {
        byte[] utf8 = secret.getBytes(StandardCharsets.UTF_8);
        byte[] utf16 = secret.getBytes(StandardCharsets.UTF_16LE);
        int files = 0;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
                byte[] bytes = Files.readAllBytes(f);
                assertThat(indexOf(bytes, utf8)).as("%s holds the secret", f).isEqualTo(-1);
                assertThat(indexOf(bytes, utf16)).as("%s holds the secret (UTF-16)", f).isEqualTo(-1);
                files++;
            }
        }
        assertThat(files).as("store files scanned").isPositive();
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
