package io.freshet.benchmarks.harness;

import static io.freshet.benchmarks.harness.ReportNumbers.dbl;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;

/**
 * {@link ResultsReport}'s plots, drawn with XChart into PNG files next to {@code RESULTS.md} from the same run's
 * files as its tables: read ns/op per subject (log scale), freshness percentiles per system (log scale) and ingest
 * records/s per system. Each method returns the Markdown line that shows its plot, or null when the run has no data
 * for it (the section then says so in text, as before). Single-threaded; headless (no display needed).
 */
final class ResultsCharts {
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 560;
    private static final Color[] PALETTE = {new Color(0x2563eb), new Color(0xd97706), new Color(0x059669),
        new Color(0x9333ea), new Color(0xb91c1c), new Color(0x0891b2)};
    private static final String[] FRESHNESS_PERCENTILES = {"p50", "p99", "p99.9", "max"};
    private static final String[] FRESHNESS_KEYS = {"p50Micros", "p99Micros", "p999Micros", "maxMicros"};

    private final Path dir;
    private final String link;

    /**
     * @param dir where the PNG files go (created when needed)
     * @param link the same directory as the Markdown file refers to it, e.g. {@code results}
     */
    ResultsCharts(Path dir, String link) {
        this.dir = dir;
        this.link = link;
    }

    /**
     * @param jmh JMH runs as parsed by {@link Json}
     * @return the image line of the read comparison: ns/op per subject and (keys, distribution) group, log scale
     */
    String reads(List<Map<String, Object>> jmh) throws IOException {
        Map<String, Map<String, double[]>> groups = new TreeMap<>();
        for (Map<String, Object> run : jmh) {
            String label = JmhTables.label(run, true);
            if (label != null) {
                groups.computeIfAbsent(JmhTables.group(run), g -> new LinkedHashMap<>())
                    .put(label, new double[] {JmhTables.score(run)});
            }
        }
        if (groups.isEmpty()) {
            return null;
        }
        // Subjects in the order of the first group, fastest first; a subject a group lacks is left without a bar.
        List<String> subjects = new ArrayList<>();
        Map<String, double[]> first = groups.values().iterator().next();
        first.entrySet().stream().sorted((a, b) -> Double.compare(a.getValue()[0], b.getValue()[0]))
            .forEach(e -> subjects.add(e.getKey()));
        Set<String> rest = new LinkedHashSet<>();
        groups.values().forEach(g -> rest.addAll(g.keySet()));
        rest.removeAll(subjects);
        subjects.addAll(rest);

        // No error bars: XChart draws them in linear pixels on a log axis; the table below has each ±.
        CategoryChart c = chart("Read one feature vector: ns per read (JMH average; log scale)", "ns per read",
            HEIGHT + 140);
        c.getStyler().setXAxisLabelRotation(90);
        List<String> names = new ArrayList<>();
        for (String s : subjects) {
            names.add(shortName(s));
        }
        int i = 0;
        double smallest = Double.MAX_VALUE;
        for (Map.Entry<String, Map<String, double[]>> g : groups.entrySet()) {
            List<Double> y = new ArrayList<>();
            for (String s : subjects) {
                double[] v = g.getValue().get(s);
                y.add(v == null || !(v[0] > 0) ? null : v[0]);
                if (v != null && v[0] > 0) {
                    smallest = Math.min(smallest, v[0]);
                }
            }
            c.addSeries(g.getKey(), names, y).setFillColor(PALETTE[i++ % PALETTE.length]);
        }
        logAxisFrom(c, smallest);
        return save(c, "reads.png", "Read one feature vector, ns per read (log scale)");
    }

    /**
     * @param r {@code freshness.json}, or null
     * @return the image line of the freshness distribution: p50, p99, p99.9 and max per system, µs, log scale
     */
    String freshness(Map<String, Object> r) throws IOException {
        if (r == null) {
            return null;
        }
        CategoryChart c = chart("Freshness at " + fmt(dbl(r.get("rate"))) + " events/s: produce \u2192 applied"
            + " (coordinated omission corrected; log scale)", "\u00b5s");
        List<String> xs = List.of(FRESHNESS_PERCENTILES);
        int i = 0;
        double smallest = Double.MAX_VALUE;
        for (Map<String, Object> row : HarnessTables.rows(r)) {
            List<Double> y = new ArrayList<>();
            boolean any = false;
            for (String k : FRESHNESS_KEYS) {
                Double v = dbl(row.get(k));
                y.add(v == null || v <= 0 ? null : v);
                if (v != null && v > 0) {
                    any = true;
                    smallest = Math.min(smallest, v);
                }
            }
            if (any) {
                c.addSeries(String.valueOf(row.get("system")), xs, y).setFillColor(PALETTE[i++ % PALETTE.length]);
            }
        }
        if (i == 0) {
            return null;
        }
        logAxisFrom(c, smallest);
        return save(c, "freshness.png", "Freshness percentiles per system, µs (log scale)");
    }

    /**
     * @param r {@code ingest.json}, or null
     * @return the image line of the ingest comparison: each system's fastest pass, records/s
     */
    String ingest(Map<String, Object> r) throws IOException {
        if (r == null) {
            return null;
        }
        List<String> systems = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        for (Map<String, Object> row : HarnessTables.rows(r)) {
            Double v = dbl(row.get("recordsPerSec"));
            if (v != null && v > 0) {
                systems.add(String.valueOf(row.get("system")));
                rates.add(v);
            }
        }
        if (systems.isEmpty()) {
            return null;
        }
        CategoryChart c = chart("Ingest from a pre-filled topic: " + fmt(dbl(r.get("records")))
            + " records, fastest pass per system", "records per second");
        c.getStyler().setLegendVisible(false);
        c.getStyler().setYAxisDecimalPattern("#,###");
        c.addSeries("records/s", systems, rates).setFillColor(PALETTE[0]);
        return save(c, "ingest.png", "Ingest records per second per system");
    }

    private static CategoryChart chart(String title, String yTitle) {
        return chart(title, yTitle, HEIGHT);
    }

    private static CategoryChart chart(String title, String yTitle, int height) {
        CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(height).title(title).yAxisTitle(yTitle)
            .build();
        CategoryStyler s = c.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(false);
        s.setLegendPosition(Styler.LegendPosition.InsideNW);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setLabelsVisible(true);
        s.setLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        s.setAvailableSpaceFill(0.8);
        return c;
    }

    /**
     * A bar chart's value axis starts at 0 unless told otherwise, which a log axis cannot show: start it at the power
     * of ten at or below the smallest bar.
     */
    private static void logAxisFrom(CategoryChart c, double smallest) {
        c.getStyler().setYAxisLogarithmic(true);
        // Plain numbers, not 1E7: the axis and the labels on the bars.
        c.getStyler().setYAxisDecimalPattern("#,##0.#");
        c.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(smallest))));
    }

    private String save(CategoryChart c, String file, String alt) throws IOException {
        Files.createDirectories(dir);
        BitmapEncoder.saveBitmap(c, dir.resolve(file).toString(), BitmapEncoder.BitmapFormat.PNG);
        return "![" + alt + "](" + link + "/" + file + ")";
    }

    /** A subject without its {@code (Class.method)} suffix: the table below the plot has the full name. */
    private static String shortName(String subject) {
        int paren = subject.lastIndexOf(" (");
        String shortened = paren < 0 ? subject : subject.substring(0, paren);
        String where = paren < 0 ? "" : subject.substring(paren + 2, subject.length() - 1);
        String cls = where.contains(".") ? where.substring(0, where.indexOf('.')) : where;
        return shortened + (cls.isEmpty() ? "" : " \u00b7 " + cls.replace("Benchmark", ""));
    }

    private static String fmt(Double d) {
        return d == null ? "?" : String.format(java.util.Locale.ROOT, "%,.0f", d);
    }
}
