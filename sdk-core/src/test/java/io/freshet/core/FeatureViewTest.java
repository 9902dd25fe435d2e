package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The view DSL's checks, column order, fingerprint, and reads: statuses, ages, copy-out, ownership, missing keys. */
class FeatureViewTest {
    private static final long START = 1_000_000;
    private static final FeatureSet<Ev> USER = FeatureViewPropertyTest.USER;
    private static final FeatureSet<Ev> MERCHANT = FeatureViewPropertyTest.MERCHANT;
    private static final FeatureSet<Ev> DEVICE = FeatureSet.builder("device", Ev.class)
        .entity("user", Ev::key)
        .eventTime(Ev::timeMs)
        .count("logins")
        .lastN("recent", Ev::id, 3)
        .build();

    private static FeatureView.Builder payment() {
        return FeatureView.builder("payment")
            .from(USER, "user_id", "n_5s", "mean_5s")
            .from(MERCHANT, "merchant_id", "total")
            .from(DEVICE, "user_id", "logins")
            .requestParam("amount");
    }

    @Test
    void columnsFollowTheFromsThenTheRequestTimeFeaturesNamedLikeTrainingRows() {
        FeatureView v = payment().derived("over_mean", r -> r.ratio("amount", "user_risk__mean_5s")).build();
        assertThat(v.columns()).containsExactly("user_risk__n_5s", "user_risk__mean_5s", "merchant__total",
            "device__logins", "payment__over_mean");
        assertThat(v.width()).isEqualTo(5);
        assertThat(v.keys()).containsExactly("user_id", "merchant_id");
        assertThat(v.keySlot("merchant_id")).isEqualTo(1);
        assertThat(v.keyType("merchant_id")).isEqualTo(KeyType.TEXT);
        assertThat(v.keyOf(DEVICE)).isEqualTo("user_id");
        assertThat(v.params()).containsExactly("amount");
        assertThat(v.columnIndex("merchant__total")).isEqualTo(2);
        assertThat(v.sets()).containsExactly(USER, MERCHANT, DEVICE);
    }

    @Test
    void unknownFeatureIsRefusedNamingTheSetsFeatures() {
        assertThatThrownBy(() -> FeatureView.builder("v").from(USER, "user_id", "n_1h"))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessageContaining("unknown feature=n_1h of set=user_risk").hasMessageContaining("pick one of [mean_5s");
    }

    @Test
    void duplicateColumnIsRefused() {
        assertThatThrownBy(() -> FeatureView.builder("v").from(USER, "user_id", "n_5s", "n_5s"))
            .isInstanceOf(FeatureDefinitionException.class).hasMessageContaining("column=user_risk__n_5s twice");
        // A request-time feature named like a set's column: the view is named after the set here.
        assertThatThrownBy(() -> FeatureView.builder("user_risk").from(USER, "user_id", "n_5s").requestParam("a")
            .derived("n_5s", r -> r.param("a")))
            .isInstanceOf(FeatureDefinitionException.class).hasMessageContaining("column=user_risk__n_5s twice");
        assertThatThrownBy(() -> FeatureView.builder("v").from(USER, "user_id", "n_5s").from(USER, "payer_id",
            "mean_5s")).isInstanceOf(FeatureDefinitionException.class)
            .hasMessageContaining("reads set=user_risk already: select all its features in one from(user_risk");
    }

    @Test
    void missingOrConflictingKeyBindingIsRefused() {
        assertThatThrownBy(() -> FeatureView.builder("v").from(USER, null, "n_5s"))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessageContaining("from(set=user_risk) has no key: name the request key that gives its user");
        assertThatThrownBy(() -> FeatureView.builder("v").from(USER, "id", "n_5s").from(MERCHANT, "id", "total"))
            .isInstanceOf(FeatureDefinitionException.class)
            .hasMessageContaining("key=id is LONG for set=user_risk but set=merchant has a TEXT key");
        assertThatThrownBy(() -> FeatureView.builder("v").build())
            .isInstanceOf(FeatureDefinitionException.class).hasMessageContaining("reads no set");
    }

    @Test
    void requestTimeFeaturesNeedDeclaredParamsAndEarlierFeatureColumns() {
        assertThatThrownBy(() -> payment().derived("x", r -> r.ratio("fee", "user_risk__n_5s")))
            .isInstanceOf(FeatureDefinitionException.class).hasMessageContaining("unknown request param=fee")
            .hasMessageContaining("requestParam(\"fee\")");
        assertThatThrownBy(() -> payment().derived("x", r -> r.difference("amount", "user_risk__n_1h")))
            .isInstanceOf(FeatureDefinitionException.class).hasMessageContaining("unknown column=user_risk__n_1h");
        assertThatThrownBy(() -> payment().derived("x", r -> r.param("amount"))
            .derived("y", r -> r.secondsSince("payment__x")))
            .isInstanceOf(FeatureDefinitionException.class).hasMessageContaining("unknown column=payment__x");
        assertThatThrownBy(() -> payment().requestParam("amount"))
            .isInstanceOf(FeatureDefinitionException.class).hasMessageContaining("param=amount twice");
    }

    @Test
    void fingerprintCoversSourcesKeysFeaturesParamsAndOperators() {
        FeatureView base = payment().derived("over", r -> r.ratio("amount", "user_risk__mean_5s")).build();
        assertThat(payment().derived("over", r -> r.ratio("amount", "user_risk__mean_5s")).build().fingerprint())
            .isEqualTo(base.fingerprint());
        assertThat(payment().derived("over", r -> r.difference("amount", "user_risk__mean_5s")).build()
            .fingerprint()).isNotEqualTo(base.fingerprint());
        assertThat(FeatureView.builder("payment").from(USER, "user_id", "mean_5s", "n_5s").build().fingerprint())
            .isNotEqualTo(FeatureView.builder("payment").from(USER, "user_id", "n_5s", "mean_5s").build()
                .fingerprint());
        assertThat(FeatureView.builder("payment").from(USER, "user_id", "n_5s").build().fingerprint())
            .isNotEqualTo(FeatureView.builder("payment").from(USER, "payer_id", "n_5s").build().fingerprint());
        assertThat(base.canonicalForm()).contains("from=user_risk@" + Long.toHexString(USER.fingerprint()))
            .contains("derived=over=RATIO(amount,user_risk__mean_5s)");
    }

    @Test
    void readFillsEachColumnWithItsSetsValueStatusAndAgeAndCopiesInColumnOrder() {
        FeatureView v = payment()
            .derived("over_mean", r -> r.ratio("amount", "user_risk__mean_5s"))
            .derived("since", r -> r.secondsSince("merchant__total"))
            .build();
        FeatureTestDriver<Ev> users = FeatureTestDriver.create(USER, START);
        FeatureTestDriver<Ev> merchants = FeatureTestDriver.create(MERCHANT, START);
        FeatureTestDriver<Ev> devices = FeatureTestDriver.create(DEVICE, START);
        users.setTime(START + 1_600);
        users.pipe(new Ev(7, START + 1_500, 10));
        users.pipe(new Ev(7, START + 1_600, 30));
        merchants.pipe(new Ev(3, START - 2_000, 5));
        ViewReader reader = v.reader(users.reader(), merchants.reader(), devices.reader());
        ViewRequest request = v.newRequest().key(v.keySlot("user_id"), 7L).key(v.keySlot("merchant_id"),
            Ev.textKey(3)).param(v.paramSlot("amount"), 40.0);
        ViewVector vector = v.newVector();
        users.setTime(START + 5_700);
        merchants.setTime(START + 5_700);
        devices.setTime(START + 5_700);
        assertThat(reader.read(request, vector)).isEqualTo(2);
        assertThat(vector.readTimeMs()).isEqualTo(START + 5_700);
        // user_risk is stale after 4 s without an update; the device row does not exist.
        assertThat(vector.status(0)).isEqualTo(VectorStatus.STALE);
        assertThat(vector.getDouble(0)).isEqualTo(2.0);
        assertThat(vector.getDouble(1)).isEqualTo(20.0);
        assertThat(vector.ageMs(1)).isEqualTo(4_100);
        assertThat(vector.status(2)).isEqualTo(VectorStatus.FRESH);
        assertThat(vector.getDouble(2)).isEqualTo(5.0);
        assertThat(vector.status(3)).isEqualTo(VectorStatus.MISSING);
        assertThat(vector.getDouble(3)).isNaN();
        assertThat(vector.ageMs(3)).isEqualTo(-1);
        assertThat(vector.getDouble(4)).isEqualTo(2.0);
        assertThat(vector.status(4)).isEqualTo(VectorStatus.STALE);
        assertThat(vector.ageMs(4)).isEqualTo(4_100);
        assertThat(vector.getDouble(5)).isEqualTo(7.7);
        assertThat(vector.vectorOf(MERCHANT).status()).isEqualTo(VectorStatus.FRESH);
        double[] d = new double[8];
        vector.copyTo(d, 2);
        assertThat(d).containsExactly(0, 0, 2.0, 20.0, 5.0, Double.NaN, 2.0, 7.7);
        float[] f = new float[6];
        vector.copyTo(f);
        assertThat(f).containsExactly(2f, 20f, 5f, Float.NaN, 2f, 7.7f);
        assertThatThrownBy(() -> vector.copyTo(new double[5])).isInstanceOf(IndexOutOfBoundsException.class);

        // An unknown parameter makes the ratio missing; nothing else changes.
        request.param(v.paramSlot("amount"), Double.NaN);
        reader.read(request, vector);
        assertThat(vector.status(4)).isEqualTo(VectorStatus.MISSING);
        assertThat(vector.getDouble(4)).isNaN();
        assertThat(vector.getDouble(1)).isEqualTo(20.0);
    }

    @Test
    void assembleFromVectorsReadElsewhereEqualsTheViewRead() {
        FeatureView v = payment().derived("over_mean", r -> r.ratio("amount", "user_risk__mean_5s")).build();
        FeatureTestDriver<Ev> users = FeatureTestDriver.create(USER, START);
        FeatureTestDriver<Ev> merchants = FeatureTestDriver.create(MERCHANT, START);
        FeatureTestDriver<Ev> devices = FeatureTestDriver.create(DEVICE, START);
        users.pipe(new Ev(1, START - 100, 8));
        devices.pipe(new Ev(1, START - 100, 0));
        ViewRequest request = v.newRequest().key(0, 1L).key(1, Ev.textKey(9)).param(0, 2.0);
        ViewVector read = v.newVector();
        v.reader(devices.reader(), users.reader(), merchants.reader()).read(request, read);
        ViewVector assembled = v.newVector();
        assembled.assemble(new FeatureVector[] {users.read(1), null, devices.read(1)}, request);
        double[] a = new double[v.width()];
        double[] b = new double[v.width()];
        read.copyTo(a);
        assembled.copyTo(b);
        assertThat(b).containsExactly(a);
        assertThat(assembled.toString()).contains("merchant__total=missing").contains("payment__over_mean=0.25");
        assertThatThrownBy(() -> assembled.assemble(new FeatureVector[] {devices.read(1), null, users.read(1)},
            request)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("view.sets() order");
    }

    @Test
    void aLastNFeatureTakesOneColumnPerPositionNewestFirst() {
        FeatureView v = FeatureView.builder("v").from(DEVICE, "user_id", "logins", "recent").requestParam("p")
            .derived("p_minus_newest", r -> r.difference("p", "device__recent__0")).build();
        assertThat(v.columns()).containsExactly("device__logins", "device__recent__0", "device__recent__1",
            "device__recent__2", "v__p_minus_newest");
        assertThat(v.columnType(2)).isEqualTo(FeatureKind.ValueType.LONG);
        FeatureTestDriver<Ev> devices = FeatureTestDriver.create(DEVICE, START);
        devices.pipe(new Ev(5, START - 300, 0, 0, 11, false));
        devices.pipe(new Ev(5, START - 200, 0, 0, 12, false));
        ViewVector vector = v.newVector();
        v.reader(devices.reader()).read(v.newRequest().key(0, 5L).param(0, 100), vector);
        double[] out = new double[v.width()];
        vector.copyTo(out);
        assertThat(out).containsExactly(2, 12, 11, Double.NaN, 88);
        assertThat(vector.ageMs(1)).isEqualTo(200);
        assertThat(vector.ageMs(2)).isEqualTo(300);
        assertThat(vector.status(3)).isEqualTo(VectorStatus.MISSING);
        assertThat(vector.status(4)).isEqualTo(VectorStatus.FRESH);
        assertThatThrownBy(() -> FeatureView.builder("v").from(DEVICE, "user_id", "recent").requestParam("p")
            .derived("x", r -> r.ratio("p", "device__recent"))).hasMessageContaining("unknown column=device__recent");
    }

    @Test
    void aTopKFeatureTakesItsIdsThenItsCountsMostFrequentFirst() {
        FeatureSet<Ev> tops = FeatureSet.builder("tops", Ev.class).entity("user", Ev::key).eventTime(Ev::timeMs)
            .topK("merchants", Ev::id, Window.lifetime(), 2).build();
        FeatureView v = FeatureView.builder("v").from(tops, "user_id", "merchants").requestParam("p")
            .derived("p_minus_top_count", r -> r.difference("p", "tops__merchants__counts__0")).build();
        assertThat(v.columns()).containsExactly("tops__merchants__0", "tops__merchants__1",
            "tops__merchants__counts__0", "tops__merchants__counts__1", "v__p_minus_top_count");
        assertThat(v.columnType(2)).isEqualTo(FeatureKind.ValueType.LONG);
        FeatureTestDriver<Ev> driver = FeatureTestDriver.create(tops, START);
        driver.pipe(new Ev(5, START - 300, 0, 0, 11, false));
        driver.pipe(new Ev(5, START - 200, 0, 0, 12, false));
        driver.pipe(new Ev(5, START - 100, 0, 0, 12, false));
        ViewVector vector = v.newVector();
        v.reader(driver.reader()).read(v.newRequest().key(0, 5L).param(0, 100), vector);
        double[] out = new double[v.width()];
        vector.copyTo(out);
        assertThat(out).containsExactly(12, 11, 2, 1, 98);
        assertThat(vector.ageMs(2)).isEqualTo(100);
        FeatureVector direct = driver.read(5);
        double[] served = new double[direct.width()];
        direct.copyTo(served);
        assertThat(served).as("the set's own copy-out: the same order").containsExactly(12, 11, 2, 1);
    }

    @Test
    void aRequestWithoutAKeyReadsThatSetsColumnsAsMissingAndLeavesTheOthers() {
        FeatureView v = payment().derived("over_total", r -> r.ratio("amount", "merchant__total")).build();
        FeatureTestDriver<Ev> users = FeatureTestDriver.create(USER, START);
        FeatureTestDriver<Ev> merchants = FeatureTestDriver.create(MERCHANT, START);
        FeatureTestDriver<Ev> devices = FeatureTestDriver.create(DEVICE, START);
        users.pipe(new Ev(1, START - 100, 8));
        merchants.pipe(new Ev(2, START - 100, 4));
        ViewReader reader = v.reader(users.reader(), merchants.reader(), devices.reader());
        ViewRequest request = v.newRequest().key(0, 1L).key(1, Ev.textKey(2)).param(0, 2.0);
        ViewVector vector = v.newVector();
        assertThat(reader.read(request, vector)).isEqualTo(2);
        assertThat(vector.getDouble(v.columnIndex("payment__over_total"))).isEqualTo(0.5);
        assertThat(reader.read(request.noKey(1), vector)).isEqualTo(1);
        assertThat(vector.status(v.columnIndex("merchant__total"))).isEqualTo(VectorStatus.MISSING);
        assertThat(vector.getDouble(v.columnIndex("payment__over_total"))).isNaN();
        assertThat(vector.getDouble(v.columnIndex("user_risk__n_5s"))).isEqualTo(1.0);
        assertThat(reader.read(request.key(1, (CharSequence) null), vector)).isEqualTo(1);
        assertThat(reader.read(request.key(1, Ev.textKey(2)), vector)).isEqualTo(2);
        assertThat(vector.getDouble(v.columnIndex("merchant__total"))).isEqualTo(4.0);
    }

    @Test
    void readRefusesUnsetKeysForeignVectorsAndMissingReaders() {
        FeatureView v = payment().build();
        FeatureTestDriver<Ev> users = FeatureTestDriver.create(USER, START);
        FeatureTestDriver<Ev> merchants = FeatureTestDriver.create(MERCHANT, START);
        FeatureTestDriver<Ev> devices = FeatureTestDriver.create(DEVICE, START);
        assertThatThrownBy(() -> v.reader(users.reader(), merchants.reader()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no reader of set=device");
        ViewReader reader = v.reader(users.reader(), merchants.reader(), devices.reader());
        ViewRequest request = v.newRequest().key(v.keySlot("user_id"), 1L);
        assertThatThrownBy(() -> reader.read(request, v.newVector())).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("no key=merchant_id");
        assertThatThrownBy(() -> request.key(v.keySlot("user_id"), "one"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key=user_id is LONG");
        request.key(1, "m");
        FeatureView other = payment().build();
        assertThatThrownBy(() -> reader.read(request, other.newVector()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use view.newVector()");
        assertThatThrownBy(() -> reader.read(other.newRequest(), v.newVector()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use view.newRequest()");
        assertThat(reader.read(request, v.newVector())).isZero();
        request.clear();
        assertThatThrownBy(() -> reader.read(request, v.newVector())).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("request.noKey(slot)");
        assertThat(request.param(0)).isNaN();
        assertThatThrownBy(() -> reader.read(request, v.newVector())).isInstanceOf(IllegalStateException.class);
        assertThat(List.of(v.newVector().status(0))).containsExactly(VectorStatus.MISSING);
    }
}
