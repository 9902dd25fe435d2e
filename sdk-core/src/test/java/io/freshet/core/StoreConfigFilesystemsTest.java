package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StoreConfigFilesystemsTest {
    private static final FeatureSet<long[]> SET = FeatureSet.builder("fs_check", long[].class)
        .entity("id", e -> e[0])
        .eventTime(e -> e[1])
        .count("n")
        .build();

    @Test
    void noFilesystemIsRefusedByDefault() {
        assertThat(StoreConfig.builder(SET).capacity(10).build().refusedFilesystems()).isEmpty();
    }

    @Test
    void refusedTypesAreKeptLowerCaseAndTrimmed() {
        StoreConfig c = StoreConfig.builder(SET).capacity(10).refuseFilesystems(Set.of(" NFS4", "Cifs")).build();
        assertThat(c.refusedFilesystems()).containsExactlyInAnyOrder("nfs4", "cifs");
        assertThat(StoreConfig.NETWORK_FILESYSTEMS).contains("nfs", "nfs4", "cifs", "smb3").doesNotContain("ext4",
            "xfs", "tmpfs");
    }

    @Test
    void aBlankOrNullTypeIsRefusedWithTheFix() {
        assertThatThrownBy(() -> StoreConfig.builder(SET).refuseFilesystems(Set.of("nfs", " ")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nfs4");
        assertThatThrownBy(() -> StoreConfig.builder(SET).refuseFilesystems(new HashSet<>(Arrays.asList("nfs",
            null)))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StoreConfig.builder(SET).refuseFilesystems(null))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("types can't be null");
    }
}
