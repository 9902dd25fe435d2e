package io.freshet.store.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Identifies the running OS boot, to tell a killed process (the page cache survived, so the undo slots are
 * exact) from an OS crash or power loss (dirty pages may be lost in any order) after an unclean shutdown.
 * Reads Linux's {@code /proc/sys/kernel/random/boot_id}; the system property {@value #OVERRIDE_PROP_NAME} replaces
 * it (tests simulate a reboot with it).
 *
 * <p>Internal: not part of the public API.
 */
public final class BootId {
    /** System property that overrides the boot id (tests). */
    public static final String OVERRIDE_PROP_NAME = "freshet.store.bootId";
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    private BootId() {
    }

    /** @return a 64-bit digest of the current boot id; 0 when the platform does not expose one */
    public static long current() {
        String override = System.getProperty(OVERRIDE_PROP_NAME);
        String id = override;
        if (id == null) {
            try {
                id = new String(Files.readAllBytes(BOOT_ID), StandardCharsets.US_ASCII).trim();
            } catch (IOException | SecurityException e) {
                return 0;
            }
        }
        return io.freshet.core.internal.Fingerprint.of("boot:" + id);
    }
}
