package tollgate.voice;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import tollgate.json.MemberScan;

/**
 * The policy's model and voice applied to one session (issue 11): the client's first
 * {@code session.update} is completed with them, and when the client's first message is anything
 * else, the gateway's own {@code session.update} goes upstream before it. Every later
 * {@code session.update} gets the model too (the model is what the session is priced at; the
 * client may not switch it) but keeps the client's voice.
 *
 * <p>Each client text message is scanned once for its top-level {@code type} without building a
 * tree ({@link MemberScan}); only a {@code session.update} is parsed and rewritten. Used by the
 * session's reader thread only.
 */
final class SessionUpdates {
    private static final byte[] SESSION_WORD = "session.update".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SESSION_UPDATE = "\"session.update\"".getBytes(StandardCharsets.US_ASCII);

    private final MemberScan scan = new MemberScan("type");
    private final String upstreamModel;
    private final String voice;
    private final boolean beta;
    private boolean first = true;
    private boolean voiceSet;

    SessionUpdates(String upstreamModel, String voice, boolean beta) {
        this.upstreamModel = upstreamModel;
        this.voice = voice;
        this.beta = beta;
    }

    /**
     * Whether {@code utf8} may be a {@code session.update}: its top-level {@code type} is the
     * literal {@code "session.update"}, or is written with an escape ({@code "session\u002eupdate"}
     * reads as the same string to any JSON parser upstream), or the object has a key written with
     * escapes or twice ({@link MemberScan#irregular()}). What may be one is parsed in full
     * ({@link SessionConfigs#complete}), so that no spelling gets a model past the gateway.
     */
    boolean isUpdate(byte[] utf8) {
        if (!mayBeUpdate(utf8)) return false;
        // Not one JSON object to the scan (too deep, a lone surrogate escape) but holding the
        // words or an escape: parsed in full too, so that it is refused rather than forwarded
        // unchecked to an upstream parser more lenient than the scan.
        if (!scan.scan(utf8, 0, utf8.length)) return true;
        if (scan.irregular()) return true;
        if (!scan.has(0)) return false;
        int from = scan.valueStart(0), to = scan.valueEnd(0);
        if (to - from == SESSION_UPDATE.length && Arrays.equals(utf8, from, to, SESSION_UPDATE, 0, SESSION_UPDATE.length)) return true;
        for (int i = from; i < to; i++) if (utf8[i] == '\\') return true;
        return false;
    }

    /**
     * Whether {@code utf8} holds the bytes {@code session.update} or any backslash: a JSON text
     * without either cannot have a member, key or value, that reads as {@code session.update}.
     * One pass without tokenizing: an audio append (base64 holds neither) is ruled out at a
     * fraction of a JSON scan's cost, on every client message.
     */
    static boolean mayBeUpdate(byte[] utf8) {
        int last = utf8.length - SESSION_WORD.length;
        for (int i = 0; i < utf8.length; i++) {
            byte b = utf8[i];
            if (b == '\\') return true;
            if (b == 's' && i <= last && Arrays.equals(utf8, i, i + SESSION_WORD.length, SESSION_WORD, 0, SESSION_WORD.length)) {
                return true;
            }
        }
        return false;
    }

    /** What goes upstream before the client's message: the gateway's own {@code session.update} before a first message that is not one, else null. */
    String preface(boolean update) {
        if (!first) return null;
        first = false;
        if (update) return null;
        voiceSet = true;
        return SessionConfigs.gatewayUpdate(upstreamModel, voice, beta);
    }

    /** The text of a client text message as it goes upstream. */
    String text(byte[] utf8, boolean update) {
        String text = new String(utf8, StandardCharsets.UTF_8);
        if (!update) return text;
        String completed;
        try {
            completed = SessionConfigs.complete(text, upstreamModel, voiceSet ? null : voice, beta);
        } catch (tollgate.error.GatewayException e) {
            if (!voiceSet) first = true; // refused, nothing went upstream: the next message gets the gateway's update first
            throw e;
        }
        voiceSet = true;
        return completed != null ? completed : text;
    }
}
