package io.freshet.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A harness child JVM answers on its output channel and never outlives its parent's channel. */
class ChildJvmTest {
    /** A child that answers {@code ping} with {@code @pong n} and keeps running until told or orphaned. */
    static final class EchoMain {
        public static void main(String[] args) throws Exception {
            int[] n = new int[1];
            ChildJvm.watchParent(command -> {
                if (command.equals("ping")) {
                    ChildJvm.reply("pong", ++n[0]);
                }
            }, () -> ChildJvm.reply("stopping", "clean"));
            ChildJvm.reply("ready", ProcessHandle.current().pid());
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    @Test
    void childAnswersCommandsAndStopsCleanly() throws Exception {
        ChildJvm child = ChildJvm.start("echo", List.of("-Xmx64m"), EchoMain.class, List.of());
        try {
            assertThat(Long.parseLong(child.await("ready", 60_000))).isEqualTo(child.pid());
            child.send("ping");
            child.send("ping");
            assertThat(child.await("pong", 10_000)).isEqualTo("1");
            assertThat(child.await("pong", 10_000)).isEqualTo("2");
        } finally {
            child.close();
        }
        assertThat(child.awaitExit(0)).isTrue();
        assertThat(child.await("stopping", 1_000)).isEqualTo("clean");
    }

    @Test
    void childExitsWhenItsParentChannelCloses() throws Exception {
        ChildJvm child = ChildJvm.start("orphan", List.of("-Xmx64m"), EchoMain.class, List.of());
        try {
            child.await("ready", 60_000);
            // What the kernel does to the child's input when this JVM dies, kill -9 included.
            child.closeInput();
            assertThat(child.awaitExit(30_000)).isTrue();
        } finally {
            child.close();
        }
    }

    @Test
    void awaitNamesTheChildThatExitedWithoutAnswering() throws Exception {
        ChildJvm child = ChildJvm.start("mute", List.of("-Xmx64m"), EchoMain.class, List.of());
        try {
            child.await("ready", 60_000);
            child.closeInput();
            child.awaitExit(30_000);
            child.await("stopping", 10_000);
            assertThatThrownBy(() -> child.await("pong", 10_000)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("child=mute exited before sending @pong");
        } finally {
            child.close();
        }
    }
}
