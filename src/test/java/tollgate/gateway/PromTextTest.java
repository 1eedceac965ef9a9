package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The test's strict parser fails where the format is broken: otherwise the metrics tests could not fail. */
class PromTextTest {
    static final String HEAD = "# HELP x_total An x.\n# TYPE x_total counter\n";
    static final String H = "# HELP h A histogram.\n# TYPE h histogram\n";

    static void rejects(String text, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PromText.parse(text));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void aGoodPage_parses_andUnescapes() {
        PromText p = PromText.parse(HEAD + "x_total{a=\"q\\\"b\\\\c\\nd\"} 3\n" + H
                + "h_bucket{le=\"0.1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.3\nh_count 2\n");
        assertEquals(3, p.value("x_total", "a", "q\"b\\c\nd"));
        assertEquals(2, p.value("h_count"));
    }

    @Test
    void brokenPages_areRejected() {
        rejects("x_total 1\n" + HEAD, "no family declared");
        rejects(HEAD + "x_total{a=\"\\t\"} 1\n", "bad escape");
        rejects(HEAD + "x_total{a=\"b\"} 1", "does not end");
        rejects(HEAD + "x_total 1.0E-4x\n", "not a float");
        rejects(HEAD + "x_total 1\nx_total 2\n", "a series twice");
        rejects("# HELP x An x.\n# TYPE x counter\nx 1\n", "not named *_total");
        rejects(HEAD + "x_total 1\n" + H + "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\nx_total{a=\"1\"} 1\n", "not contiguous");
        rejects(H + "h_bucket{le=\"0.1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "not cumulative");
        rejects(H + "h_bucket{le=\"0.1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", "!= _count");
        rejects(H + "h_bucket{le=\"0.1\"} 1\nh_sum 1\nh_count 1\n", "no +Inf");
        rejects(HEAD + "x_total{1a=\"b\"} 1\n", "bad label name");
        rejects(HEAD + "# TYPE x_total counter\nx_total 1\n", "a second TYPE");
    }
}
