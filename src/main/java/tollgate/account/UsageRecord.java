package tollgate.account;

import java.math.BigDecimal;
import java.util.Map;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.json.JsonNumber;

/**
 * One finished request as the usage ledger keeps it (issue 9: execution id, request id, key,
 * model asked, deployment used, tokens, cost, savings, status, start and end).
 *
 * @param executionId      the gateway's id of the call ({@code tollgate.execution_id})
 * @param requestId        the client's request id ({@code metadata.request_id} or {@code x-request-id})
 * @param key              the id of the client key (a config key's id is its name), or null
 * @param model            the model the client asked for
 * @param deployment       {@code <provider>/<upstream>} that answered, or null when none did
 * @param promptTokens     as the upstream reported; 0 when unknown
 * @param completionTokens as the upstream reported; 0 when unknown
 * @param cost             USD, or null when unknown
 * @param savings          USD against the baseline model, or null
 * @param credits          credits charged (0 when nothing was, or the key is not metered)
 * @param status           the HTTP status the client got (499: the client left)
 * @param stream           whether it was a stream
 * @param startedMs        epoch milliseconds when dispatch began
 * @param endedMs          epoch milliseconds when it ended
 * @param endpoint         what was called: {@code chat} (also the legacy {@code /chat}), {@code fim},
 *                         {@code completions}, {@code stt}, {@code tts}, {@code realtime}, {@code images}
 * @param audioMs          milliseconds of audio transcribed (speech-to-text); 0 otherwise
 * @param characters       characters of text spoken (text-to-speech); 0 otherwise
 * @param images           images generated (image generation); 0 otherwise
 */
public record UsageRecord(String executionId, String requestId, String key, String model, String deployment,
                          long promptTokens, long completionTokens, BigDecimal cost, BigDecimal savings, long credits, int status,
                          boolean stream, long startedMs, long endedMs, String endpoint, long audioMs, long characters, long images) {

    /** What a chat record's {@code endpoint} is; also what a record written before there were others reads as. */
    public static final String CHAT = "chat";

    /** A chat request's record. */
    public UsageRecord(String executionId, String requestId, String key, String model, String deployment,
                       long promptTokens, long completionTokens, BigDecimal cost, BigDecimal savings, long credits, int status,
                       boolean stream, long startedMs, long endedMs) {
        this(executionId, requestId, key, model, deployment, promptTokens, completionTokens, cost, savings, credits, status, stream,
                startedMs, endedMs, CHAT, 0, 0, 0);
    }

    /** A record of a call that generated no image. */
    public UsageRecord(String executionId, String requestId, String key, String model, String deployment,
                       long promptTokens, long completionTokens, BigDecimal cost, BigDecimal savings, long credits, int status,
                       boolean stream, long startedMs, long endedMs, String endpoint, long audioMs, long characters) {
        this(executionId, requestId, key, model, deployment, promptTokens, completionTokens, cost, savings, credits, status, stream,
                startedMs, endedMs, endpoint, audioMs, characters, 0);
    }

    /** The status recorded when the client went away before the answer (nginx's convention). */
    public static final int CLIENT_CLOSED = 499;

    /**
     * As one JSON object, the journal's payload. Written member by member into one buffer (no map
     * built first): it runs once per request, on the request's thread.
     */
    public byte[] toJson() {
        JsonBuffer b = new JsonBuffer(JSON_BYTES);
        b.appendAscii("{\"execution_id\":");
        Json.write(executionId, b);
        b.appendAscii(",\"request_id\":");
        Json.write(requestId, b);
        b.appendAscii(",\"key\":");
        Json.write(key, b);
        b.appendAscii(",\"model\":");
        Json.write(model, b);
        b.appendAscii(",\"deployment\":");
        Json.write(deployment, b);
        b.appendAscii(",\"prompt_tokens\":").appendAscii(Long.toString(promptTokens));
        b.appendAscii(",\"completion_tokens\":").appendAscii(Long.toString(completionTokens));
        b.appendAscii(",\"cost\":").appendAscii(cost == null ? "null" : cost.toPlainString());
        b.appendAscii(",\"savings\":").appendAscii(savings == null ? "null" : savings.toPlainString());
        b.appendAscii(",\"credits\":").appendAscii(Long.toString(credits));
        b.appendAscii(",\"status\":").appendAscii(Integer.toString(status));
        b.appendAscii(",\"stream\":").appendAscii(stream ? "true" : "false");
        b.appendAscii(",\"started_ms\":").appendAscii(Long.toString(startedMs));
        b.appendAscii(",\"ended_ms\":").appendAscii(Long.toString(endedMs));
        // Only for calls other than chat: a chat record stays as it was before there were others.
        if (!CHAT.equals(endpoint)) {
            b.appendAscii(",\"endpoint\":");
            Json.write(endpoint, b);
            if (audioMs > 0) b.appendAscii(",\"audio_ms\":").appendAscii(Long.toString(audioMs));
            if (characters > 0) b.appendAscii(",\"characters\":").appendAscii(Long.toString(characters));
            if (images > 0) b.appendAscii(",\"images\":").appendAscii(Long.toString(images));
        }
        return b.append((byte) '}').toByteArray();
    }

    /** What a record's JSON usually takes, in bytes: the buffer's first size. */
    static final int JSON_BYTES = 512;

    /** Reads a payload written by {@link #toJson}; throws IllegalArgumentException when it is not one. */
    public static UsageRecord fromJson(byte[] payload) {
        Map<String, Object> m = Json.asObject(Json.parse(payload));
        if (m == null) throw new IllegalArgumentException("not a usage record");
        return new UsageRecord(str(m, "execution_id"), str(m, "request_id"), str(m, "key"), str(m, "model"),
                str(m, "deployment"), num(m, "prompt_tokens"), num(m, "completion_tokens"), dec(m, "cost"), dec(m, "savings"),
                num(m, "credits"), (int) num(m, "status"), Boolean.TRUE.equals(m.get("stream")), num(m, "started_ms"), num(m, "ended_ms"),
                m.get("endpoint") instanceof String e ? e : CHAT, num(m, "audio_ms"), num(m, "characters"), num(m, "images"));
    }

    private static String str(Map<String, Object> m, String k) {
        return m.get(k) instanceof String s ? s : null;
    }

    private static long num(Map<String, Object> m, String k) {
        return m.get(k) instanceof JsonNumber n ? n.longValue() : 0;
    }

    private static BigDecimal dec(Map<String, Object> m, String k) {
        return m.get(k) instanceof JsonNumber n ? new BigDecimal(n.text()) : null;
    }
}
