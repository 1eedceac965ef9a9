package tollgate.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Label values and HELP text escaped as the text format 0.0.4 says (protocols-2.md): the line feed no config name can hold. */
class ExpositionTest {
    @Test
    void labelValues_escapeBackslashQuoteAndLineFeed_only() {
        assertEquals("{a=\"x\\\\y\\\"z\\nw\tv\",b=\"\"}", Exposition.labels("a", "x\\y\"z\nw\tv", "b", ""));
        assertEquals("", Exposition.labels());
    }

    @Test
    void helpText_escapesBackslashAndLineFeed_andValuesAreGoFloats() {
        String page = new Exposition().family("m_total", "counter", "a \\ b\nc \"d\"")
                .sample("m_total", "", 3).sample("m_total", "{k=\"v\"}", 0.25).sample("m_total", "{k=\"w\"}", Double.POSITIVE_INFINITY)
                .sample("m_total", "{k=\"u\"}", "le", "+Inf", 7).toString();
        assertEquals("# HELP m_total a \\\\ b\\nc \"d\"\n# TYPE m_total counter\nm_total 3\nm_total{k=\"v\"} 0.25\n"
                + "m_total{k=\"w\"} +Inf\nm_total{k=\"u\",le=\"+Inf\"} 7\n", page);
    }
}
