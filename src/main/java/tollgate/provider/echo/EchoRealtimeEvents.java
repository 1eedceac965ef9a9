package tollgate.provider.echo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The server events of {@link EchoRealtime}, in the shapes of OpenAI's Realtime API
 * (protocols.md §3): the GA interface, or the beta one ({@code OpenAI-Beta: realtime=v1}) where
 * names or session fields differ. Maps in key order, written by {@link tollgate.json.Json}.
 */
final class EchoRealtimeEvents {
    private EchoRealtimeEvents() { throw new AssertionError(); }

    /** The input and output audio format both interfaces start with: PCM16, 24 kHz, mono. */
    static final int SAMPLE_RATE = 24_000;
    static final String DEFAULT_VOICE = "alloy";

    /** The session as {@code session.created} describes it. */
    static Map<String, Object> session(boolean beta, String id, String model) {
        Map<String, Object> s = new LinkedHashMap<>();
        if (beta) {
            s.put("id", id);
            s.put("object", "realtime.session");
            s.put("model", model);
            s.put("modalities", new ArrayList<>(List.of("audio", "text")));
            s.put("voice", DEFAULT_VOICE);
            s.put("input_audio_format", "pcm16");
            s.put("output_audio_format", "pcm16");
            s.put("turn_detection", null);
            return s;
        }
        s.put("type", "realtime");
        s.put("object", "realtime.session");
        s.put("id", id);
        s.put("model", model);
        s.put("output_modalities", new ArrayList<>(List.of("audio")));
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("format", pcm());
        input.put("turn_detection", null);
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("format", pcm());
        output.put("voice", DEFAULT_VOICE);
        Map<String, Object> audio = new LinkedHashMap<>();
        audio.put("input", input);
        audio.put("output", output);
        s.put("audio", audio);
        return s;
    }

    private static Map<String, Object> pcm() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("type", "audio/pcm");
        f.put("rate", SAMPLE_RATE);
        return f;
    }

    /**
     * {@code patch} merged into {@code target}: objects member by member, recursively; any
     * other value (null included) replaces. The session's {@code id} and {@code object} stay.
     */
    @SuppressWarnings("unchecked")
    static void merge(Map<String, Object> target, Map<String, Object> patch, boolean top) {
        for (Map.Entry<String, Object> e : patch.entrySet()) {
            String k = e.getKey();
            if (top && (k.equals("id") || k.equals("object"))) continue;
            Object old = target.get(k);
            if (old instanceof Map<?, ?> o && e.getValue() instanceof Map<?, ?> p) {
                merge((Map<String, Object>) o, (Map<String, Object>) p, false);
            } else {
                target.put(k, e.getValue());
            }
        }
    }

    /** OpenAI's {@code error} event: recoverable, the session stays open. */
    static Map<String, Object> error(String eventId, String code, String message, String param, Object clientEventId) {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("type", "invalid_request_error");
        err.put("code", code);
        err.put("message", message);
        err.put("param", param);
        err.put("event_id", clientEventId instanceof String s ? s : null);
        Map<String, Object> ev = event("error", eventId);
        ev.put("error", err);
        return ev;
    }

    static Map<String, Object> event(String type, String eventId) {
        Map<String, Object> ev = new LinkedHashMap<>();
        ev.put("type", type);
        ev.put("event_id", eventId);
        return ev;
    }

    /** A user message item: input audio (no transcript) or the given content. */
    static Map<String, Object> userItem(String id, List<Object> content) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("id", id);
        item.put("object", "realtime.item");
        item.put("type", "message");
        item.put("status", "completed");
        item.put("role", "user");
        item.put("content", content);
        return item;
    }

    static List<Object> inputAudioContent() {
        Map<String, Object> part = new LinkedHashMap<>();
        part.put("type", "input_audio");
        part.put("transcript", null);
        return new ArrayList<>(List.of(part));
    }

    /** The assistant's answer item: in progress and empty, or completed with its audio part. */
    static Map<String, Object> assistantItem(String id, boolean beta, String transcript) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("id", id);
        item.put("object", "realtime.item");
        item.put("type", "message");
        item.put("status", transcript == null ? "in_progress" : "completed");
        item.put("role", "assistant");
        item.put("content", transcript == null ? new ArrayList<>() : new ArrayList<>(List.of(audioPart(beta, transcript))));
        return item;
    }

    /** GA calls the part {@code output_audio}, beta {@code audio}. */
    static Map<String, Object> audioPart(boolean beta, String transcript) {
        Map<String, Object> part = new LinkedHashMap<>();
        part.put("type", beta ? "audio" : "output_audio");
        part.put("transcript", transcript);
        return part;
    }

    /** {@code response.created} / {@code response.done}'s response object. */
    static Map<String, Object> response(String id, String status, List<Object> output, Map<String, Object> usage) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", id);
        r.put("object", "realtime.response");
        r.put("status", status);
        r.put("status_details", null);
        r.put("output", output);
        r.put("usage", usage);
        return r;
    }

    /** OpenAI's realtime usage object. */
    static Map<String, Object> usage(long inText, long inAudio, long outText, long outAudio) {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("text_tokens", inText);
        in.put("audio_tokens", inAudio);
        in.put("cached_tokens", 0);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("text_tokens", outText);
        out.put("audio_tokens", outAudio);
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("total_tokens", inText + inAudio + outText + outAudio);
        u.put("input_tokens", inText + inAudio);
        u.put("output_tokens", outText + outAudio);
        u.put("input_token_details", in);
        u.put("output_token_details", out);
        return u;
    }

    /** The members every event about one content part of a response carries. */
    static Map<String, Object> partEvent(String type, String eventId, String responseId, String itemId) {
        Map<String, Object> ev = event(type, eventId);
        ev.put("response_id", responseId);
        ev.put("item_id", itemId);
        ev.put("output_index", 0);
        ev.put("content_index", 0);
        return ev;
    }
}
