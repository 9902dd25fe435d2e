package io.freshet.store.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshet.core.StoreOpenState;
import io.freshet.core.spi.RowBuffer;
import io.freshet.core.spi.RowStore;
import io.freshet.core.spi.ShardWriter;
import io.freshet.store.TableStoreEngine;
import io.freshet.store.internal.table.TableStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery of the table engine is itself killed, again and again, and still loses no committed row. A child writer
 * leaves unfinished work in every shard ({@link TableChild}'s {@code hold} mode: an apply in flight over a half
 * garbled row, a backward-shift eviction killed halfway, an insert never published, an insert published but not
 * committed). Then, round after round on a copy of that state, children open (= recover) the store under a debugger
 * that SIGKILLs each at the k-th line it executes inside one phase of the recovery ({@code TableStore.prepareWriter}):
 * {@code Shard.finishInterruptedShift} (with the {@code shiftFrom} it finishes), {@code Shard.rebuild} (with its
 * {@code ShardIndexScan}),
 * {@code TableRecovery.rollBackInFlightApply} (with the {@code UndoRecovery.rollBack} decision, the row work it
 * calls back, the {@code deleteAt}, {@code shiftFrom}, {@code allocate}, {@code publish} and
 * {@code UndoSlots.clear}), {@code Shard.evenOutVersions}, or anywhere in
 * {@code prepareWriter}. k is drawn (seeded) uniformly from the lines that phase runs in the store's current state,
 * which the child counts first by recovering a scratch copy under the same breakpoints, so every kill lands inside
 * its phase. Lines in a loop over every index entry or version word are kill points for their first
 * {@value #LOOP_LINE_LIMIT} runs only (each run is a debugger round trip); what those loops write is per entry or per
 * word and the same on every run. At the end of each round this JVM recovers the store and finds every row byte for
 * byte, the size, the offsets, every unfinished apply rolled back and the evicted key gone, and the store goes on
 * taking applies.
 *
 * <p>Unlike a watcher thread sampling the stack (the Chronicle engine's test), a breakpoint lands inside phases that
 * last microseconds: finishing a shift, rolling back one row. The test found the engine's backward-shift deletion
 * stopping at the first entry that could not move, which cut later entries of the cluster off from their homes
 * (see {@code TableStoreTest.evictingKeysInsertedFirstLeavesEveryLaterKeyReachable}).
 */
class TableRecoveryKillTest {
    static final long KEYS = 20_000;
    static final int ROUNDS = 5;
    static final long SEED = 0x7AB1EL;
    static final String TABLE_STORE = "io.freshet.store.internal.table.TableStore";
    static final String SHARD = "io.freshet.store.internal.table.Shard";
    static final String SCAN = "io.freshet.store.internal.table.ShardIndexScan";
    static final String RECOVERY = "io.freshet.store.internal.table.TableRecovery";
    static final String UNDO_RECOVERY = "io.freshet.store.internal.UndoRecovery";
    static final String UNDO = "io.freshet.store.internal.UndoSlots";
    static final String OFFSETS = "io.freshet.store.internal.OffsetTable";
    /** Per line: a line in a loop over every entry or version word stops the child this many times at most. */
    static final int LOOP_LINE_LIMIT = 6;

    /** A phase of recovery: the method that must be on the stack, and per class the methods whose lines count in it. */
    record Phase(String name, Map<String, String[]> methods) {
    }

    static final String[] ROLL_BACK_METHODS = {"rollBackInFlightApply", "restore", "delete", "hash", "find",
        "clearUndo"};
    static final Phase FINISH_SHIFT = new Phase("finishInterruptedShift",
        Map.of(SHARD, new String[] {"finishInterruptedShift", "shiftFrom"}));
    static final Phase REBUILD = new Phase("rebuild", Map.of(SHARD, new String[] {"rebuild"},
        SCAN, new String[] {"run", "checkSlots"}));
    static final Phase ROLL_BACK = new Phase("rollBackInFlightApply", Map.of(RECOVERY, ROLL_BACK_METHODS,
        UNDO_RECOVERY, new String[] {"rollBack"}, SHARD, new String[] {"deleteAt", "shiftFrom", "allocate", "publish"},
        UNDO, new String[] {"clear"}));
    static final Phase EVEN_OUT = new Phase("evenOutVersions", Map.of(SHARD, new String[] {"evenOutVersions"}));
    static final Phase WHOLE = new Phase("prepareWriter", Map.of(TABLE_STORE, new String[] {"prepareWriter"},
        RECOVERY, ROLL_BACK_METHODS, UNDO_RECOVERY, new String[] {"rollBack"},
        SHARD, new String[] {"finishInterruptedShift", "shiftFrom", "rebuild", "deleteAt", "allocate", "publish",
            "evenOutVersions"},
        SCAN, new String[] {"run", "checkSlots"}, UNDO, new String[] {"clear"}));

    @TempDir
    Path tmp;

    /** Shards and keys of the held state (see {@link TableChild}). */
    record Roles(int held, int evicting, int unpublished, int published, long doomed, long pending, long committing,
        int moves) {
        static Roles parse(String line) {
            String[] f = line.split(" ");
            return new Roles(Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                Integer.parseInt(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]), Long.parseLong(f[7]),
                Integer.parseInt(f[8]));
        }
    }

    private DebuggedChild child(String... args) throws IOException {
        return DebuggedChild.start(tmp.resolve("stderr-" + System.nanoTime() + ".txt"), args);
    }

    @Test
    @Timeout(300)
    void killsDuringRecoveryLoseNoCommittedRow() throws Exception {
        killRecoveries();
    }

    /**
     * The same with row checks: the unfinished work of the held state (an insert whose check was written before its
     * entry, an eviction halfway) and every kill inside the recovery's own roll-backs must open, never be taken for
     * damage (a free slot whose check holds is explained by the one operation a kill interrupted).
     */
    @Test
    @Tag("soak")
    @Timeout(300)
    void killsDuringRecoveryOfAStoreWithRowChecksLoseNoCommittedRow() throws Exception {
        TableChild.rowChecks = true;
        try {
            killRecoveries();
        } finally {
            TableChild.rowChecks = false;
        }
    }

    private void killRecoveries() throws Exception {
        Random random = new Random(SEED);
        Path held = tmp.resolve("held");
        Roles roles = hold(held, random);
        int halted = 0;
        int cycles = 0;
        List<String> log = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            Path store = TableChild.copyStore(held, tmp.resolve("round-" + round));
            // A shift is pending only until a recovery gets past it, and the applies in flight only until one gets
            // past its roll-backs: start each round with kills inside them (each kill lands in what the last one
            // left to do), then kill in every phase in a random order.
            List<Phase> order = new ArrayList<>(List.of(REBUILD, ROLL_BACK, EVEN_OUT, WHOLE));
            Collections.shuffle(order, random);
            order.addAll(0, List.of(FINISH_SHIFT, FINISH_SHIFT, ROLL_BACK, ROLL_BACK));
            for (Phase phase : order) {
                String outcome = haltIn(store, phase, random);
                log.add("round " + round + " " + phase.name() + " " + outcome);
                cycles++;
                if (outcome.startsWith("killed at")) {
                    halted++;
                }
            }
            verify(store, roles, "round " + round + " " + log);
        }
        System.out.println("TableRecoveryKillTest: " + roles + ", " + halted + " of " + cycles
            + " recoveries killed inside their phase: " + String.join("; ", log));
        assertThat(halted).as("recoveries killed inside their phase (the counting pass and the killed one run the "
            + "same lines): " + log).isEqualTo(cycles);
    }

    /**
     * Runs the {@code hold} child and kills it inside the shift of its eviction, at a random one of the shift's
     * first lines; checks that the files hold the four kinds of unfinished work.
     */
    private Roles hold(Path store, Random random) throws Exception {
        Roles roles;
        try (DebuggedChild c = child("hold", store.toString(), Long.toString(KEYS))) {
            c.go();
            roles = Roles.parse(c.expectLine("ROLES"));
            assertThat(roles.moves()).as("entries the doomed key's deletion moves").isGreaterThanOrEqualTo(3);
            c.expectLine("COMMIT");
            c.breakInMethods(OFFSETS, "put", "putAt");
            c.go();
            DebuggedChild.Stop commit = c.runUntil(s -> s.thread().name().equals(TableChild.COMMIT_THREAD));
            assertThat(commit).as("the commit thread stopped before advancing its offset").isNotNull();
            c.clearBreakpoints();
            c.breakInMethods(SHARD, "shiftFrom");
            c.expectLine("EVICT");
            c.go();
            // A shift step is at least 8 lines: stop within the steps, before the hole is cleared.
            int k = 1 + random.nextInt(8 * roles.moves());
            int[] seen = {0};
            DebuggedChild.Stop stop = c.runUntil(s -> s.inMethod("evictIdle") && ++seen[0] == k);
            assertThat(stop).as("the eviction's shift ran fewer than " + k + " lines, fewer than the " + roles.moves()
                + " moves TableChild's model of the deletion predicts; stderr: " + c.stderrText()).isNotNull();
            c.kill();
        }
        ByteBuffer control = read(store.resolve("table.fst"), 4096 + 64L * roles.evicting(), 24);
        assertThat(control.getLong(8) & 1).as("structure version odd: a shift in progress").isEqualTo(1);
        assertThat(control.getLong(16)).as("the shift's logged hole").isNotZero();
        ByteBuffer metaHeader = read(store.resolve("meta.fst"), 0, 64);
        int undoSlotBytes = metaHeader.getInt(60);
        for (int shard = 0; shard < TableChild.SHARDS; shard++) {
            long state = read(store.resolve("meta.fst"), 4096 + (long) shard * undoSlotBytes, 8).getLong(0);
            assertThat(state).as("undo slot of shard " + shard + " active").isEqualTo(
                shard == roles.evicting() ? io.freshet.store.internal.MetaFileDescriptor.UNDO_IDLE
                    : io.freshet.store.internal.MetaFileDescriptor.UNDO_ACTIVE);
        }
        return roles;
    }

    /**
     * Opens the store in a child under the debugger and kills it at the k-th line it executes among the phase's
     * methods with the phase's method on the stack, k drawn uniformly from the lines the phase runs in this state of
     * the store: the child first recovers a copy while the debugger counts them.
     *
     * @return what happened, for the log
     */
    private String haltIn(Path store, Phase phase, Random random) throws Exception {
        Path scratch = tmp.resolve("count-" + System.nanoTime());
        try (DebuggedChild c = child("open", store.toString(), Long.toString(KEYS), scratch.toString())) {
            for (Map.Entry<String, String[]> m : phase.methods().entrySet()) {
                c.breakInMethods(m.getKey(), m.getValue());
            }
            c.breakInMethods(TableChild.class.getName(), "passDone");
            c.go();
            PhaseLines counting = new PhaseLines(phase, Integer.MAX_VALUE);
            DebuggedChild.Stop between = c.runUntil(counting);
            assertThat(between).as("counting pass of " + phase.name() + ": " + c.stderrText()).isNotNull();
            int lines = counting.seen;
            assertThat(lines).as("lines of " + phase.name()).isPositive();
            int k = 1 + random.nextInt(lines);
            PhaseLines killing = new PhaseLines(phase, k);
            c.resume(between);
            DebuggedChild.Stop stop = c.runUntil(killing);
            if (stop != null) {
                String where = stop.toString();
                c.kill();
                return "killed at line " + k + " of " + lines + ", " + where;
            }
            String line = c.readLine();
            while (line != null && line.equals("COUNTED")) {
                line = c.readLine();
            }
            int exit = c.waitForExit();
            assertThat(line).as(phase.name() + ": " + c.stderrText()).startsWith("OPENED");
            assertThat(exit).isZero();
            return "recovered after " + killing.seen + " of " + lines + " lines (k=" + k + ")";
        }
    }

    /** Counts the lines run in a phase on the main thread; stops at the k-th, or at the end of a counting pass. */
    private static final class PhaseLines implements DebuggedChild.Breakpoints {
        private final Phase phase;
        private final int k;
        int seen;

        PhaseLines(Phase phase, int k) {
            this.phase = phase;
            this.k = k;
        }

        @Override
        public boolean stopHere(DebuggedChild.Stop s) {
            if (s.location().method().name().equals("passDone")) {
                // Ends the counting pass; passDone's later lines, after the debugger resumed it, do not count.
                return k == Integer.MAX_VALUE;
            }
            return s.thread().name().equals("main") && s.inMethod(phase.name()) && ++seen == k;
        }

        @Override
        public int perLocationLimit() {
            return LOOP_LINE_LIMIT;
        }
    }

    private static void verify(Path store, Roles roles, String what) {
        System.setProperty(TableStore.READ_STALL_PROP_NAME, "200");
        try (RowStore s = new TableStoreEngine().open(TableChild.config(store, KEYS))) {
            assertThat(s.openState()).isEqualTo(StoreOpenState.RECOVERED);
            RowBuffer row = RowBuffer.allocateHeap(TableChild.ROW_BYTES);
            RowBuffer expected = TableChild.expectedRow(1);
            List<Long> lost = new ArrayList<>();
            List<Long> wrong = new ArrayList<>();
            long[] lastOffset = new long[TableChild.SHARDS];
            Arrays.fill(lastOffset, ShardWriter.NO_OFFSET);
            for (long k = 0; k < KEYS; k++) {
                if (!s.readRow(k, row)) {
                    lost.add(k);
                } else if (!row.contentEquals(expected, TableChild.ROW_BYTES)) {
                    wrong.add(k);
                }
                lastOffset[s.shardOf(k)] = k;
            }
            assertThat(lost).as("rows lost (shards " + lost.stream().map(s::shardOf).toList() + "): " + what)
                .isEmpty();
            assertThat(wrong).as("rows changed: " + what).isEmpty();
            assertThat(s.readRow(roles.doomed(), row)).as("the evicted key").isFalse();
            assertThat(s.readRow(roles.pending(), row)).as("the insert never committed").isFalse();
            assertThat(s.readRow(roles.committing(), row)).as("the insert killed mid-commit").isFalse();
            assertThat(s.size()).isEqualTo(KEYS);
            int topic = s.topicIndex(TableChild.TOPIC);
            for (int shard = 0; shard < TableChild.SHARDS; shard++) {
                assertThat(s.appliedOffset(shard, topic, 0)).as("offset of shard " + shard + ": the applies in "
                    + "flight rolled back").isEqualTo(lastOffset[shard]);
            }
            // The store goes on: the rolled-back record applies again, and each shard takes a new key.
            ShardWriter w = s.writer(roles.held());
            assertThat(w.begin(TableChild.HELD_KEY, topic, 0, KEYS)).isEqualTo(ShardWriter.BEGIN_OK);
            TableChild.bump(w.row());
            w.commit();
            assertThat(s.readRow(TableChild.HELD_KEY, row)).isTrue();
            assertThat(row.contentEquals(TableChild.expectedRow(2), TableChild.ROW_BYTES)).isTrue();
            for (long key : new long[] {roles.doomed(), roles.pending(), roles.committing()}) {
                ShardWriter x = s.writer(s.shardOf(key));
                assertThat(x.begin(key, topic, 0, KEYS + 1)).isEqualTo(ShardWriter.BEGIN_OK);
                TableChild.bump(x.row());
                x.commit();
            }
            assertThat(s.size()).isEqualTo(KEYS + 3);
        } finally {
            System.clearProperty(TableStore.READ_STALL_PROP_NAME);
        }
    }

    private static ByteBuffer read(Path file, long position, int bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, position);
            return b;
        }
    }
}
