package io.freshet.examples;

import io.freshet.kafka.CompareReport;
import io.freshet.kafka.CutoverCriteria;
import io.freshet.kafka.FeaturePipeline;
import io.freshet.kafka.Migration;
import io.freshet.kafka.MigrationException;
import io.freshet.kafka.MigrationPhase;
import io.freshet.kafka.MigrationProgress;
import io.freshet.kafka.MigrationStart;
import java.io.PrintStream;

/**
 * The demo's {@code --migrate-after}: migrates {@link RiskFeatures#USER_RISK} to {@link RiskFeatures#USER_RISK_V2}
 * while traffic continues — a shadow store built from the topic's start, its progress on a status line each second,
 * then the compare summary, then the promote, after which {@code /features/{user}} shows {@code amount_24h}.
 *
 * <p>Threading: the demo's status loop, once a second.
 */
final class DemoMigration {
    private final FeaturePipeline pipeline;
    private final DemoStoreDirectory stores;
    private final long capacity;
    private final PrintStream out;
    private Migration migration;
    private boolean promoted;

    DemoMigration(FeaturePipeline pipeline, DemoStoreDirectory stores, long capacity, PrintStream out) {
        this.pipeline = pipeline;
        this.stores = stores;
        this.capacity = capacity;
        this.out = out;
    }

    /** Starts the migration, or prints its progress, its compare and promotes it once READY. */
    void tick() {
        if (promoted) {
            return;
        }
        if (migration == null) {
            out.printf("migration: building user_risk v2 (+amount_24h, txn_5m over 10 min) in %s from the log start%n",
                stores.nextStoreDir());
            migration = pipeline.migrate(RiskFeatures.USER_RISK, RiskFeatures.USER_RISK_V2, stores.engine(),
                stores.nextConfig(capacity)).from(MigrationStart.logStart()).start();
            return;
        }
        MigrationProgress p = migration.progress();
        out.printf("migration: %s %,d/%,d records (%.0f%%) %,.0f rec/s ETA %s lag %,d%n", p.phase(), p.done(),
            p.toDo(), p.percentDone(), p.recordsPerSecond(), p.eta() == null ? "?" : p.eta().toSeconds() + " s",
            p.lagRecords());
        if (p.phase() == MigrationPhase.FAILED) {
            out.println("migration: stopped: " + migration.failure().getMessage());
            promoted = true;
            return;
        }
        if (p.phase() != MigrationPhase.READY) {
            return;
        }
        CompareReport r = migration.compareRecent(500);
        out.println("migration: " + r.toString().replace("\n", "\nmigration: "));
        try {
            // Live traffic moves both stores between two reads of a compare: allow a little.
            migration.promote(new CutoverCriteria(true, 5_000, 500, 0.02));
            promoted = true;
            out.println("migration: promoted; /features/{user} now serves v2 with amount_24h");
        } catch (MigrationException e) {
            out.println("migration: " + e.getMessage() + " (retrying next second)");
        }
    }

    /** Shows the migration's progress on the live page (nothing before it starts). */
    void reportTo(LiveSeries series) {
        if (migration == null) {
            return;
        }
        MigrationProgress p = migration.progress();
        series.backfill(new LiveSeries.Backfill(p.done(), p.toDo(), migration.isPromoted() ? "PROMOTED"
            : p.phase().name()));
    }

    /** @return true once the new definition serves the reads */
    boolean promoted() {
        return migration != null && migration.isPromoted();
    }
}
