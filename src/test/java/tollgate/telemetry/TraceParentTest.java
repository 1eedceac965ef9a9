package tollgate.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** W3C Trace Context §3.2: what {@code traceparent} values join the caller's trace, and which start a new one. */
class TraceParentTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT = "00f067aa0ba902b7";

    @Test
    void aValidHeaderGivesTheTraceTheCallersSpanAndTheSampledFlag() {
        assertEquals(new TraceParent(TRACE, PARENT, true), TraceParent.parse("00-" + TRACE + "-" + PARENT + "-01"));
        assertEquals(new TraceParent(TRACE, PARENT, false), TraceParent.parse("00-" + TRACE + "-" + PARENT + "-00"));
        // trace-flags is a bit field: only bit 0 is "sampled"
        assertEquals(new TraceParent(TRACE, PARENT, true), TraceParent.parse("00-" + TRACE + "-" + PARENT + "-09"));
        assertEquals(new TraceParent(TRACE, PARENT, false), TraceParent.parse("00-" + TRACE + "-" + PARENT + "-08"));
        assertEquals(new TraceParent(TRACE, PARENT, true), TraceParent.parse("  00-" + TRACE + "-" + PARENT + "-01 "));
    }

    @Test
    void aLaterVersionIsReadAsVersion00WhenItsPrefixIsLaidOutTheSame() {
        assertEquals(new TraceParent(TRACE, PARENT, true), TraceParent.parse("01-" + TRACE + "-" + PARENT + "-01"));
        assertEquals(new TraceParent(TRACE, PARENT, true), TraceParent.parse("cc-" + TRACE + "-" + PARENT + "-01-what-follows"));
        assertNull(TraceParent.parse("cc-" + TRACE + "-" + PARENT + "-01what"));
    }

    @Test
    void invalidHeadersAreIgnored() {
        assertNull(TraceParent.parse(null));
        assertNull(TraceParent.parse(""));
        assertNull(TraceParent.parse("00-" + TRACE + "-" + PARENT + "-01-extra"), "version 00 is exactly 55 chars");
        assertNull(TraceParent.parse("ff-" + TRACE + "-" + PARENT + "-01"), "version ff is invalid");
        assertNull(TraceParent.parse("00-" + TRACE.toUpperCase() + "-" + PARENT + "-01"), "hex digits are lowercase");
        assertNull(TraceParent.parse("00-" + "0".repeat(32) + "-" + PARENT + "-01"), "all-zero trace id");
        assertNull(TraceParent.parse("00-" + TRACE + "-" + "0".repeat(16) + "-01"), "all-zero parent id");
        assertNull(TraceParent.parse("00-" + TRACE.substring(1) + "-" + PARENT + "-01"), "short trace id");
        assertNull(TraceParent.parse("00-" + TRACE + "-" + PARENT + "-0g"));
        assertNull(TraceParent.parse("00_" + TRACE + "_" + PARENT + "_01"));
    }
}
