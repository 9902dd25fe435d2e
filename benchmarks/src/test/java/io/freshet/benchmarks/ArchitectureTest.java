package io.freshet.benchmarks;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.freshet.core.FeatureSet;
import io.freshet.kafka.FeaturePipeline;
import io.freshet.kafka.parquet.ParquetSink;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.chronicle.ChronicleStoreEngine;
import io.freshet.testkit.FreshetKafka;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pins the module boundaries and the public surface of the SDK (DESIGN.md, "Modules"; STYLE.md 1 and 14). It lives in
 * this module because benchmarks is the one module whose class path holds the main classes of every other module.
 * Main classes only: test code may reach anything.
 */
class ArchitectureTest {
    private static final String[] API_PACKAGES = {
        "io.freshet.core", "io.freshet.core.spi", "io.freshet.store", "io.freshet.store.chronicle", "io.freshet.kafka",
        "io.freshet.kafka.metrics", "io.freshet.kafka.parquet", "io.freshet.testkit"};
    /** Main classes: neither test-class directories nor the modules' test jars. */
    private static final ImportOption MAIN_CLASSES_ONLY = location -> !location.contains("/test-classes/")
        && !location.matches(Pattern.compile(".*-tests\\.jar!/.*"));
    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(MAIN_CLASSES_ONLY).importPackages("io.freshet");
        // The reactor hands the other modules over as class directories (test) or jars (verify): either way each
        // module must be here, or the rules below would pass on nothing.
        assertThat(classes.contain(FeatureSet.class)).as("sdk-core imported").isTrue();
        assertThat(classes.contain(TableStoreEngine.class)).as("sdk-store imported").isTrue();
        assertThat(classes.contain(ChronicleStoreEngine.class)).as("sdk-store/chronicle imported").isTrue();
        assertThat(classes.contain(FeaturePipeline.class)).as("sdk-kafka imported").isTrue();
        assertThat(classes.contain(FreshetKafka.class)).as("sdk-kafka/testkit imported").isTrue();
        assertThat(classes.contain(ParquetSink.class)).as("sdk-kafka/parquet imported").isTrue();
    }

    @Test
    void coreKnowsNothingOfKafkaChronicleOrTheOtherModules() {
        noClasses().that().resideInAPackage("io.freshet.core..")
            .should().dependOnClassesThat().resideInAnyPackage(
                "org.apache.kafka..", "net.openhft..", "io.freshet.kafka..", "io.freshet.store..")
            .check(classes);
    }

    @Test
    void onlyTheMetricsBinderNamesMicrometer() {
        // Micrometer is optional in freshet-kafka: a class a pipeline loads without the binder must not name it.
        noClasses().that().resideOutsideOfPackage("io.freshet.kafka.metrics..")
            .should().dependOnClassesThat().resideInAPackage("io.micrometer..")
            .check(classes);
    }

    @Test
    void onlyTheParquetModuleNamesParquetOrHadoop() {
        // freshet-parquet is optional: freshet-kafka and the rest load none of parquet-java (nor, anywhere, Hadoop,
        // whose Configuration only freshet-parquet's overrides of parquet-java's abstract methods name).
        noClasses().that().resideInAPackage("io.freshet..")
            .and().resideOutsideOfPackage("io.freshet.kafka.parquet..")
            .and().resideOutsideOfPackage("io.freshet.benchmarks..")
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.parquet..", "org.apache.hadoop..")
            .check(classes);
    }

    @Test
    void kafkaReachesStoresOnlyThroughTheSpi() {
        noClasses().that().resideInAPackage("io.freshet.kafka..")
            .should().dependOnClassesThat().resideInAnyPackage("io.freshet.store..", "net.openhft..")
            .check(classes);
    }

    @Test
    void storeWithoutItsChronicleModuleKnowsNothingOfChronicle() {
        // freshet-store brings no OpenHFT jar: only freshet-store-chronicle may name Chronicle, and freshet-store
        // finds that engine through ServiceLoader, never by naming its classes.
        noClasses().that().resideInAPackage("io.freshet.store..")
            .and().resideOutsideOfPackage("io.freshet.store.chronicle..")
            .should().dependOnClassesThat().resideInAnyPackage("net.openhft..", "io.freshet.store.chronicle..")
            .check(classes);
    }

    @Test
    void storeKnowsNothingOfKafka() {
        noClasses().that().resideInAPackage("io.freshet.store..")
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "io.freshet.kafka..")
            .check(classes);
    }

    @Test
    void testkitKnowsNothingOfTheSdk() {
        // sdk-kafka's own tests use the test kit: a dependency back would be a cycle.
        noClasses().that().resideInAPackage("io.freshet.testkit..")
            .should().dependOnClassesThat().resideInAnyPackage("io.freshet.core..", "io.freshet.store..",
                "io.freshet.kafka..")
            .check(classes);
    }

    @Test
    void noPublicSignatureMentionsAnInternalType() {
        List<String> leaks = new ArrayList<>();
        for (JavaClass c : classes) {
            if (!isApiType(c)) {
                continue;
            }
            for (JavaClass s : c.getAllRawSuperclasses()) {
                addLeak(leaks, c.getName() + " extends", s);
            }
            for (JavaClass i : c.getRawInterfaces()) {
                addLeak(leaks, c.getName() + " implements", i);
            }
            for (JavaCodeUnit u : c.getCodeUnits()) {
                if (!visible(u.getModifiers())) {
                    continue;
                }
                for (JavaClass t : u.getReturnType().getAllInvolvedRawTypes()) {
                    addLeak(leaks, u.getFullName() + " returns", t);
                }
                for (var p : u.getParameters()) {
                    for (JavaClass t : p.getType().getAllInvolvedRawTypes()) {
                        addLeak(leaks, u.getFullName() + " takes", t);
                    }
                }
            }
            for (JavaField f : c.getFields()) {
                if (visible(f.getModifiers())) {
                    for (JavaClass t : f.getType().getAllInvolvedRawTypes()) {
                        addLeak(leaks, f.getFullName() + " has type", t);
                    }
                }
            }
        }
        assertThat(leaks).as("public API members that mention internal types").isEmpty();
    }

    @Test
    void noPackageIsSplitAcrossModules() {
        Map<String, Set<String>> rootsByPackage = new TreeMap<>();
        for (JavaClass c : classes) {
            URI uri = c.getSource().orElseThrow().getUri();
            String path = uri.toString();
            String suffix = c.getName().replace('.', '/');
            int cut = path.indexOf(suffix.substring(0, suffix.lastIndexOf('/') + 1));
            // A multi-release jar's META-INF/versions/N classes belong to that jar.
            String root = (cut < 0 ? path : path.substring(0, cut)).replaceFirst("META-INF/versions/\\d+/$", "");
            rootsByPackage.computeIfAbsent(c.getPackageName(), k -> new TreeSet<>()).add(root);
        }
        rootsByPackage.values().removeIf(roots -> roots.size() == 1);
        assertThat(rootsByPackage).as("packages whose classes come from more than one module").isEmpty();
    }

    private static boolean isApiType(JavaClass c) {
        if (!c.getModifiers().contains(JavaModifier.PUBLIC)) {
            return false;
        }
        for (String p : API_PACKAGES) {
            if (c.getPackageName().equals(p)) {
                return true;
            }
        }
        return false;
    }

    private static boolean visible(Set<JavaModifier> modifiers) {
        return modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED);
    }

    private static void addLeak(List<String> leaks, String where, JavaClass type) {
        if (type.getPackageName().contains(".internal")) {
            leaks.add(where + " " + type.getName());
        }
    }
}
