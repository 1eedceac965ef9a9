package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's Configuration and Endpoints tables name every setting and route issue 13 added
 * (parts written in parallel each documented theirs in a section of its own; the tables are where
 * a reader looks them up).
 */
class ReadmeTablesTest {
    static String section(String readme, String heading) {
        int start = readme.indexOf("\n## " + heading + "\n");
        assertTrue(start >= 0, "README has no section " + heading);
        int end = readme.indexOf("\n## ", start + 4);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    /** The first cells of the section's table rows. */
    static List<String> firstCells(String section) {
        List<String> out = new ArrayList<>();
        for (String line : section.split("\n")) {
            if (!line.startsWith("| ") || line.startsWith("|---")) continue;
            out.add(line.substring(2, line.indexOf(" |", 2)));
        }
        return out;
    }

    static void assertRow(List<String> cells, String name, String table) {
        // The name as a whole word of the cell: "/admin/stats" is not "/admin/statsx", "/" not "/v1".
        java.util.regex.Pattern word = java.util.regex.Pattern.compile("(?<=[ `])" + java.util.regex.Pattern.quote(name) + "(?=[`,? ])");
        assertTrue(cells.stream().anyMatch(c -> word.matcher(c).find()),
                () -> "the README's " + table + " table has no row for " + name + ": " + cells);
    }

    @Test
    void configurationTable_namesEveryNewSetting() throws Exception {
        List<String> cells = firstCells(section(Files.readString(Path.of("README.md")), "Configuration"));
        for (String k : MetricsConfig.KEYS) assertRow(cells, "metrics." + k, "Configuration");
        for (String k : List.of("telemetry", "server.tls", "server.cors", "providers.<id>.discover")) {
            assertRow(cells, k, "Configuration");
        }
    }

    @Test
    void endpointsTable_namesEveryNewRoute() throws Exception {
        List<String> cells = firstCells(section(Files.readString(Path.of("README.md")), "Endpoints"));
        for (String route : List.of("/", "/dashboard", "/metrics", "/admin/stats", "/admin/requests", "/admin/routing",
                "/admin/reload")) {
            assertRow(cells, route, "Endpoints");
        }
    }
}
