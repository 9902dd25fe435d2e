package io.freshet.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/** Test support: copies a store directory's files into a new private directory (mode 0700, as a store needs). */
final class StoreCopies {
    private StoreCopies() {
    }

    /**
     * @param from a store directory
     * @param to a directory that does not exist yet
     * @return {@code to}
     */
    static Path copy(Path from, Path to) {
        try {
            Files.createDirectories(to);
            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwx------"));
            try (Stream<Path> files = Files.list(from)) {
                for (Path f : files.toList()) {
                    Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return to;
    }
}
