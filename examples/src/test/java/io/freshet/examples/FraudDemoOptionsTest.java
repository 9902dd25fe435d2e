package io.freshet.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/** The demo's options: defaults, both spellings, the last value wins, and errors that name the option. */
class FraudDemoOptionsTest {
    @Test
    void defaultsWhenNothingIsGivenAndBlankArgumentsAreSkipped() {
        FraudDemoOptions o = FraudDemoOptions.parse("", " ");
        assertThat(o.durationMs()).isEqualTo(FraudDemoOptions.DEFAULT_DURATION_MS);
        assertThat(o.rate()).isEqualTo(FraudDemoOptions.DEFAULT_RATE);
        assertThat(o.port()).isEqualTo(FraudDemoOptions.DEFAULT_PORT);
        assertThat(o.portExplicit()).isFalse();
        assertThat(o.bootstrap()).isNull();
        assertThat(o.topic()).isEqualTo("payments");
        assertThat(o.partitions()).isEqualTo(6);
        assertThat(o.users()).isEqualTo(20_000);
        assertThat(o.storeDir()).isNull();
        assertThat(o.seed()).isEqualTo(42);
        assertThat(o.help()).isFalse();
    }

    @Test
    void readsBothSpellingsAndTheLastOfARepeatedOption() {
        FraudDemoOptions o = FraudDemoOptions.parse("--duration=2m", "--rate", "1_000", "--rate", "2000", "--port",
            "0", "--bootstrap", "h:9092", "--topic=t", "--partitions", "3", "--users", "5", "--store-dir", "s",
            "--seed", "-7", "-h");
        assertThat(o.durationMs()).isEqualTo(120_000);
        assertThat(o.rate()).isEqualTo(2000);
        assertThat(o.port()).isZero();
        assertThat(o.portExplicit()).isTrue();
        assertThat(o.bootstrap()).isEqualTo("h:9092");
        assertThat(o.topic()).isEqualTo("t");
        assertThat(o.partitions()).isEqualTo(3);
        assertThat(o.users()).isEqualTo(5);
        assertThat(o.storeDir()).isEqualTo(Paths.get("s").toAbsolutePath());
        assertThat(o.seed()).isEqualTo(-7);
        assertThat(o.help()).isTrue();
        assertThat(FraudDemoOptions.parse("--duration", "500ms").durationMs()).isEqualTo(500);
    }

    @Test
    void trainingRowsTakeAParquetOrCsvFileAndNothingElse() {
        assertThat(FraudDemoOptions.parse().trainingRows()).isNull();
        assertThat(FraudDemoOptions.parse("--training-rows", "t.parquet").trainingRows())
            .isEqualTo(Paths.get("t.parquet").toAbsolutePath());
        assertThat(FraudDemoOptions.parse("--training-rows=T.CSV").trainingRows().getFileName().toString())
            .isEqualTo("T.CSV");
        assertThatThrownBy(() -> FraudDemoOptions.parse("--training-rows", "t.txt"))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("--training-rows=t.txt names neither a .parquet "
                + "nor a .csv file: the extension picks the format, e.g. --training-rows train.parquet");
    }

    @Test
    void trainIsAFlagThatTakesNoValue() {
        assertThat(FraudDemoOptions.parse().train()).isFalse();
        FraudDemoOptions o = FraudDemoOptions.parse("--train", "--duration", "30s");
        assertThat(o.train()).isTrue();
        assertThat(o.durationMs()).isEqualTo(30_000);
        assertThat(FraudDemoOptions.parse("--rate", "10", "--train").train()).isTrue();
        assertThatThrownBy(() -> FraudDemoOptions.parse("--train", "--migrate-after", "5s"))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("--train runs its own flow (generate, train,"
                + " serve, report): drop --migrate-after, or drop --train");
        assertThatThrownBy(() -> FraudDemoOptions.parse("--training-rows", "t.csv", "--train"))
            .hasMessageEndingWith("drop --training-rows, or drop --train");
    }

    @Test
    void namesTheFirstBadOptionAndWhatIsAllowed() {
        assertThatThrownBy(() -> FraudDemoOptions.parse("--users", "0", "--rate", "0"))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("--users=0 is out of range: use 1..1000000");
        assertThatThrownBy(() -> FraudDemoOptions.parse("--seed", "x")).hasMessage("--seed=x is not a whole number");
        assertThatThrownBy(() -> FraudDemoOptions.parse("--duration", "50ms"))
            .hasMessage("--duration=50ms is not a duration from 100ms to 24h: use e.g. 20s, 90s, 2m or 500ms");
        assertThatThrownBy(() -> FraudDemoOptions.parse("--topic", " ")).hasMessage("--topic is blank: name a topic");
        assertThatThrownBy(() -> FraudDemoOptions.parse("--foo", "1")).hasMessage("unknown option --foo");
        assertThatThrownBy(() -> FraudDemoOptions.parse("--foo=1")).hasMessage("unknown option --foo");
        assertThatThrownBy(() -> FraudDemoOptions.parse("--help=x")).hasMessage("unknown option --help");
        assertThatThrownBy(() -> FraudDemoOptions.parse("--rate")).hasMessage("option --rate needs a value");
        assertThatThrownBy(() -> FraudDemoOptions.parse("--port", "1", "-x"))
            .hasMessage("option -x needs a value");
    }
}
