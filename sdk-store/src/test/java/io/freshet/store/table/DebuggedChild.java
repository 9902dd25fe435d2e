package io.freshet.store.table;

import com.sun.jdi.AbsentInformationException;
import com.sun.jdi.Bootstrap;
import com.sun.jdi.IncompatibleThreadStateException;
import com.sun.jdi.Location;
import com.sun.jdi.Method;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.StackFrame;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.VMDisconnectedException;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.VMDeathEvent;
import com.sun.jdi.event.VMDisconnectEvent;
import com.sun.jdi.request.BreakpointRequest;
import com.sun.jdi.request.EventRequest;
import io.freshet.store.ChildCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@link TableChild} in a fresh JVM under this JVM's debugger (JDI over a JDWP socket): line breakpoints in engine
 * methods stop one of its threads exactly between two source lines, and {@link #kill()} SIGKILLs it while it is
 * stopped there, which leaves its files as a kill -9 at that instant would. The engine itself needs no JVM flag; the
 * child gets only the JDWP agent.
 */
final class DebuggedChild implements AutoCloseable {
    private static final String LISTENING = "Listening for transport dt_socket at address: ";
    private static final long EVENT_WAIT_MS = 60_000;

    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final Path stderr;
    private final VirtualMachine vm;
    private final List<BreakpointRequest> requests = new ArrayList<>();

    private DebuggedChild(Process process, BufferedReader out, Path stderr, VirtualMachine vm) {
        this.process = process;
        this.out = out;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.stderr = stderr;
        this.vm = vm;
    }

    /** Starts the child, attaches the debugger and waits for the child's {@code READY}. */
    static DebuggedChild start(Path stderr, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(ChildCommand.of(List.of(
            "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:0", "-Xmx256m",
            "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-D" + TableChild.ROW_CHECKS_PROP_NAME + "="
            + TableChild.rowChecks), TableChild.class, args));
        pb.redirectError(stderr.toFile());
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (first == null || !first.startsWith(LISTENING)) {
            p.destroyForcibly();
            throw new IllegalStateException("child did not start its debug agent: " + first + "; stderr: "
                + text(stderr));
        }
        VirtualMachine vm;
        try {
            vm = attach(Integer.parseInt(first.substring(LISTENING.length()).trim()));
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
        DebuggedChild c = new DebuggedChild(p, out, stderr, vm);
        c.expectLine("READY");
        return c;
    }

    private static VirtualMachine attach(int port) throws IOException {
        for (AttachingConnector a : Bootstrap.virtualMachineManager().attachingConnectors()) {
            if (a.name().equals("com.sun.jdi.SocketAttach")) {
                Map<String, Connector.Argument> args = a.defaultArguments();
                args.get("hostname").setValue("127.0.0.1");
                args.get("port").setValue(Integer.toString(port));
                args.get("timeout").setValue("30000");
                try {
                    return a.attach(args);
                } catch (com.sun.jdi.connect.IllegalConnectorArgumentsException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new IllegalStateException("no com.sun.jdi.SocketAttach connector");
    }

    /** @return the next stdout line of the child, or null at its end */
    String readLine() throws IOException {
        return out.readLine();
    }

    /** Reads the next stdout line and checks that it starts with {@code prefix}; returns it. */
    String expectLine(String prefix) throws IOException {
        String line = readLine();
        if (line == null || !line.startsWith(prefix)) {
            throw new IllegalStateException("expected " + prefix + " from the child, got " + line + "; stderr: "
                + stderrText());
        }
        return line;
    }

    /** Sends one line to the child's stdin (each wait of the child reads one). */
    void go() throws IOException {
        in.write("go\n");
        in.flush();
    }

    /**
     * Sets a breakpoint, stopping only the thread that reaches it, on every line of each named method of a loaded
     * class. Methods that run for every key of a loop would cost a debugger round trip per line per key:
     * {@link Breakpoints#perLocationLimit} stops counting (and stopping at) a line after so many hits.
     */
    void breakInMethods(String className, String... methods) {
        List<ReferenceType> types = vm.classesByName(className);
        if (types.isEmpty()) {
            throw new IllegalStateException("class " + className + " is not loaded in the child");
        }
        for (String name : methods) {
            List<Method> found = types.get(0).methodsByName(name);
            if (found.isEmpty()) {
                throw new IllegalStateException("no method " + className + "." + name);
            }
            for (Method m : found) {
                try {
                    for (Location l : m.allLineLocations()) {
                        BreakpointRequest r = vm.eventRequestManager().createBreakpointRequest(l);
                        r.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
                        r.enable();
                        requests.add(r);
                    }
                } catch (AbsentInformationException e) {
                    throw new IllegalStateException(className + " was compiled without line numbers", e);
                }
            }
        }
    }

    /** Removes every breakpoint set so far. */
    void clearBreakpoints() {
        vm.eventRequestManager().deleteEventRequests(requests);
        requests.clear();
    }

    /** What the child was doing when it was stopped: its thread and the methods on that thread's stack. */
    record Stop(ThreadReference thread, List<String> stack, Location location) {
        boolean inMethod(String name) {
            return stack.contains(name);
        }

        @Override
        public String toString() {
            return location.declaringType().name() + "." + location.method().name() + ":" + location.lineNumber()
                + " in thread " + thread.name();
        }
    }

    /** Decides at each stop whether to kill the child there; breakpoints it does not kill at are resumed. */
    interface Breakpoints {
        /** @return whether to leave the child stopped here (its stopped thread is not resumed) */
        boolean stopHere(Stop stop);

        /** @return how many times one line may stop the child before its breakpoint is disabled */
        default int perLocationLimit() {
            return Integer.MAX_VALUE;
        }
    }

    /**
     * Handles the running child's breakpoint stops until {@code b} says to stay at one, or the child ends. A thread
     * left stopped by an earlier call stays stopped. Every breakpoint is enabled again first, and the per-line
     * limit counts from zero.
     *
     * @return the stop the child stays at, or null when the child exited first
     */
    Stop runUntil(Breakpoints b) throws InterruptedException {
        Map<Location, Integer> hits = new HashMap<>();
        for (BreakpointRequest r : requests) {
            r.enable();
        }
        try {
            while (true) {
                EventSet set = vm.eventQueue().remove(EVENT_WAIT_MS);
                if (set == null) {
                    throw new IllegalStateException("no debugger event from the child in " + EVENT_WAIT_MS
                        + " ms; stderr: " + stderrText());
                }
                boolean resume = true;
                for (Event e : set) {
                    if (e instanceof VMDeathEvent || e instanceof VMDisconnectEvent) {
                        return null;
                    }
                    if (e instanceof BreakpointEvent be) {
                        Stop stop = new Stop(be.thread(), stackOf(be.thread()), be.location());
                        int n = hits.merge(be.location(), 1, Integer::sum);
                        if (n >= b.perLocationLimit()) {
                            be.request().disable();
                        }
                        if (b.stopHere(stop)) {
                            resume = false;
                            return stop;
                        }
                    }
                }
                if (resume) {
                    set.resume();
                }
            }
        } catch (VMDisconnectedException e) {
            return null;
        }
    }

    private static List<String> stackOf(ThreadReference t) {
        List<String> names = new ArrayList<>();
        try {
            for (StackFrame f : t.frames()) {
                names.add(f.location().method().name());
            }
        } catch (IncompatibleThreadStateException e) {
            throw new IllegalStateException("thread " + t.name() + " is not suspended at its breakpoint", e);
        }
        return names;
    }

    /** Resumes the thread a stop left stopped. */
    void resume(Stop stop) {
        stop.thread().resume();
    }

    /** SIGKILLs the child (stopped or not) and waits for it. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("child did not die in 30 s");
        }
        disposeQuietly();
    }

    /** Waits for the child's exit (at most 60 s) and returns its exit code. */
    int waitForExit() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("child did not exit in 60 s; stderr: " + stderrText());
        }
        disposeQuietly();
        return process.exitValue();
    }

    private void disposeQuietly() {
        try {
            vm.dispose();
        } catch (VMDisconnectedException ignored) {
            // Already gone with the process.
        }
    }

    String stderrText() {
        return text(stderr);
    }

    private static String text(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
