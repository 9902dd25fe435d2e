package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.internal.CanonicalForms;
import io.freshet.core.spi.RowLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LATEST_CATEGORY and LAST_N_CATEGORIES: storage (dictionary ids, fixed-width UTF-8 cut at code points), misses,
 * reads into caller-owned builders, model columns, validation and the canonical form. The kernels against the
 * reference model over random streams: {@code KernelPropertyTest}.
 */
class CategoricalFeaturesTest {
    /** A payment: user, time, device text, merchant category text. */
    record Pay(long user, long timeMs, String device, String merchant) {
    }

    private static final Categories DEVICES = Categories.of("ios", "android", "web");

    private static FeatureSetBuilder<Pay> builder() {
        return FeatureSet.builder("pay", Pay.class).entity("user", Pay::user).eventTime(Pay::timeMs);
    }

    private static final FeatureSet<Pay> SET = builder()
        .latestCategory("device", Pay::device, DEVICES)
        .latestCategory("device_hot", Pay::device, DEVICES.oneHot())
        .latestCategory("merchant_text", Pay::merchant, Categories.utf8(6))
        .lastNCategories("recent_devices", Pay::device, DEVICES, 3)
        .lastNCategories("recent_merchants", Pay::merchant, Categories.utf8(4), 2)
        .count("n")
        .build();

    private static String text(FeatureVector v, FeatureRef ref, int position) {
        StringBuilder sb = new StringBuilder();
        return v.category(ref, position, sb) ? sb.toString() : null;
    }

    @Test
    void latestCategoryKeepsTheNewestEventsIdAndCountsValuesOutsideTheDictionaryAsOther() {
        FeatureTestDriver<Pay> d = FeatureTestDriver.create(SET, 10_000);
        FeatureRef device = SET.ref("device");
        d.pipe(new Pay(1, 5_000, "android", "shop"));
        d.pipe(new Pay(1, 4_000, "web", "shop"));
        FeatureVector v = d.read(1);
        assertThat(v.categoryId(device)).as("older event loses").isEqualTo(1);
        assertThat(text(v, device, 0)).isEqualTo("android");
        assertThat(v.eventTimeMs(device)).isEqualTo(5_000);
        d.pipe(new Pay(1, 5_000, "smart-fridge", "shop"));
        v = d.read(1);
        assertThat(v.categoryId(device)).as("a tie goes to the later arrival, unknown -> other").isEqualTo(3);
        assertThat(text(v, device, 0)).isEqualTo(Categories.OTHER);
        assertThat(v.categoryMisses(device)).isEqualTo(1);
        assertThat(v.getLong(device)).isEqualTo(3);
        assertThat(d.read(2).categoryId(device)).as("missing").isEqualTo(-1);
        assertThat(text(d.read(2), device, 0)).isNull();
    }

    @Test
    void utf8ValuesAreCutAtACodePointBoundaryAndCounted() {
        FeatureTestDriver<Pay> d = FeatureTestDriver.create(SET, 10_000);
        FeatureRef merchant = SET.ref("merchant_text");
        d.pipe(new Pay(1, 1_000, "ios", "ab\u20accd"));
        FeatureVector v = d.read(1);
        assertThat(text(v, merchant, 0)).as("a, b, the 3-byte euro and c fill 6; d does not fit")
            .isEqualTo("ab\u20acc");
        assertThat(v.getLong(merchant)).as("byte length").isEqualTo(6);
        assertThat(v.categoryMisses(merchant)).isEqualTo(1);
        d.pipe(new Pay(1, 2_000, "ios", "a\uD83D\uDE00b"));
        v = d.read(1);
        assertThat(text(v, merchant, 0)).as("a and a 4-byte emoji fill 5 of 6; b fits too").isEqualTo("a\uD83D\uDE00b");
        assertThat(v.categoryMisses(merchant)).isEqualTo(1);
        d.pipe(new Pay(1, 3_000, "ios", "abc\uD83D\uDE00"));
        v = d.read(1);
        assertThat(text(v, merchant, 0)).as("never half an emoji").isEqualTo("abc");
        assertThat(v.categoryMisses(merchant)).isEqualTo(2);
        assertThatThrownBy(() -> d.read(1).categoryId(merchant)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("category(ref, into)");
    }

    @Test
    void lastNCategoriesKeepsTheNewestFirstWithTheirText() {
        FeatureTestDriver<Pay> d = FeatureTestDriver.create(SET, 10_000);
        FeatureRef recent = SET.ref("recent_devices");
        FeatureRef merchants = SET.ref("recent_merchants");
        d.pipe(new Pay(1, 1_000, "ios", "food"));
        d.pipe(new Pay(1, 3_000, "web", "travel"));
        d.pipe(new Pay(1, 2_000, "tv", "ключ"));
        d.pipe(new Pay(1, 500, "android", "x"));
        FeatureVector v = d.read(1);
        assertThat(v.size(recent)).isEqualTo(3);
        assertThat(new int[] {v.categoryId(recent, 0), v.categoryId(recent, 1), v.categoryId(recent, 2)})
            .containsExactly(2, 3, 0);
        assertThat(v.categoryId(recent, 3)).isEqualTo(-1);
        assertThat(v.eventTimeMs(recent, 1)).isEqualTo(2_000);
        assertThat(v.categoryMisses(recent)).isEqualTo(1);
        assertThat(text(v, merchants, 0)).isEqualTo("trav");
        assertThat(text(v, merchants, 1)).as("4 bytes of Cyrillic: two letters").isEqualTo("кл");
        assertThat(text(v, merchants, 2)).isNull();
        assertThat(v.categoryMisses(merchants)).isEqualTo(2);
        assertThat(v.toString()).contains("recent_devices=[web, __other__, ios]", "recent_merchants=[trav, кл]");
    }

    @Test
    void aNullValueLeavesTheFeatureUnchanged() {
        FeatureTestDriver<Pay> d = FeatureTestDriver.create(SET, 10_000);
        FeatureRef device = SET.ref("device");
        d.pipe(new Pay(1, 1_000, "web", "m"));
        d.pipe(new Pay(1, 2_000, null, "m"));
        FeatureVector v = d.read(1);
        assertThat(v.categoryId(device)).isEqualTo(2);
        assertThat(v.eventTimeMs(device)).isEqualTo(1_000);
        assertThat(v.getLong(SET.ref("n"))).isEqualTo(2);
    }

    @Test
    void copyToWritesTheIdOneHotColumnsAndNanForText() {
        assertThat(SET.vectorWidth()).as("1 + 4 + 1 + 3 + 2 + 1").isEqualTo(12);
        FeatureTestDriver<Pay> d = FeatureTestDriver.create(SET, 10_000);
        double[] out = new double[SET.vectorWidth()];
        d.read(1).copyTo(out);
        assertThat(out).as("a key with no row: all NaN").containsOnly(Double.NaN);
        d.pipe(new Pay(1, 1_000, "android", "m"));
        d.pipe(new Pay(1, 2_000, "web", "m"));
        d.read(1).copyTo(out);
        assertThat(out).containsExactly(2, 0, 0, 1, 0, Double.NaN, 2, 1, Double.NaN, Double.NaN, Double.NaN, 2);
        float[] f = new float[SET.vectorWidth() + 1];
        d.pipe(new Pay(1, 3_000, "kiosk", "m"));
        d.read(1).copyTo(f, 1);
        assertThat(f[1]).isEqualTo(3f);
        assertThat(new float[] {f[2], f[3], f[4], f[5]}).as("other is the last one-hot column")
            .containsExactly(0f, 0f, 0f, 1f);
    }

    @Test
    void declarationsThatCannotWorkAreRefusedWithTheFix() {
        assertThatThrownBy(() -> builder().latestCategory("t", Pay::device, Categories.utf8(8).oneHot()))
            .isInstanceOf(FeatureDefinitionException.class).hasMessageContaining("feature=t")
            .hasMessageContaining("Categories.of(...)");
        assertThatThrownBy(() -> builder().latestCategory("t", Pay::device, Categories.utf8(8).index()))
            .isInstanceOf(FeatureDefinitionException.class).hasMessageContaining("no index or one-hot");
        assertThatThrownBy(() -> builder().lastNCategories("t", Pay::device, DEVICES.oneHot(), 3))
            .isInstanceOf(FeatureDefinitionException.class).hasMessageContaining("use the index form");
        assertThatThrownBy(() -> builder().lastNCategories("t", Pay::device, DEVICES, 0))
            .isInstanceOf(FeatureDefinitionException.class).hasMessageContaining("use 1..64");
        assertThatThrownBy(() -> Categories.of("a", "b", "a")).isInstanceOf(FeatureDefinitionException.class)
            .hasMessageContaining("declared twice");
        assertThatThrownBy(() -> Categories.of("a", Categories.OTHER)).isInstanceOf(FeatureDefinitionException.class)
            .hasMessageContaining("reserved");
        assertThatThrownBy(() -> Categories.of()).isInstanceOf(FeatureDefinitionException.class)
            .hasMessageContaining("Categories.utf8");
        assertThatThrownBy(() -> Categories.utf8(0)).isInstanceOf(FeatureDefinitionException.class)
            .hasMessageContaining("use 1..256");
        assertThatThrownBy(() -> builder().latestCategory("t", Pay::device, null))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("Categories.utf8");
        assertThatThrownBy(() -> builder().latestCategory("d", Pay::device, DEVICES)
            .derived("r", x -> x.ratio("d", "d"))).isInstanceOf(FeatureDefinitionException.class)
            .hasMessageContaining("only timeSince");
        assertThatThrownBy(() -> builder().lastNCategories("d", Pay::device, DEVICES, 2)
            .derived("r", x -> x.timeSince("d"))).isInstanceOf(FeatureDefinitionException.class)
            .hasMessageContaining("single values");
        FeatureSet<Pay> since = builder().latestCategory("d", Pay::device, DEVICES)
            .derived("since_device", x -> x.timeSince("d")).build();
        FeatureTestDriver<Pay> d = FeatureTestDriver.create(since, 10_000);
        d.pipe(new Pay(1, 4_000, "ios", "m"));
        assertThat(d.read(1).getDouble(since.ref("since_device"))).isEqualTo(6_000.0);
    }

    @Test
    void aViewGivesOneHotColumnsByNameListPositionsAndRefusesText() {
        FeatureView view = FeatureView.builder("score").from(SET, "user_id", "device", "device_hot", "recent_devices")
            .build();
        assertThat(view.columns()).containsExactly("pay__device", "pay__device_hot__ios", "pay__device_hot__android",
            "pay__device_hot__web", "pay__device_hot____other__", "pay__recent_devices__0", "pay__recent_devices__1",
            "pay__recent_devices__2");
        FeatureTestDriver<Pay> d = FeatureTestDriver.create(SET, 10_000);
        d.pipe(new Pay(1, 1_000, "ios", "m"));
        d.pipe(new Pay(1, 2_000, "web", "m"));
        ViewVector v = view.newVector();
        view.reader(d.reader()).read(view.newRequest().key(0, 1L), v);
        double[] out = new double[view.width()];
        v.copyTo(out);
        assertThat(out).containsExactly(2, 0, 0, 1, 0, 2, 0, Double.NaN);
        view.reader(d.reader()).read(view.newRequest().key(0, 2L), v);
        v.copyTo(out);
        assertThat(out).as("a key with no row").containsOnly(Double.NaN);
        assertThatThrownBy(() -> FeatureView.builder("v").from(SET, "user_id", "merchant_text"))
            .isInstanceOf(FeatureDefinitionException.class).hasMessageContaining("no model column")
            .hasMessageContaining("Categories.of(...)");
    }

    @Test
    void theServedFeatureLogRecordsIdsAndUtf8TextAsServed(@TempDir Path dir) {
        FeatureTestDriver<Pay> d = FeatureTestDriver.create(SET, 10_000);
        d.pipe(new Pay(1, 1_000, "web", "sh\u00f6p-long"));
        d.pipe(new Pay(1, 2_000, "ios", "\u20ac\u20ac"));
        FeatureVector served = SET.newVector();
        try (FeatureLog log = FeatureLog.forReader(d.reader()).directory(dir).open()) {
            assertThat(log.read(7, 1, served)).isTrue();
        }
        List<Long> restored = new ArrayList<>();
        FeatureLog.scan(dir, SET, (id, key, text, v) -> {
            assertThat(v.categoryId(SET.ref("device"))).isEqualTo(0);
            assertThat(text(v, SET.ref("device_hot"), 0)).isEqualTo("ios");
            assertThat(text(v, SET.ref("merchant_text"), 0)).isEqualTo("\u20ac\u20ac");
            assertThat(v.getLong(SET.ref("merchant_text"))).as("byte length").isEqualTo(6);
            assertThat(text(v, SET.ref("recent_merchants"), 0)).isEqualTo("\u20ac");
            assertThat(text(v, SET.ref("recent_merchants"), 1)).as("cut at 4 bytes, a whole code point")
                .isEqualTo("sh\u00f6");
            assertThat(text(v, SET.ref("recent_merchants"), 2)).isNull();
            assertThat(v.categoryMisses(SET.ref("merchant_text"))).as("the log records values, not misses").isZero();
            assertThat(v.toString()).isEqualTo(served.toString());
            restored.add(id);
        });
        assertThat(restored).containsExactly(7L);
    }

    @Test
    void enumDictionariesUseTheOrdinalAsId() {
        Categories c = Categories.of(Thread.State.class);
        assertThat(c.size()).isEqualTo(Thread.State.values().length);
        assertThat(c.idOf(Thread.State.BLOCKED.name())).isEqualTo(Thread.State.BLOCKED.ordinal());
        assertThat(c.idOf(new StringBuilder("WAITING"))).as("any CharSequence").isEqualTo(3);
        assertThat(c.idOf("waiting")).isEqualTo(c.otherId());
        assertThat(c.name(c.otherId())).isEqualTo(Categories.OTHER);
    }

    /** Pinned like FingerprintGoldenTest: stores keep the fingerprint, so this form must not drift. */
    static final String GOLDEN_CANONICAL = "freshet.featureset.v2;name=pay;key=user:LONG;"
        + "f=device:LATEST_CATEGORY:w=0/0:filter=0:hl=0:p=0:c=d3.994848503e490ad8;"
        + "f=device_hot:LATEST_CATEGORY:w=0/0:filter=0:hl=0:p=0:c=d3.994848503e490ad8.oh;"
        + "f=merchant_text:LATEST_CATEGORY:w=0/0:filter=0:hl=0:p=0:c=u6;"
        + "f=recent_devices:LAST_N_CATEGORIES:w=0/0:filter=0:hl=0:p=3:c=d3.994848503e490ad8;"
        + "f=recent_merchants:LAST_N_CATEGORIES:w=0/0:filter=0:hl=0:p=2:c=u4;"
        + "f=n:COUNT:w=0/0:filter=0:hl=0:p=0;"
        + "rowBytes=0";

    @Test
    void theCanonicalFormRecordsStorageAndReadsBackToTheSameRow() {
        String form = SET.canonicalForm();
        assertThat(form.replaceAll("rowBytes=\\d+", "rowBytes=0")).isEqualTo(GOLDEN_CANONICAL);
        // 16 row header; per feature 8 (event time) + state: 16; 16; 16 + 8; 16 + 3 * 16; 16 + 2 * 24; count 8.
        assertThat(SET.rowSizeBytes()).isEqualTo(16 + 24 + 24 + 32 + 72 + 72 + 16);
        RowLayout back = CanonicalForms.rowLayout(form);
        assertThat(back.rowSizeBytes()).isEqualTo(SET.rowSizeBytes());
        assertThat(back.fingerprint()).isEqualTo(SET.fingerprint());
        long base = builder().latestCategory("d", Pay::device, DEVICES).build().fingerprint();
        assertThat(builder().latestCategory("d", Pay::device, Categories.of("ios", "web", "android")).build()
            .fingerprint()).as("dictionary order").isNotEqualTo(base);
        assertThat(builder().latestCategory("d", Pay::device, DEVICES.oneHot()).build().fingerprint())
            .as("model form").isNotEqualTo(base);
        assertThat(builder().latestCategory("d", Pay::merchant, Categories.of("ios", "android", "web")).build()
            .fingerprint()).as("extractor code").isEqualTo(base);
        assertThat(builder().latestCategory("d", Pay::device, Categories.utf8(8)).build().fingerprint())
            .isNotEqualTo(builder().latestCategory("d", Pay::device, Categories.utf8(16)).build().fingerprint());
        assertThat(builder().latestCategory("d", Pay::device, DEVICES).staleAfter(Duration.ofSeconds(1)).build()
            .fingerprint()).isEqualTo(base);
    }
}
