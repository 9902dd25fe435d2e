package io.freshet.core.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * JFR event: one {@code FeatureReader.read} of a key that took longer than the recording's threshold for it (default
 * 1 ms). Carries the set and whether the key had a row, never the key or a value.
 */
@Name("io.freshet.SlowRead")
@Label("Slow feature read")
@Category({"Freshet", "Serving"})
@Description("A FeatureReader.read over the threshold")
@Threshold("1 ms")
@StackTrace(false)
public final class SlowReadEvent extends jdk.jfr.Event {
    /** The feature set read. */
    @Label("Feature set")
    public String set;
    /** Whether the key had a row. */
    @Label("Found")
    public boolean found;
}
