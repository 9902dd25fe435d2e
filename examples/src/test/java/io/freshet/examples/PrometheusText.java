package io.freshet.examples;

/** Reads one sample out of a Prometheus text-format scrape (test code: no parser library needed for this). */
final class PrometheusText {
    private PrometheusText() {
    }

    /**
     * @param scrape the text format
     * @param name the sample's name
     * @param labels label pairs the sample must carry, e.g. {@code set="user_risk"}; none for any
     * @return the value of the first sample of that name with those labels
     * @throws AssertionError when there is none (with the names the scrape has)
     */
    static double value(String scrape, String name, String... labels) {
        double[] found = scan(scrape, name, labels);
        if (found[1] == 0) {
            throw missing(scrape, name, labels);
        }
        return found[0];
    }

    /**
     * @param scrape the text format
     * @param name the samples' name
     * @param labels label pairs every sample summed must carry
     * @return the sum of the values of every sample of that name with those labels
     * @throws AssertionError when there is none
     */
    static double sum(String scrape, String name, String... labels) {
        double total = 0;
        int n = 0;
        for (String line : scrape.split("\n")) {
            double[] one = scan(line, name, labels);
            if (one[1] > 0) {
                total += one[0];
                n++;
            }
        }
        if (n == 0) {
            throw missing(scrape, name, labels);
        }
        return total;
    }

    /** @return {value of the first match, 1} or {0, 0} when no line matches */
    private static double[] scan(String scrape, String name, String... labels) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                continue;
            }
            int close = line.lastIndexOf('}');
            String labelText = close < 0 ? "" : line.substring(name.length(), close + 1);
            boolean all = true;
            for (String l : labels) {
                all &= labelText.contains(l);
            }
            if (all) {
                return new double[] {
                    Double.parseDouble(line.substring(close < 0 ? name.length() : close + 1).trim().split(" ")[0]), 1};
            }
        }
        return new double[] {0, 0};
    }

    private static AssertionError missing(String scrape, String name, String... labels) {
        StringBuilder names = new StringBuilder();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                names.append(' ').append(line.split(" ")[2]);
            }
        }
        return new AssertionError("no sample " + name + " with " + String.join(",", labels) + " in the scrape; it has:"
            + names);
    }
}
