package io.freshet.store.chronicle;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreOpenState;
import io.freshet.store.chronicle.internal.ChroniclePrebuilt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh JVM opening a Chronicle store must not run javac: {@link ChroniclePrebuilt} defines the class Chronicle
 * would otherwise generate and compile. The evidence comes from the JVM's own class-load log of the child, not from
 * our bookkeeping: javac's compiler driver ({@value #JAVAC_DRIVER}) is loaded only when a compilation runs, and a
 * class defined through a lookup is logged with source {@value #LOOKUP_DEFINED} while Chronicle's compiler defines
 * its classes through {@code ClassLoader.defineClass} ({@value #CLASSLOADER_DEFINED}). The control run with the
 * pre-built classes switched off shows both signals flip, so the first assertions can fail. Covered: a clean open
 * and Chronicle's recovery of a store whose writer was killed holding a segment's write lock.
 */
class ChroniclePrebuiltTest {
    static final String JAVAC_DRIVER = "com.sun.tools.javac.main.JavaCompiler";
    static final String LOOKUP_DEFINED = "__JVM_LookupDefineClass__";
    static final String CLASSLOADER_DEFINED = "__JVM_DefineClass__";
    static final String NATIVE = ChronicleChild.GLOBAL_STATE + "$$Native";

    @TempDir
    Path tmp;

    /** Child output and its class-load log. */
    record Run(List<String> out, List<String> classLoads) {
        String line(String prefix) {
            return out.stream().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + prefix + " line in " + out));
        }

        boolean loaded(String className) {
            return classLoads.stream().anyMatch(l -> l.contains(" " + className + " source: "));
        }

        String loadOf(String className) {
            return classLoads.stream().filter(l -> l.contains(" " + className + " source: ")).findFirst()
                .orElseThrow(() -> new AssertionError(className + " never loaded"));
        }
    }

    @Test
    void aFreshJvmRecoversAKilledWritersStoreWithoutCompilingAnything() throws Exception {
        Path store = tmp.resolve("recover");
        ChildJvm holder = ChildJvm.start(ChildJvm.allFlags(), Map.of(), tmp.resolve("holder-stderr.txt"),
            "hold-existing", store.toString());
        assertThat(holder.readLine()).as(holder.stderrText()).isEqualTo("HOLDING");
        holder.kill();
        Run r = startup("recover");
        assertThat(r.line("STATE ")).isEqualTo("STATE " + StoreOpenState.RECOVERED);
        assertThat(r.line("PREBUILT ")).isEqualTo("PREBUILT " + ChroniclePrebuilt.Outcome.DEFINED + " ");
        assertThat(r.loaded(JAVAC_DRIVER)).as("javac ran in the child").isFalse();
    }

    private Run startup(String name, String... extraFlags) throws Exception {
        // The store directory is tmp/name: a test may have left a killed writer's store there to recover.
        Path log = tmp.resolve(name + "-classes.log");
        List<String> flags = new ArrayList<>(ChildJvm.allFlags());
        flags.add("-Xlog:class+load=info:file=" + log);
        flags.addAll(List.of(extraFlags));
        ChildJvm c = ChildJvm.start(flags, Map.of(), tmp.resolve(name + "-stderr.txt"), "startup",
            tmp.resolve(name).toString());
        List<String> out = new ArrayList<>();
        String line;
        while ((line = c.readLine()) != null) {
            out.add(line);
        }
        assertThat(c.waitForExit()).as(c.stderrText()).isZero();
        return new Run(out, Files.readAllLines(log));
    }

    @Test
    void aFreshJvmOpensAStoreWithoutCompilingAnything() throws Exception {
        Run r = startup("prebuilt");
        assertThat(r.line("PREBUILT ")).isEqualTo("PREBUILT " + ChroniclePrebuilt.Outcome.DEFINED + " ");
        assertThat(r.loaded(JAVAC_DRIVER)).as("javac ran in the child").isFalse();
        assertThat(r.loadOf(NATIVE)).contains("source: " + LOOKUP_DEFINED);
        assertThat(r.line("NATIVE ")).endsWith("sameLoaderAsInterface=true");
    }

    @Test
    void switchedOffChronicleCompilesTheClassItself() throws Exception {
        Run r = startup("compiled", "-D" + ChroniclePrebuilt.ENABLED_PROP_NAME + "=false");
        assertThat(r.line("PREBUILT ")).startsWith("PREBUILT " + ChroniclePrebuilt.Outcome.DISABLED);
        assertThat(r.loaded(JAVAC_DRIVER)).as("javac ran in the child").isTrue();
        assertThat(r.loadOf(NATIVE)).contains("source: " + CLASSLOADER_DEFINED);
        assertThat(r.line("NATIVE ")).endsWith("sameLoaderAsInterface=true");
    }
}
