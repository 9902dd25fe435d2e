package io.freshet.benchmarks;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a JMH benchmark (or every benchmark of a class) as a hot path that must allocate nothing. The smoke run of
 * {@code mvn verify} fails the build when such a benchmark reports {@code gc.alloc.rate.norm} of
 * {@value SmokeCheck#MAX_HOT_PATH_ALLOC_BYTES_PER_OP} B/op or more (see {@link SmokeCheck}). Put it on benchmarks that
 * measure a path the product runs per event or per read (apply, read, decode, hand-off), not on peers or baselines.
 *
 * <p>Allocation is deterministic, so this check cannot flake the way a timing assertion would; the benchmark itself
 * must be written so that its own harness code does not allocate either (pre-built events, pre-boxed keys).
 *
 * <p>Time is guarded as a ratio only: {@link LatencyGuard} runs each such benchmark beside its peer in one JVM (a pair
 * in {@link LatencyPairs}) and fails the build when the ratio exceeds twice its committed baseline; a benchmark marked
 * here without a pair fails the build too.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface HotPath {
    /** @return why this path must not allocate, for the smoke report (optional) */
    String value() default "";
}
