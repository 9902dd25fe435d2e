package io.freshet.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CsvTest {
    @Test
    void plainFieldsSplitAtCommasAndKeepEmptyOnes() {
        assertThat(Csv.fields("a,,b,")).containsExactly("a", "", "b", "");
        assertThat(Csv.fields("")).containsExactly("");
    }

    @Test
    void quotedFieldsKeepCommasAndTurnDoubledQuotesIntoOne() {
        assertThat(Csv.fields("\"x,y\",\"say \"\"hi\"\"\",3")).containsExactly("x,y", "say \"hi\"", "3");
        assertThat(Csv.fields("\"\",\"\"\"\"")).containsExactly("", "\"");
    }
}
