package io.freshet.examples;

import io.freshet.core.FeatureRef;
import io.freshet.core.FeatureTestDriver;
import io.freshet.core.FeatureVector;
import java.time.Duration;
import java.time.Instant;

/**
 * Runs the user-risk features over two simulated hours of synthetic payments, entirely in memory through
 * {@link FeatureTestDriver} (the same compiled kernels the Kafka pipeline runs), and prints the vectors of the most
 * active users, a risky user and an unknown one.
 *
 * <p>Usage: {@code CoreDemo [--events N] [--users N] [--seed N]}.
 */
public final class CoreDemo {
    private CoreDemo() {
    }

    /**
     * @param args options
     */
    public static void main(String[] args) {
        long events = 200_000;
        int users = 10_000;
        long seed = 42;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--events":
                    events = Long.parseLong(args[i + 1]);
                    break;
                case "--users":
                    users = Integer.parseInt(args[i + 1]);
                    break;
                case "--seed":
                    seed = Long.parseLong(args[i + 1]);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[i]
                        + "; use --events N --users N --seed N");
            }
        }
        long startMs = Instant.parse("2026-11-25T08:00:00Z").toEpochMilli();
        long spanMs = Duration.ofHours(2).toMillis();
        FeatureTestDriver<Payment> driver = FeatureTestDriver.create(RiskFeatures.USER_RISK, startMs);
        PaymentGenerator gen = new PaymentGenerator(seed, users, 1.1);
        long late = 0;
        long t0 = System.nanoTime();
        for (long i = 0; i < events; i++) {
            long now = startMs + i * spanMs / events;
            driver.setTime(now);
            if (driver.pipe(gen.next(now)) == FeatureTestDriver.APPLIED_LATE) {
                late++;
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("Freshet core demo: %,d payments over 2 simulated hours for %,d users, applied in %.2f s "
            + "(%,.0f events/s through the in-memory test driver)%n", events, users, seconds, events / seconds);
        System.out.printf("keys=%,d applied=%,d late-for-some-window=%,d rejected=%,d%n%n", driver.keyCount(),
            driver.appliedCount(), late, driver.rejectedCount());

        driver.advance(Duration.ofSeconds(30));
        print(driver, 1, "the most active user");
        print(driver, 2, "the second most active user");
        print(driver, 97, "a risky user (more declines)");
        driver.advance(Duration.ofMinutes(90));
        print(driver, 97, "the same user 90 minutes later: windows have slid, decay has set in");
        print(driver, 999_999_999, "an unknown user");
    }

    private static void print(FeatureTestDriver<Payment> driver, long user, String who) {
        FeatureVector v = driver.read(user);
        System.out.printf("user %d, %s: status=%s%n", user, who, v.status());
        for (FeatureRef ref : RiskFeatures.USER_RISK.refs()) {
            StringBuilder value = new StringBuilder();
            if (ref.vectorWidth() > 1) {
                value.append('[');
                for (int i = 0; i < v.size(ref); i++) {
                    value.append(i == 0 ? "" : ", ").append(v.getLong(ref, i));
                }
                value.append(']');
            } else if (!v.isPresent(ref)) {
                value.append("missing");
            } else if (ref.kind().valueType() == io.freshet.core.FeatureKind.ValueType.LONG) {
                value.append(v.getLong(ref));
            } else {
                value.append(String.format("%.3f", v.getDouble(ref)));
            }
            long age = v.ageMs(ref);
            System.out.printf("  %-22s %-36s %s%n", ref.name(), value, age < 0 ? "" : "age " + age / 1000 + " s");
        }
        System.out.println();
    }
}
