package io.freshet.store.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.Categories;
import io.freshet.core.FeatureSet;
import io.freshet.core.FeatureTestDriver;
import org.junit.jupiter.api.Test;

/** {@code dump}'s JSON of the categorical kinds: dictionary ids (names are not in a store), UTF-8 text, misses. */
class DumpCategoriesTest {
    record Pay(long user, long timeMs, String device) {
    }

    @Test
    void categoricalFeaturesDumpIdsOrTextNewestFirstWithTheirMisses() {
        FeatureSet<Pay> set = FeatureSet.builder("pay", Pay.class).entity("user", Pay::user).eventTime(Pay::timeMs)
            .latestCategory("device", Pay::device, Categories.of("ios", "web"))
            .lastNCategories("devices", Pay::device, Categories.utf8(4), 2)
            .build();
        FeatureTestDriver<Pay> d = FeatureTestDriver.create(set, 10_000);
        d.pipe(new Pay(1, 1_000, "web"));
        d.pipe(new Pay(1, 2_000, "tv \"q\""));
        String json = DumpCommand.json(set, "1", null, d.read(1));
        assertThat(json).contains("\"device\":{\"kind\":\"LATEST_CATEGORY\",\"values\":[2],\"eventTimesMs\":[2000],"
            + "\"misses\":1")
            .contains("\"devices\":{\"kind\":\"LAST_N_CATEGORIES\",\"values\":[\"tv \\\"\",\"web\"],"
                + "\"eventTimesMs\":[2000,1000],\"misses\":1");
    }
}
