package io.freshet.store.internal;

import io.freshet.core.StoreException;
import io.freshet.core.StoreException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The steps every store file goes through before it is mapped: opened without following a link, its length checked
 * against its header's (so that a truncated file is refused before anything faults), its header read whole, and the
 * channel closed again when the file is refused.
 *
 * <p>Internal. Stateless; used at open.
 */
public final class StoreFiles {
    private StoreFiles() {
    }

    /**
     * @param p the file
     * @param readOnly whether to open it for reading only
     * @return its channel (never through a symbolic link)
     * @throws IOException as {@link FileChannel#open}
     */
    public static FileChannel open(Path p, boolean readOnly) throws IOException {
        return readOnly ? FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)
            : FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Reads a file's header after checking that the file is at least that long.
     *
     * @param ch the file's channel
     * @param p the file (for the error)
     * @param headerBytes the header's length
     * @return the header, little-endian, position after the bytes read
     * @throws StoreException TRUNCATED when the file is shorter than its header
     * @throws IOException on a read error
     */
    public static ByteBuffer readHeader(FileChannel ch, Path p, int headerBytes) throws IOException {
        long size = ch.size();
        if (size < headerBytes) {
            throw new StoreException(Reason.TRUNCATED, p, "fileBytes=" + size + " < headerBytes=" + headerBytes);
        }
        ByteBuffer h = ByteBuffer.allocate(headerBytes).order(ByteOrder.LITTLE_ENDIAN);
        while (h.hasRemaining() && ch.read(h, h.position()) > 0) {
            // read the whole header
        }
        return h;
    }

    /**
     * Closes a channel of a file being refused; a failure to close is ignored (the refusal is the error that matters).
     *
     * @param ch the channel, or null
     */
    public static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Already failing; the original error matters.
            }
        }
    }
}
