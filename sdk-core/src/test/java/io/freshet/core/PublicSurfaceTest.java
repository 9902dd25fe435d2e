package io.freshet.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Pins the user-facing surface of {@code io.freshet.core}: which types are public, and that no public signature
 * mentions a type of an {@code internal} package (users must never need one).
 */
class PublicSurfaceTest {
    private static final List<String> PUBLIC_TYPES = List.of("Categories", "DerivedFeature", "DerivedFeature$Builder",
        "EpochClock", "FeatureDefinitionException", "FeatureKind",
        "FeatureLog", "FeatureLog$Builder", "LogScan", "ServedReadVisitor", "FeatureKind$ValueType", "FeatureReader",
        "FeatureRef", "FeatureSet", "FeatureSetBuilder", "FeatureSetBuilder$AggregateStep", "FeatureSetBuilder$KeyStep",
        "FeatureSetBuilder$TimeStep", "FeatureTestDriver", "FeatureVector", "FeatureView",
        "FeatureView$Builder", "RequestFeature", "RequestFeature$Builder", "ViewReader", "ViewRequest", "ViewVector",
        "KeyType", "ManualClock", "Quantile", "StoreConfig",
        "StoreConfig$Builder", "StoreConfig$OsCrashPolicy", "StoreException", "StoreException$Reason",
        "StoreGrowth", "StoreOpenState", "VectorStatus", "Window");

    private static List<Class<?>> classesOfThePackage() throws Exception {
        Path dir = Path.of(FeatureSet.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .resolve("io/freshet/core");
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                if (n.endsWith(".class")) {
                    out.add(Class.forName("io.freshet.core." + n.substring(0, n.length() - 6)));
                }
            }
        }
        return out;
    }

    private static boolean exposed(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            if (!Modifier.isPublic(k.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    @Test
    void onlyTheUserFacingTypesArePublic() throws Exception {
        TreeSet<String> found = new TreeSet<>();
        for (Class<?> c : classesOfThePackage()) {
            if (exposed(c)) {
                found.add(c.getName().substring("io.freshet.core.".length()));
            }
        }
        assertThat(found).containsExactlyElementsOf(new TreeSet<>(PUBLIC_TYPES));
    }

    @Test
    void noPublicSignatureMentionsAnInternalType() throws Exception {
        List<String> leaks = new ArrayList<>();
        for (Class<?> c : classesOfThePackage()) {
            if (!exposed(c)) {
                continue;
            }
            for (Method m : c.getDeclaredMethods()) {
                if (visible(m.getModifiers()) && !m.isSynthetic()) {
                    check(leaks, m.toGenericString(), m.getGenericReturnType());
                    for (Type t : m.getGenericParameterTypes()) {
                        check(leaks, m.toGenericString(), t);
                    }
                }
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (visible(k.getModifiers())) {
                    for (Type t : k.getGenericParameterTypes()) {
                        check(leaks, k.toGenericString(), t);
                    }
                }
            }
            for (Field f : c.getDeclaredFields()) {
                if (visible(f.getModifiers())) {
                    check(leaks, f.toGenericString(), f.getGenericType());
                }
            }
        }
        assertThat(leaks).isEmpty();
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void check(List<String> leaks, String member, Type t) {
        if (t.getTypeName().contains(".internal.")) {
            leaks.add(member);
        }
    }
}
