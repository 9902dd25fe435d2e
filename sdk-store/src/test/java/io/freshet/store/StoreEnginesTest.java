package io.freshet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StoreEnginesTest {
    @Test
    void theDefaultIsTheTableEngineAndNamesResolve() {
        assertThat(StoreEngines.defaultEngine()).isInstanceOf(TableStoreEngine.class);
        assertThat(StoreEngines.byName("table").name()).isEqualTo("table");
        assertThat(StoreEngines.byName("Chronicle").name()).isEqualTo("chronicle");
        assertThatThrownBy(() -> StoreEngines.byName("rocks")).hasMessageContaining("engine=rocks");
    }
}
