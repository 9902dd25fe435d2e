package io.freshet.store;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of a child JVM that the store tests start: this JDK's {@code java}, this class path. */
public final class ChildCommand {
    private ChildCommand() {
    }

    /**
     * @param jvmOptions options before {@code -cp}, in order
     * @param main the child's main class
     * @param args the child's arguments
     * @return {@code java <jvmOptions> -cp <this class path> <main> <args>}
     */
    public static List<String> of(List<String> jvmOptions, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }
}
