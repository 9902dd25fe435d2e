package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshet.core.internal.kernel.CompiledLayout;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every build-time validation of the DSL, with its message; the typed step order; reuse after build(). */
class FeatureSetBuilderTest {
    private static FeatureSetBuilder<Ev> builder() {
        return FeatureSet.builder("s", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs);
    }

    @Test
    void duplicateFeatureNameIsRejected() {
        FeatureSetBuilder<Ev> b = builder().count("events");
        assertThatThrownBy(() -> b.sum("events", Ev::amount))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("feature name=events is declared twice in set=s: feature names must be unique within a set");
    }

    @Test
    void derivedFeatureCannotReuseAStoredName() {
        FeatureSetBuilder<Ev> b = builder().count("a").count("b");
        assertThatThrownBy(() -> b.derived("a", d -> d.ratio("a", "b")))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessageContaining("feature name=a is declared twice in set=s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "Events", "1st", "_x", "a-b", "a b", "ä", "x.y",
        "a1234567890123456789012345678901234567890123456789012345678901234"})
    void invalidFeatureNamesAreRejected(String name) {
        assertThatThrownBy(() -> builder().count(name))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("feature name=\"" + name + "\" is invalid: use 1-64 characters of [a-z0-9_] starting with a "
                + "letter, e.g. txn_count_5m");
    }

    @Test
    void namesOfOneToSixtyFourCharactersAreAccepted() {
        String longest = "a" + "b".repeat(63);
        FeatureSet<Ev> s = builder().count("x").count(longest).count("a_1").build();
        assertThat(s.ref(longest).name()).hasSize(64);
    }

    @Test
    void invalidSetAndEntityNamesAreRejected() {
        assertThatThrownBy(() -> FeatureSet.builder("User Risk", Ev.class))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessageStartingWith("set name=\"User Risk\" is invalid");
        assertThatThrownBy(() -> FeatureSet.builder("s", Ev.class).entity("", Ev::key))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessageStartingWith("entity name=\"\" is invalid");
        assertThatThrownBy(() -> FeatureSet.builder("s", Ev.class).textEntity("Dev", Ev::textKey))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessageStartingWith("entity name=\"Dev\" is invalid");
    }

    @Test
    void nullsAreRejectedWithTheirName() {
        assertThatThrownBy(() -> builder().count(null)).isInstanceOf(NullPointerException.class)
            .hasMessage("feature name can't be null");
        assertThatThrownBy(() -> builder().sum("s", null)).isInstanceOf(NullPointerException.class)
            .hasMessage("extractor can't be null");
        assertThatThrownBy(() -> builder().count("c", null)).isInstanceOf(NullPointerException.class)
            .hasMessage("window can't be null");
        assertThatThrownBy(() -> builder().count("c").where(null)).isInstanceOf(NullPointerException.class)
            .hasMessage("filter can't be null");
        assertThatThrownBy(() -> FeatureSet.builder("s", Ev.class).entity("user", null))
            .isInstanceOf(NullPointerException.class).hasMessage("key extractor can't be null");
        assertThatThrownBy(() -> FeatureSet.builder("s", Ev.class).entity("user", Ev::key).eventTime(null))
            .isInstanceOf(NullPointerException.class).hasMessage("eventTime extractor can't be null");
        assertThatThrownBy(() -> FeatureSet.builder("s", null)).isInstanceOf(NullPointerException.class)
            .hasMessage("eventType can't be null");
    }

    @Test
    void emptySetIsRejected() {
        assertThatThrownBy(() -> builder().build())
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("set=s declares no features: add at least one, e.g. .count(\"events\")");
    }

    @Test
    void aSetOfOnlyDerivedFeaturesCannotBeDeclared() {
        // A derived feature must name an earlier feature, so the first feature of a set is always stored: the
        // attempt fails at the first derived feature (build()'s own "only derived" check is a second line).
        assertThatThrownBy(() -> builder().derived("since", d -> d.timeSince("since")).build())
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("derived feature=since names unknown feature=since: declare it before the derived feature");
    }

    @Test
    void windowNotAMultipleOfItsTileIsRejected() {
        assertThatThrownBy(() -> Window.sliding(Duration.ofSeconds(10)).tiles(Duration.ofSeconds(3)))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("window=PT10S is not a multiple of tile=PT3S: choose a tile that divides the window");
    }

    @Test
    void tileBelowOneSecondIsRejected() {
        assertThatThrownBy(() -> Window.sliding(Duration.ofSeconds(10)).tiles(Duration.ofMillis(500)))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("tile=PT0.5S < 1s: tiles are at least one second");
    }

    @Test
    void tooManyTilesAreRejected() {
        assertThatThrownBy(() -> Window.sliding(Duration.ofHours(1)).tiles(Duration.ofSeconds(1)))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("window=PT1H / tile=PT1S = 3600 tiles > MAX_TILES=1024: choose a coarser tile");
        // The limit itself is allowed.
        assertThat(Window.sliding(Duration.ofSeconds(1024)).tiles(Duration.ofSeconds(1)).tileCount()).isEqualTo(1024);
    }

    @Test
    void windowWithNoDefaultGranularityIsRejectedWhenUsedWithoutTiles() {
        Window w = Window.sliding(Duration.ofSeconds(61));
        assertThatThrownBy(() -> builder().count("c", w))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("feature=c window=PT1M1S has no default tile granularity: call .tiles(g) with a g of at least "
                + "1s that divides it into at most MAX_TILES=1024 tiles");
        assertThatThrownBy(() -> builder().distinctApprox("d", Ev::id, Window.sliding(Duration.ofDays(400))))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessageStartingWith("feature=d window=PT9600H has no default tile granularity");
    }

    @Test
    void windowWithNoDefaultGranularityIsUsableWithExplicitTiles() {
        FeatureSet<Ev> s = builder()
            .count("c", Window.sliding(Duration.ofSeconds(61)).tiles(Duration.ofSeconds(1)))
            .sum("s", Ev::amount, Window.sliding(Duration.ofDays(400)).tiles(Duration.ofDays(1)))
            .build();
        assertThat(s.canonicalForm()).contains("f=c:COUNT:w=61000/1000:").contains("f=s:SUM:w=34560000000/86400000:");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 500, 1500, 34_560_001_000L})
    void invalidWindowLengthsAreRejected(long ms) {
        assertThatThrownBy(() -> Window.sliding(Duration.ofMillis(ms)))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("window=" + Duration.ofMillis(ms) + " is invalid: a sliding window is a whole number of "
                + "seconds from 1s to 400 days");
    }

    @Test
    void lifetimeWindowHasNoTiles() {
        assertThatThrownBy(() -> Window.lifetime().tiles(Duration.ofSeconds(1)))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("a lifetime window has no tiles: use Window.sliding(length).tiles(g)");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1000, 315_360_000_001L})
    void badHalfLifeIsRejected(long ms) {
        Duration hl = Duration.ofMillis(ms);
        assertThatThrownBy(() -> builder().decayedCount("d", hl))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("feature=d halfLife=" + hl + " is out of range: use 1ms to 3650 days");
        assertThatThrownBy(() -> builder().decayedSum("d", Ev::amount, hl))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("feature=d halfLife=" + hl + " is out of range: use 1ms to 3650 days");
    }

    @Test
    void halfLifeBoundsAreAccepted() {
        builder().decayedCount("a", Duration.ofMillis(1)).decayedCount("b", Duration.ofDays(3650)).build();
        assertThatThrownBy(() -> builder().decayedCount("d", Duration.ofNanos(999_999)))
            .isInstanceOf(FeatureDefinitionException.class).hasMessageContaining("halfLife=PT0.000999999S");
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 65})
    void lastNOutOfRangeIsRejected(int n) {
        assertThatThrownBy(() -> builder().lastN("recent", Ev::id, n))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("feature=recent lastN n=" + n + " is out of range: use 1..64");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 13})
    void precisionOutOfRangeIsRejected(int p) {
        assertThatThrownBy(() -> builder().distinctApprox("d", Ev::id, Window.lifetime(), p))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("feature=d precision=" + p + " is out of range: use 4..12 (2^precision bytes per tile)");
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 33})
    void topKOutOfRangeIsRejected(int k) {
        assertThatThrownBy(() -> builder().topK("top", Ev::id, Window.lifetime(), k))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("feature=top topK k=" + k + " is out of range: use 1..32");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2, 257})
    void topKCountersOutOfRangeAreRejected(int m) {
        assertThatThrownBy(() -> builder().topK("top", Ev::id, Window.lifetime(), 3, m))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("feature=top topK counters=" + m + " is out of range: use k..256 (k=3; 16 bytes per counter "
                + "per tile)");
    }

    @Test
    void topKStatesItsRowBytesAndWidth() {
        FeatureSet<Ev> s = builder().topK("top", Ev::id, Window.sliding(Duration.ofHours(1)), 3, 16).build();
        // Row header 16, feature header (event time, maxEpoch) 16, 30 tiles of 16 counters of 16 bytes.
        assertThat(s.rowSizeBytes()).isEqualTo(16 + 16 + 30 * 16 * 16);
        assertThat(s.ref("top").kind()).isEqualTo(FeatureKind.TOP_K);
        assertThat(s.newVector().width()).as("k ids, then k counts").isEqualTo(6);
        assertThat(builder().topK("top", Ev::id, Window.lifetime(), 3).build().rowSizeBytes())
            .as("default counters: 4k, at least 8").isEqualTo(16 + 8 + 12 * 16);
        assertThat(builder().topK("top", Ev::id, Window.lifetime(), 1).build().rowSizeBytes())
            .isEqualTo(16 + 8 + 8 * 16);
    }

    @Test
    void derivedOverTopKIsRejected() {
        FeatureSetBuilder<Ev> b = builder().topK("top", Ev::id, Window.lifetime(), 3);
        assertThatThrownBy(() -> b.derived("since", d -> d.timeSince("top")))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("derived feature=since uses input=top of kind TOP_K: derived inputs must be single values");
    }

    @Test
    void derivedNamingAnUnknownFeatureIsRejected() {
        assertThatThrownBy(() -> builder().count("n").derived("r", d -> d.ratio("n", "nope")))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("derived feature=r names unknown feature=nope: declare it before the derived feature");
    }

    @Test
    void derivedNamingALaterFeatureIsRejected() {
        FeatureSetBuilder<Ev> b = builder().count("n");
        assertThatThrownBy(() -> b.derived("d", x -> x.difference("n", "later")))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("derived feature=d names unknown feature=later: declare it before the derived feature");
        // Declaring it afterwards does not make the earlier derived feature valid: it was never added.
        FeatureSet<Ev> s = b.count("later").build();
        assertThat(s.refs()).extracting(FeatureRef::name).containsExactly("n", "later");
    }

    @Test
    void derivedOverLastNIsRejected() {
        FeatureSetBuilder<Ev> b = builder().lastN("recent", Ev::id, 3);
        assertThatThrownBy(() -> b.derived("since", d -> d.timeSince("recent")))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("derived feature=since uses input=recent of kind LAST_N: derived inputs must be single values");
    }

    @Test
    void derivedDefinitionReturningNullIsRejected() {
        assertThatThrownBy(() -> builder().count("n").derived("d", x -> null))
            .isInstanceOf(NullPointerException.class).hasMessage("derived definition returned null");
    }

    @Test
    void derivedOverDerivedIsAllowed() {
        FeatureSet<Ev> s = builder().count("a").count("b").derived("r", d -> d.ratio("a", "b"))
            .derived("since_r", d -> d.timeSince("r")).build();
        assertThat(s.ref("since_r").kind()).isEqualTo(FeatureKind.TIME_SINCE);
    }

    @Test
    void rowLargerThanMaxRowBytesIsRejected() {
        // 16 header + 8 event time + 8 max epoch + 4 tiles * 4096 registers = 16416 > 16384.
        FeatureSetBuilder<Ev> b = builder()
            .distinctApprox("d", Ev::id, Window.sliding(Duration.ofSeconds(4)).tiles(Duration.ofSeconds(1)), 12);
        assertThatThrownBy(b::build)
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("set=s compiles to rowBytes=16416 > MAX_ROW_BYTES=" + CompiledLayout.MAX_ROW_BYTES
                + ": use fewer or coarser tiles, a lower distinct precision, coarser quantile sketches, or split the "
                + "set");
        // Three tiles fit: 16 + 16 + 3 * 4096 = 12320.
        FeatureSet<Ev> ok = builder()
            .distinctApprox("d", Ev::id, Window.sliding(Duration.ofSeconds(3)).tiles(Duration.ofSeconds(1)), 12)
            .build();
        assertThat(ok.rowLayout().rowSizeBytes()).isEqualTo(12_320);
        assertThat(ok.rowSizeBytes()).isEqualTo(12_320);
    }

    @Test
    void varianceAndStddevStateTheirRowBytesAndReadAsDoubles() {
        // Lifetime: 8 event time + 24 moments; windowed: 8 event time + 8 max epoch + 2 x tiles x 24 (tiles and the
        // suffixes that make a read O(1)).
        FeatureSet<Ev> s = builder()
            .variance("v", Ev::amount)
            .stddev("sd_1h", Ev::amount, Window.sliding(Duration.ofHours(1)))
            .derived("sd_per_v", d -> d.ratio("sd_1h", "v"))
            .build();
        assertThat(s.rowSizeBytes()).isEqualTo(16 + 32 + 16 + 2 * 30 * 24);
        assertThat(s.ref("v").kind()).isEqualTo(FeatureKind.VARIANCE);
        assertThat(s.ref("sd_1h").kind()).isEqualTo(FeatureKind.STDDEV);
        assertThat(FeatureKind.STDDEV.valueType()).isEqualTo(FeatureKind.ValueType.DOUBLE);
        assertThat(s.vectorWidth()).isEqualTo(3);
    }

    @Test
    void varianceAndStddevAreValidatedLikeTheOtherAggregates() {
        assertThatThrownBy(() -> builder().variance("v", null)).isInstanceOf(NullPointerException.class)
            .hasMessage("extractor can't be null");
        assertThatThrownBy(() -> builder().stddev("sd", Ev::amount, null)).isInstanceOf(NullPointerException.class)
            .hasMessage("window can't be null");
        assertThatThrownBy(() -> builder().count("x").stddev("x", Ev::amount))
            .isInstanceOf(FeatureDefinitionException.class).hasMessageContaining("declared twice");
        assertThatThrownBy(() -> builder().variance("v", Ev::amount, Window.sliding(Duration.ofSeconds(61))))
            .isInstanceOf(FeatureDefinitionException.class).hasMessageContaining("tiles");
        // 2 x 341 tiles x 24 bytes alone is 16368: with the headers the row passes MAX_ROW_BYTES.
        FeatureSetBuilder<Ev> big = builder()
            .stddev("sd", Ev::amount, Window.sliding(Duration.ofSeconds(341)).tiles(Duration.ofSeconds(1)));
        assertThatThrownBy(big::build).isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("set=s compiles to rowBytes=16400 > MAX_ROW_BYTES=" + CompiledLayout.MAX_ROW_BYTES
                + ": use fewer or coarser tiles, a lower distinct precision, coarser quantile sketches, or split the "
                + "set");
    }

    @Test
    void whereTwiceIsRejected() {
        FeatureSetBuilder.AggregateStep<Ev> step = builder().count("flagged");
        step.where(Ev::flag);
        assertThatThrownBy(() -> step.where(e -> e.amount > 0))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("feature=flagged already has a filter: combine the conditions in one predicate");
    }

    @Test
    void tooManyFeaturesAreRejected() {
        FeatureSetBuilder<Ev> b = builder();
        for (int i = 0; i < FeatureSetBuilder.MAX_FEATURES; i++) {
            b.count("c" + i);
        }
        assertThatThrownBy(() -> b.count("one_more"))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("set=s has more than MAX_FEATURES=256 features: split it into several sets");
    }

    @Test
    void nonPositiveStaleAfterAndTtlAreRejected() {
        assertThatThrownBy(() -> builder().staleAfter(Duration.ZERO))
            .isInstanceOf(FeatureDefinitionException.class).hasMessage("staleAfter=PT0S must be positive");
        assertThatThrownBy(() -> builder().ttl(Duration.ofSeconds(-1)))
            .isInstanceOf(FeatureDefinitionException.class).hasMessage("ttl=PT-1S must be positive");
    }

    @Test
    void futureSkewOutOfRangeIsRejected() {
        assertThatThrownBy(() -> builder().futureSkew(Duration.ofMillis(-1)))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("futureSkew=PT-0.001S is out of range: use 0 to 1 day");
        assertThatThrownBy(() -> builder().futureSkew(Duration.ofDays(1).plusMillis(1)))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessage("futureSkew=PT24H0.001S is out of range: use 0 to 1 day");
        assertThat(builder().count("c").futureSkew(Duration.ZERO).build().futureSkewMs()).isZero();
    }

    @Test
    void defaultsAreDocumented() {
        FeatureSet<Ev> s = builder().count("c").build();
        assertThat(s.futureSkewMs()).isEqualTo(FeatureSetBuilder.DEFAULT_FUTURE_SKEW.toMillis()).isEqualTo(300_000);
        assertThat(s.staleAfterMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(s.ttlMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(builder().distinctApprox("d", Ev::id).build().canonicalForm()).contains(":p=7");
    }

    @Test
    void stepsComeInTheirTypedOrder() {
        // entity (numeric or text) -> eventTime -> features: each step exposes only the next one.
        assertThat(publicMethods(FeatureSetBuilder.KeyStep.class)).containsExactlyInAnyOrder(
            "entity->TimeStep", "textEntity->TimeStep");
        assertThat(publicMethods(FeatureSetBuilder.TimeStep.class)).containsExactly("eventTime->FeatureSetBuilder");
        // Only an aggregate can be narrowed, and only once: where() returns the plain builder.
        assertThat(publicMethods(FeatureSetBuilder.AggregateStep.class)).containsExactly("where->FeatureSetBuilder");
        assertThat(publicMethods(FeatureSetBuilder.class)).contains("count->AggregateStep", "build->FeatureSet",
            "derived->FeatureSetBuilder", "staleAfter->FeatureSetBuilder").doesNotContain("where->FeatureSetBuilder");
        for (Method m : FeatureSetBuilder.class.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && !m.getName().equals("build") && !m.getName().equals("derived")
                && !m.getName().equals("staleAfter") && !m.getName().equals("ttl")
                && !m.getName().equals("futureSkew")) {
                assertThat(m.getReturnType()).as(m.getName()).isEqualTo(FeatureSetBuilder.AggregateStep.class);
            }
        }
        assertThat(FeatureSetBuilder.KeyStep.class.getConstructors()).isEmpty();
        assertThat(FeatureSetBuilder.TimeStep.class.getConstructors()).isEmpty();
        assertThat(FeatureSetBuilder.class.getConstructors()).isEmpty();
    }

    private static List<String> publicMethods(Class<?> c) {
        return Arrays.stream(c.getDeclaredMethods())
            .filter(m -> Modifier.isPublic(m.getModifiers()) && !m.isSynthetic())
            .map(m -> m.getName() + "->" + m.getReturnType().getSimpleName())
            .distinct()
            .collect(Collectors.toList());
    }

    @Test
    void builderStaysUsableAfterBuildWithoutChangingBuiltSets() {
        FeatureSetBuilder<Ev> b = builder().count("n");
        FeatureSetBuilder.AggregateStep<Ev> sum = b.sum("total", Ev::amount);
        FeatureSet<Ev> first = b.build();
        String firstCanonical = first.canonicalForm();
        long firstFingerprint = first.fingerprint();

        sum.where(Ev::flag);
        b.count("later", Window.sliding(Duration.ofMinutes(1))).staleAfter(Duration.ofSeconds(5));
        FeatureSet<Ev> second = b.build();

        assertThat(first.canonicalForm()).isEqualTo(firstCanonical).contains("f=total:SUM:w=0/0:filter=0");
        assertThat(first.fingerprint()).isEqualTo(firstFingerprint);
        assertThat(first.refs()).extracting(FeatureRef::name).containsExactly("n", "total");
        assertThat(first.staleAfterMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(second.refs()).extracting(FeatureRef::name).containsExactly("n", "total", "later");
        assertThat(second.canonicalForm()).contains("f=total:SUM:w=0/0:filter=1");
        assertThat(second.staleAfterMs()).isEqualTo(5_000);

        // The first set still counts every event, the second only flagged ones in "total".
        FeatureTestDriver<Ev> d1 = FeatureTestDriver.create(first, 10_000);
        FeatureTestDriver<Ev> d2 = FeatureTestDriver.create(second, 10_000);
        Ev e = new Ev(1, 9_000, 5, 0, 0, false);
        d1.pipe(e);
        d2.pipe(e);
        assertThat(d1.read(1).getDouble(first.ref("total"))).isEqualTo(5.0);
        assertThat(d2.read(1).getDouble(second.ref("total"))).isEqualTo(0.0);

        // Building again without changes gives an equal, independent definition.
        assertThat(b.build().fingerprint()).isEqualTo(second.fingerprint());
        assertThat(b.build()).isNotSameAs(second);
    }

    @Test
    void featureRefsResolveByNameInDeclarationOrder() {
        FeatureSet<Ev> s = builder().count("a").lastN("recent", Ev::id, 4).latest("b", Ev::amount)
            .derived("r", d -> d.ratio("a", "b")).build();
        assertThat(s.refs()).extracting(FeatureRef::index).containsExactly(0, 1, 2, 3);
        assertThat(s.refs()).extracting(FeatureRef::vectorOffset).containsExactly(0, 1, 5, 6);
        assertThat(s.refs()).extracting(FeatureRef::vectorWidth).containsExactly(1, 4, 1, 1);
        assertThat(s.vectorWidth()).isEqualTo(7);
        assertThat(s.ref("recent").kind()).isEqualTo(FeatureKind.LAST_N);
        assertThat(s.ref("b").toString()).isEqualTo("s.b");
        assertThatThrownBy(() -> s.ref("nope")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("set=s has no feature=nope; features: ");
        assertThatThrownBy(() -> s.refs().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void keyAccessorsMatchTheKeyType() {
        FeatureSet<Ev> numeric = builder().count("c").build();
        FeatureSet<Ev> text = FeatureSet.builder("t", Ev.class).textEntity("device", Ev::textKey)
            .eventTime(Ev::timeMs).count("c").build();
        Ev e = Ev.of(7, 100);
        assertThat(numeric.keyType()).isEqualTo(KeyType.LONG);
        assertThat(numeric.longKeyOf(e)).isEqualTo(7);
        assertThat(text.keyType()).isEqualTo(KeyType.TEXT);
        assertThat(text.textKeyOf(e).toString()).isEqualTo(Ev.textKey(7));
        assertThatThrownBy(() -> numeric.textKeyOf(e)).isInstanceOf(IllegalStateException.class)
            .hasMessage("set=s has a LONG key: use longKeyOf");
        assertThatThrownBy(() -> text.longKeyOf(e)).isInstanceOf(IllegalStateException.class)
            .hasMessage("set=t has a TEXT key: use textKeyOf");
        assertThat(numeric.eventTimeOf(e)).isEqualTo(100);
        assertThat(numeric.entityName()).isEqualTo("user");
        assertThat(numeric.eventType()).isEqualTo(Ev.class);
    }
}
