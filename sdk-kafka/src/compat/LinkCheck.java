import java.io.File;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A static link check: every kafka-clients member that freshet-kafka's bytecode references (lines "Method|
 * InterfaceMethod|Field owner.name:descriptor" as javap prints them) must exist, with that exact descriptor, in the
 * owner or one of its supertypes on the given class path. Run by run.sh; args: refs file, class path.
 */
public final class LinkCheck {
    public static void main(String[] args) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String s : args[1].split(":")) {
            urls.add(new File(s).toURI().toURL());
        }
        ClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
        int missing = 0;
        int n = 0;
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] kindAndRef = line.split(" ", 2);
            String ref = kindAndRef[1];
            int colon = ref.indexOf(':');
            String ownerAndName = ref.substring(0, colon);
            String desc = ref.substring(colon + 1);
            int dot = ownerAndName.lastIndexOf('.');
            String owner = ownerAndName.substring(0, dot).replace('/', '.');
            String name = ownerAndName.substring(dot + 1).replace("\"", "");
            n++;
            try {
                Class<?> c = Class.forName(owner, false, loader);
                if (kindAndRef[0].equals("Field") ? !hasField(c, name, desc) : !hasMethod(c, name, desc)) {
                    missing++;
                    System.out.println("MISSING " + line);
                }
            } catch (ClassNotFoundException | LinkageError e) {
                missing++;
                System.out.println("MISSING " + line + " (" + e + ")");
            }
        }
        System.out.println("link check: " + n + " kafka-clients member references, " + missing + " missing");
        System.exit(missing == 0 ? 0 : 1);
    }

    private static boolean hasField(Class<?> c, String name, String desc) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                if (f.getName().equals(name) && f.getType().descriptorString().equals(desc)) {
                    return true;
                }
            }
            for (Class<?> i : k.getInterfaces()) {
                if (hasField(i, name, desc)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean hasMethod(Class<?> c, String name, String desc) {
        if (name.equals("<init>")) {
            for (Constructor<?> k : c.getDeclaredConstructors()) {
                if (MethodType.methodType(void.class, k.getParameterTypes()).toMethodDescriptorString().equals(desc)) {
                    return true;
                }
            }
            return false;
        }
        Deque<Class<?>> todo = new ArrayDeque<>(List.of(c));
        Set<Class<?>> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            Class<?> k = todo.pop();
            if (!seen.add(k)) {
                continue;
            }
            for (Method m : k.getDeclaredMethods()) {
                if (m.getName().equals(name) && MethodType.methodType(m.getReturnType(), m.getParameterTypes())
                    .toMethodDescriptorString().equals(desc)) {
                    return true;
                }
            }
            if (k.getSuperclass() != null) {
                todo.add(k.getSuperclass());
            }
            todo.addAll(List.of(k.getInterfaces()));
            if (k.isInterface()) {
                todo.add(Object.class);
            }
        }
        return false;
    }
}
