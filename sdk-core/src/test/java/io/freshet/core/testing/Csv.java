package io.freshet.core.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads back the CSV that {@code TrainingSet.writeCsv} writes, for the tests of freshet-kafka and freshet-parquet
 * (this module's test-jar is on both test class paths): one reader, so that the CSV the tests compare against is
 * parsed the same way everywhere.
 *
 * <p>Stateless and thread-safe; allocates freely (test code).
 */
public final class Csv {
    private Csv() {
    }

    /**
     * The RFC 4180 fields of one line: a field in double quotes may hold commas, and a doubled quote inside it stands
     * for one quote. Line breaks inside quoted fields are not handled: the training rows never hold one.
     *
     * @param line one line, without its line break
     * @return its fields, in order; one empty field for an empty line
     */
    public static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        out.add(cell.toString());
        return out;
    }
}
