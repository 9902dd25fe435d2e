package io.freshet.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.junit.jupiter.api.Test;

/** Which close a consumer gets on this build's kafka-clients (4.1+), and that the pre-4.1 call closes too. */
class ConsumerCloseTest {

    /** Records which close it got. */
    static final class RecordingConsumer extends MockConsumer<byte[], byte[]> {
        String closedWith;
        Duration timeout;

        RecordingConsumer() {
            super("earliest");
        }

        @Override
        public void close(CloseOptions options) {
            closedWith = "CloseOptions";
            timeout = options.timeout().orElse(null);
            super.close(options);
        }

        @Override
        @SuppressWarnings("deprecation")
        public synchronized void close(Duration t) {
            closedWith = "Duration";
            timeout = t;
            super.close(t);
        }
    }

    @Test
    void closesWithCloseOptionsAndTheTimeoutOn41AndLater() {
        assertThat(ConsumerClose.HAS_CLOSE_OPTIONS).isTrue();
        RecordingConsumer c = new RecordingConsumer();
        ConsumerClose.close(c, Duration.ofSeconds(5));
        assertThat(c.closedWith).isEqualTo("CloseOptions");
        assertThat(c.timeout).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.closed()).isTrue();
    }

    @Test
    void closeBefore41ClosesWithTheTimeout() {
        RecordingConsumer c = new RecordingConsumer();
        ConsumerClose.closeBefore41(c, Duration.ZERO);
        assertThat(c.closedWith).isEqualTo("Duration");
        assertThat(c.timeout).isEqualTo(Duration.ZERO);
        assertThat(c.closed()).isTrue();
    }
}
