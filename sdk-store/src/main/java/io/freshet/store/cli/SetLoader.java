package io.freshet.store.cli;

import io.freshet.core.FeatureSet;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Finds the {@link FeatureSet} a user names with {@code --set}: {@code CLASS} or {@code CLASS#MEMBER}, where the
 * class (on the class path) has a public static field of type {@code FeatureSet}, or a public static no-argument
 * method returning one, or implements {@code Supplier<FeatureSet<?>>} with a public no-argument constructor. With
 * no {@code #MEMBER} the class must offer exactly one of these. Every failure is one {@link CliException} line.
 */
final class SetLoader {
    /** The help text of {@code --set}, shared by the commands. */
    static final String HELP = "The feature set: CLASS or CLASS#MEMBER, a class on the class path with a public "
        + "static FeatureSet field, a public static no-argument method returning a FeatureSet, or implementing "
        + "Supplier<FeatureSet> (public no-argument constructor). Run with -cp freshet-store-<version>-cli.jar:app.jar "
        + "io.freshet.store.cli.Main to put the class on the class path.";

    private SetLoader() {
    }

    static FeatureSet<?> load(String spec) {
        int hash = spec.indexOf('#');
        String className = hash < 0 ? spec : spec.substring(0, hash);
        String member = hash < 0 ? null : spec.substring(hash + 1);
        Class<?> c;
        try {
            c = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new CliException(Main.EXIT_ERROR, "--set " + spec + ": class " + className + " is not on the class "
                + "path (" + e.getClass().getSimpleName() + "): run with -cp freshet-store-<version>-cli.jar:your.jar "
                + "io.freshet.store.cli.Main");
        }
        List<String> candidates = new ArrayList<>();
        Object found = null;
        try {
            for (Field f : c.getFields()) {
                if (Modifier.isStatic(f.getModifiers()) && FeatureSet.class.isAssignableFrom(f.getType())
                    && (member == null || member.equals(f.getName()))) {
                    candidates.add(f.getName());
                    found = f.get(null);
                }
            }
            for (Method m : c.getMethods()) {
                if (Modifier.isStatic(m.getModifiers()) && m.getParameterCount() == 0
                    && FeatureSet.class.isAssignableFrom(m.getReturnType())
                    && (member == null || member.equals(m.getName()))) {
                    candidates.add(m.getName() + "()");
                    found = candidates.size() == 1 ? m.invoke(null) : found;
                }
            }
            if (candidates.isEmpty() && member == null && Supplier.class.isAssignableFrom(c)) {
                Object s = ((Supplier<?>) c.getConstructor().newInstance()).get();
                if (!(s instanceof FeatureSet)) {
                    throw new CliException(Main.EXIT_ERROR, "--set " + spec + ": " + className + ".get() returned "
                        + (s == null ? "null" : s.getClass().getName()) + ", not a FeatureSet");
                }
                return (FeatureSet<?>) s;
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            if (e instanceof CliException) {
                throw (CliException) e;
            }
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new CliException(Main.EXIT_ERROR, "--set " + spec + ": building the set failed: " + cause);
        }
        if (candidates.isEmpty()) {
            throw new CliException(Main.EXIT_ERROR, "--set " + spec + ": " + className + " has no public static "
                + (member == null ? "" : member + " ") + "FeatureSet field or no-argument method and is not a "
                + "Supplier<FeatureSet>");
        }
        if (candidates.size() > 1) {
            throw new CliException(Main.EXIT_ERROR, "--set " + spec + ": " + className + " offers several sets "
                + candidates + ": name one as " + className + "#NAME");
        }
        if (found == null) {
            throw new CliException(Main.EXIT_ERROR, "--set " + spec + ": " + className + "." + candidates.get(0)
                + " is null");
        }
        return (FeatureSet<?>) found;
    }
}
