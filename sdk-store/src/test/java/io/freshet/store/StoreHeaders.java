package io.freshet.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/** Test support: rewrites a store file's static header as another format version would have written it. */
public final class StoreHeaders {
    /** Both store files keep the static header in [0, 248) and its CRC32C at 248. */
    private static final int STATIC_HEADER_BYTES = 248;

    private StoreHeaders() {
    }

    /**
     * Sets the format version (the int at byte 8) and rewrites the header's CRC32C to match, so that only the version
     * differs from a valid file.
     *
     * @param file a meta or data file of a closed store
     * @param version the format version to write
     * @throws IOException when the file cannot be rewritten
     */
    public static void rewriteFormatVersion(Path file, int version) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer h = ByteBuffer.allocate(STATIC_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(h, 0);
            h.putInt(8, version);
            CRC32C crc = new CRC32C();
            crc.update(h.array(), 0, STATIC_HEADER_BYTES);
            ch.write(h.flip(), 0);
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, crc.getValue()),
                STATIC_HEADER_BYTES);
        }
    }
}
