package io.freshet.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class JvmFlagsTest {
    @Test
    void moduleFlagsMatchTheBuildsFlagsForEveryOtherJvm() {
        String fromPom = System.getProperty("freshet.jvm.flags");
        assertThat(fromPom).as("surefire passes the parent pom's freshet.jvm.flags").isNotBlank();

        assertThat(JvmFlags.MODULE_FLAGS).containsExactly(fromPom.trim().split("\\s+"));
    }

    @Test
    void chronicleFlagsAreTheModuleFlagsThenTheQuietProperties() {
        String[] all = JvmFlags.chronicle();

        assertThat(Arrays.copyOf(all, JvmFlags.MODULE_FLAGS.length)).containsExactly(JvmFlags.MODULE_FLAGS);
        assertThat(all).endsWith(JvmFlags.CHRONICLE_NO_ANALYTICS, JvmFlags.CHRONICLE_NO_ANNOUNCER);
        all[0] = "changed";
        assertThat(JvmFlags.chronicle()[0]).isEqualTo(JvmFlags.OPEN_JAVA_LANG);
    }
}
