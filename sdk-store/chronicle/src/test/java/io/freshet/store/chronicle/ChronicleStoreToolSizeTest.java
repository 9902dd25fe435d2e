package io.freshet.store.chronicle;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreConfig;
import io.freshet.core.spi.StoreFootprint;
import io.freshet.store.cli.CliSets;
import io.freshet.store.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The store tool's {@code size} with freshet-store-chronicle on the class path reports the Chronicle footprint. */
class ChronicleStoreToolSizeTest {
    @Test
    void sizeReportsTheChronicleFootprintBesideTheTableOne() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), "size", "--set",
            CliSets.class.getName() + "#PAYMENTS", "--capacity", "100000", "--shards", "2");
        assertThat(code).as(err.toString()).isZero();
        StoreFootprint f = new ChronicleStoreEngine().footprint(StoreConfig.builder(CliSets.PAYMENTS)
            .directory(Path.of("unused")).capacity(100_000).shards(2).build());
        assertThat(out.toString()).contains("table:").contains("chronicle:       disk ")
            .contains(String.format(java.util.Locale.ROOT, "chronicle per key: %.1f bytes on disk",
                (double) f.diskBytes() / 100_000));
    }
}
