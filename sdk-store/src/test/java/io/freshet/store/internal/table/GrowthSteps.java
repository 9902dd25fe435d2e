package io.freshet.store.internal.table;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/** Test access to the growth step hook of the table engine (tests in other packages use it through this class). */
public final class GrowthSteps {
    private GrowthSteps() {
    }

    /** @return the names of a growth's steps, in order */
    public static List<String> names() {
        return Arrays.stream(GrowthStep.values()).map(Enum::name).toList();
    }

    /**
     * Stops, forever, the first thread of this process that reaches {@code step}, after it ran {@code reached}; the
     * other steps pass. Call before the store's writers are used (threads the store starts later see it), in a
     * process that is to be killed there.
     *
     * @param step one of {@link #names()}
     * @param reached run once, on the stopped thread, before it stops
     */
    public static void stopAt(String step, Runnable reached) {
        GrowthStep target = GrowthStep.valueOf(step);
        AtomicBoolean once = new AtomicBoolean();
        GrowthStep.hook = s -> {
            if (s == target && once.compareAndSet(false, true)) {
                reached.run();
                while (true) {
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        // Stays stopped: the process is killed here.
                    }
                }
            }
        };
    }
}
