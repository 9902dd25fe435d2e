package io.freshet.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Pins the public surface of {@code io.freshet.kafka}: only what a user touches is public, no public signature
 * mentions an internal type or the store module, and no writable store or test hook is handed out.
 */
class PublicSurfaceTest {
    private static final List<String> PUBLIC_TYPES = List.of("BadRecordException", "BadRecordPolicy", "BadRecordReason",
        "CompareReport", "CompareReport$FeatureDiff", "CutoverCriteria", "DeadLetterHeaders", "FeaturePipeline",
        "FeaturePipelineBuilder", "FreshnessProbe", "Migration", "Migration$Builder", "MigrationException",
        "MigrationException$Reason", "MigrationPhase", "MigrationProgress", "MigrationProgress$PartitionProgress",
        "MigrationStart", "OffsetMismatchException", "OffsetMismatchException$Kind", "OffsetMismatchPolicy",
        "PipelineException", "PipelineMetrics", "PipelineMetrics$SetCounts", "PipelineMetrics$Stage", "RecordDecoder",
        "RecordView", "RejectedRecordException", "ScaleMode", "ServedRows", "ServedRowsReport", "SetStatus",
        "SetStatus$State", "SloStatus",
        "SloStatus$State", "Source", "StoreSnapshot", "TombstonePolicy", "TrainingProgress", "TrainingSet",
        "TrainingSet$Builder", "TrainingSink",
        // JSON decoding (issue 19 point 7)
        "JsonDecoder", "JsonDecoder$BooleanSetter", "JsonDecoder$Builder");

    private static List<Class<?>> apiClasses() throws Exception {
        Path dir = Path.of(FeaturePipeline.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .resolve("io/freshet/kafka");
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.endsWith(".class")) {
                    out.add(Class.forName("io.freshet.kafka." + name.substring(0, name.length() - 6)));
                }
            }
        }
        return out;
    }

    @Test
    void onlyWhatAUserTouchesIsPublic() throws Exception {
        TreeSet<String> exposed = new TreeSet<>();
        for (Class<?> c : apiClasses()) {
            if (Modifier.isPublic(c.getModifiers()) && !c.isAnonymousClass()) {
                exposed.add(c.getName().substring("io.freshet.kafka.".length()));
            }
        }
        assertThat(exposed).containsExactlyInAnyOrderElementsOf(PUBLIC_TYPES);
    }

    @Test
    void noPublicSignatureMentionsAnInternalTypeOrTheStoreModule() throws Exception {
        List<String> leaks = new ArrayList<>();
        for (Class<?> c : apiClasses()) {
            if (!Modifier.isPublic(c.getModifiers())) {
                continue;
            }
            for (Method m : c.getDeclaredMethods()) {
                if (Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers())) {
                    check(leaks, c, m.toGenericString());
                }
            }
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (Modifier.isPublic(k.getModifiers()) || Modifier.isProtected(k.getModifiers())) {
                    check(leaks, c, k.toGenericString());
                }
            }
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isPublic(f.getModifiers()) || Modifier.isProtected(f.getModifiers())) {
                    check(leaks, c, f.toGenericString());
                }
            }
        }
        assertThat(leaks).isEmpty();
    }

    private static void check(List<String> leaks, Class<?> c, String signature) {
        if (signature.contains("io.freshet.kafka.internal.") || signature.contains("io.freshet.store.")) {
            leaks.add(c.getSimpleName() + ": " + signature);
        }
    }

    @Test
    void thePipelineHandsOutNoStoreAndNoTestHook() throws URISyntaxException {
        for (Method m : FeaturePipeline.class.getMethods()) {
            assertThat(m.getName()).isNotIn("store", "anyThreadAlive");
            assertThat(m.getReturnType().getName()).doesNotStartWith("io.freshet.core.spi.");
        }
    }
}
