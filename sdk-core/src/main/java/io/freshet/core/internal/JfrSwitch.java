package io.freshet.core.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;
import jdk.jfr.RecordingState;

/**
 * Whether one of Freshet's JFR events is being recorded, as a plain volatile flag that a hot path checks before doing
 * any of the event's work (no event object, no clock read while it is off). A Flight Recorder listener flips the
 * flags when a recording starts or stops; until a recording runs, nothing of JFR is initialised by Freshet. Where the
 * runtime has no {@code jdk.jfr} module the flags stay off.
 *
 * <p>A recording whose settings change while it runs (without a stop/start) is seen at the next state change of any
 * recording. Threading: {@link #on} from any thread. Allocation: none.
 */
public final class JfrSwitch {
    private static final List<JfrSwitch> ALL = new CopyOnWriteArrayList<>();
    private static final boolean AVAILABLE = listen();

    private final String eventClassName;
    private final ClassLoader loader;
    private volatile boolean on;

    private JfrSwitch(String eventClassName, ClassLoader loader) {
        this.eventClassName = eventClassName;
        this.loader = loader;
    }

    /**
     * @param eventClassName a {@code jdk.jfr.Event} subclass, by name (so that the caller's class never links to
     *     {@code jdk.jfr} until a recording runs)
     * @param loader the class loader that holds it
     * @return its switch
     */
    public static JfrSwitch of(String eventClassName, ClassLoader loader) {
        JfrSwitch s = new JfrSwitch(eventClassName, loader);
        if (AVAILABLE) {
            ALL.add(s);
            s.update();
        }
        return s;
    }

    /** @return true while a running recording has the event enabled */
    public boolean on() {
        return on;
    }

    private static boolean listen() {
        try {
            FlightRecorder.addListener(new FlightRecorderListener() {
                @Override
                public void recordingStateChanged(Recording recording) {
                    for (JfrSwitch s : ALL) {
                        s.update();
                    }
                }
            });
            return true;
        } catch (Throwable e) {
            // No jdk.jfr module in this runtime (or it is disabled): the events stay off.
            return false;
        }
    }

    private void update() {
        try {
            if (!FlightRecorder.isInitialized()) {
                on = false;
                return;
            }
            boolean running = false;
            for (Recording r : FlightRecorder.getFlightRecorder().getRecordings()) {
                running |= r.getState() == RecordingState.RUNNING;
            }
            @SuppressWarnings("unchecked")
            Class<? extends Event> type = (Class<? extends Event>) Class.forName(eventClassName, true, loader);
            on = running && EventType.getEventType(type).isEnabled();
        } catch (Throwable e) {
            on = false;
        }
    }
}
