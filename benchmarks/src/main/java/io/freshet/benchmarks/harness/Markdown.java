package io.freshet.benchmarks.harness;

/** The text of {@code RESULTS.md} as {@link ResultsReport}'s sections write it, line by line. Single-threaded. */
final class Markdown {
    private final StringBuilder text = new StringBuilder();

    /** @param s one line, without its line feed */
    void line(String s) {
        text.append(s).append('\n');
    }

    /**
     * Starts a section: its heading, then, when it has nothing to show, the line that says why.
     *
     * @param heading the heading line
     * @param present whether the section has content
     * @param absent what to write instead of the content
     * @return {@code present}: whether the caller writes the content
     */
    boolean section(String heading, boolean present, String absent) {
        line(heading);
        line("");
        if (!present) {
            line(absent);
            line("");
        }
        return present;
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
