package io.freshet.testkit.internal;

import io.freshet.testkit.BrokerMode;

/**
 * A cluster this JVM did not start: only its address. Touches no broker class.
 *
 * <p>Threading: immutable.
 */
final class ExternalCluster implements Cluster {
    private final String bootstrap;

    ExternalCluster(String bootstrap) {
        this.bootstrap = bootstrap;
    }

    @Override
    public String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public BrokerMode mode() {
        return BrokerMode.EXTERNAL;
    }

    @Override
    public void close() {
    }
}
