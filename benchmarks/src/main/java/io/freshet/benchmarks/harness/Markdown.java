package io.freshet.benchmarks.harness;

/** The text of {@code RESULTS.md} as {@link ResultsReport}'s sections write it, line by line. Single-threaded. */
final class Markdown {
    private final StringBuilder text = new StringBuilder();

    /** @param s one line, without its line feed */
    void line(String s) {
        text.append(s).append('\n');
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
