package io.freshet.core.internal.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The segment preparer: a lane that rotates takes the segment made ahead (renamed to its own name, header written),
 * another is made, an unused one is deleted at close, and a killed process's leftover at the next open.
 */
class LogDirectoryPrepareTest {
    private static final long SEGMENT = 256 << 10;

    @TempDir
    Path tmp;

    @Test
    void aRotatingLaneTakesThePreparedSegmentAndCloseLeavesNoSpare() throws Exception {
        Path dir = tmp.resolve("log");
        try (LogDirectory d = open(dir)) {
            Path spare = awaitSpare(d, dir);
            LogDirectory.Segment s = d.newSegment(3);
            assertThat(spare).doesNotExist();
            assertThat(s.path.getFileName().toString()).endsWith("-lane3" + LogDescriptor.SUFFIX);
            assertThat(headerMagic(s.path)).isEqualTo(LogDescriptor.SEGMENT_MAGIC);
            assertThat(Files.size(s.path)).isEqualTo(SEGMENT);
            Path next = awaitSpare(d, dir);
            assertThat(next).isNotEqualTo(spare);
            d.closeSegment(s);
        }
        assertThat(spares(dir)).isEmpty();
        assertThat(LogDirectory.segments(dir)).hasSize(1);
    }

    @Test
    void aKilledProcesssSpareIsDeletedAtOpenAndNeverReadAsASegment() throws Exception {
        Path dir = tmp.resolve("log");
        Files.createDirectories(dir);
        Path leftover = dir.resolve(".next-segment-7");
        Files.write(leftover, new byte[1024]);
        try (LogDirectory d = open(dir)) {
            assertThat(leftover).doesNotExist();
            assertThat(LogDirectory.segments(dir)).isEmpty();
        }
    }

    @Test
    void withThePreparerOffALaneMakesItsOwnSegment() throws Exception {
        Path dir = tmp.resolve("log");
        System.setProperty(LogDirectory.PREPARE_PROP, "false");
        try (LogDirectory d = open(dir)) {
            LogDirectory.Segment s = d.newSegment(0);
            assertThat(headerMagic(s.path)).isEqualTo(LogDescriptor.SEGMENT_MAGIC);
            Thread.sleep(200);
            assertThat(spares(dir)).isEmpty();
        } finally {
            System.clearProperty(LogDirectory.PREPARE_PROP);
        }
    }

    @Test
    void aRotatingLaneLeavesItsFullSegmentToThePreparerWhichRetiresItAndAppliesTheRetention() throws Exception {
        Path dir = tmp.resolve("log");
        // Two segments' bytes retained: past them the oldest closed segment goes, never the one being written.
        try (LogDirectory d = new LogDirectory(dir, 0x1234L, 3, 4, false, 0, 0, SEGMENT, 2 * SEGMENT, Long.MAX_VALUE)) {
            LogDirectory.Segment s = d.newSegment(0);
            for (int i = 0; i < 4; i++) {
                d.retire(s);
                s = d.newSegment(0);
            }
            long deadline = System.nanoTime() + 60_000_000_000L;
            while ((d.retiredByPreparer() < 4 || d.segmentsDeleted() < 3) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(d.retiredByPreparer()).isEqualTo(4);
            assertThat(d.segmentsDeleted()).isEqualTo(3);
            assertThat(LogDirectory.segments(dir)).hasSize(2).contains(s.path);
            assertThat(headerMagic(s.path)).isEqualTo(LogDescriptor.SEGMENT_MAGIC);
            d.closeSegment(s);
        }
        assertThat(LogDirectory.segments(dir)).hasSize(2);
    }

    @Test
    void closeRetiresWhatThePreparerHasNotAndAppliesTheRetention() throws Exception {
        Path dir = tmp.resolve("log");
        LogDirectory.Segment first;
        LogDirectory.Segment second;
        LogDirectory d = new LogDirectory(dir, 0x1234L, 3, 4, false, 0, 0, SEGMENT, SEGMENT, Long.MAX_VALUE);
        try {
            first = d.newSegment(0);
            second = d.newSegment(1);
            d.retire(first);
            d.closeSegment(second); // as a lane's finish() does when its log closes
        } finally {
            d.close();
        }
        // Whichever thread retired it, once: then one segment's bytes kept, the newest.
        assertThat(d.retiredByPreparer() + d.retiredAtClose()).isEqualTo(1);
        assertThat(first.path).doesNotExist();
        assertThat(LogDirectory.segments(dir)).containsExactly(second.path);
    }

    /**
     * The race behind a CI failure of the test above: a retention pass on the preparer that saw the older segment as
     * still open (retired, not yet stamped) and the newer one as closed deleted the newer and kept the older. Before
     * the fix about 1 in 175 rounds lost the newer segment; 300 rounds take about a second.
     */
    @Test
    void theRetentionNeverKeepsAnOlderSegmentOverANewerOneItRetiredBefore() throws Exception {
        for (int round = 0; round < 300; round++) {
            Path dir = tmp.resolve("log" + round);
            LogDirectory.Segment first;
            LogDirectory.Segment second;
            LogDirectory d = new LogDirectory(dir, 0x1234L, 3, 4, false, 0, 0, SEGMENT, SEGMENT, Long.MAX_VALUE);
            try {
                first = d.newSegment(0);
                second = d.newSegment(1);
                d.retire(first);
                d.closeSegment(second);
            } finally {
                d.close();
            }
            assertThat(LogDirectory.segments(dir)).as("round %d", round).containsExactly(second.path);
        }
    }

    @Test
    void withThePreparerOffALaneRetiresItsSegmentAndAppliesTheRetentionItself() throws Exception {
        Path dir = tmp.resolve("log");
        System.setProperty(LogDirectory.PREPARE_PROP, "false");
        try (LogDirectory d = new LogDirectory(dir, 0x1234L, 3, 4, false, 0, 0, SEGMENT, SEGMENT, Long.MAX_VALUE)) {
            LogDirectory.Segment first = d.newSegment(0);
            d.retire(first);
            LogDirectory.Segment second = d.newSegment(0);
            // No other thread: done by the time the calls return.
            assertThat(first.path).doesNotExist();
            assertThat(d.segmentsDeleted()).isEqualTo(1);
            assertThat(d.retiredByPreparer()).isZero();
            d.closeSegment(second);
        } finally {
            System.clearProperty(LogDirectory.PREPARE_PROP);
        }
    }

    private static LogDirectory open(Path dir) throws IOException {
        return new LogDirectory(dir, 0x1234L, 3, 4, false, 0, 0, SEGMENT, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /** Waits until a segment is prepared (published, not only being made) and returns its file. */
    private static Path awaitSpare(LogDirectory d, Path dir) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            List<Path> s = spares(dir);
            if (d.spareReady() && s.size() == 1) {
                return s.get(0);
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no prepared segment in " + dir + " after 30 s: " + spares(dir));
    }

    private static List<Path> spares(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith(".next-segment-")).collect(
                Collectors.toList());
        }
    }

    private static long headerMagic(Path segment) throws IOException {
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
            ch.read(b, LogDescriptor.H_MAGIC);
            return b.flip().getLong();
        }
    }
}
