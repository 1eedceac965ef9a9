package tollgate.telemetry;

/**
 * A W3C {@code traceparent} request header (W3C Trace Context, §3.2): the trace the client's
 * request belongs to and the client's own span, so that the gateway's span joins that trace as
 * its child.
 *
 * @param traceId      32 lowercase hex digits, not all zero
 * @param parentSpanId 16 lowercase hex digits, not all zero: the caller's span
 * @param sampled      the sampled flag (bit 0 of trace-flags)
 */
record TraceParent(String traceId, String parentSpanId, boolean sampled) {
    /** Length of a version-00 header: "00-" + 32 + "-" + 16 + "-" + 2. */
    static final int LENGTH = 55;

    /**
     * The header parsed, or null when absent or invalid: then the request starts a new trace
     * (§3.2.2.1 "If the vendor failed to parse traceparent, it MUST NOT attempt to parse
     * tracestate" and restarts the trace). Version 00 must be exactly {@link #LENGTH} chars; a
     * higher version is read as 00 when its first {@link #LENGTH} chars are laid out the same and
     * any rest starts with '-' (§3.2.4, forward compatibility); version ff is invalid. Only
     * lowercase hex digits are valid.
     */
    static TraceParent parse(String header) {
        if (header == null) return null;
        String h = header.strip();
        if (h.length() < LENGTH || h.charAt(2) != '-' || h.charAt(35) != '-' || h.charAt(52) != '-') return null;
        if (!hex(h, 0, 2) || h.startsWith("ff")) return null;
        if (h.startsWith("00") ? h.length() != LENGTH : h.length() > LENGTH && h.charAt(LENGTH) != '-') return null;
        if (!hex(h, 3, 35) || !hex(h, 36, 52) || !hex(h, 53, 55)) return null;
        String traceId = h.substring(3, 35);
        String parent = h.substring(36, 52);
        if (zeros(traceId) || zeros(parent)) return null;
        boolean sampled = (Character.digit(h.charAt(54), 16) & 1) == 1;
        return new TraceParent(traceId, parent, sampled);
    }

    private static boolean hex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
        }
        return true;
    }

    private static boolean zeros(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) != '0') return false;
        return true;
    }
}
