package io.freshet.kafka.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives tests a real Kafka cluster: {@code @ExtendWith(KafkaBrokerExtension.class)} and a
 * {@link KafkaBroker} parameter on a test method, constructor or {@code @BeforeAll} method.
 *
 * <p>One cluster serves every test class of the JVM: it starts when the first class that uses it starts and
 * closes when the whole run ends (it lives in the root context's store). With
 * {@code -Dfreshet.bootstrap=host:port} the same tests run against that external cluster instead.
 *
 * <p>Threading: JUnit's; the broker handle itself is thread-safe.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
        ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

    /** Creates the extension; JUnit does this. */
    public KafkaBrokerExtension() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        broker(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> t = parameterContext.getParameter().getType();
        return t == KafkaBroker.class || t == EmbeddedKafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return broker(extensionContext);
    }

    /**
     * @param context any extension context of the run
     * @return the run's shared cluster, started on first use
     */
    public static EmbeddedKafkaBroker broker(ExtensionContext context) {
        // The root store closes AutoCloseable values when the whole test plan finishes: one broker per JVM.
        return context.getRoot().getStore(NAMESPACE)
            .getOrComputeIfAbsent(EmbeddedKafkaBroker.class, k -> EmbeddedKafkaBroker.start(),
                EmbeddedKafkaBroker.class);
    }
}
