package tollgate.voice;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.json.JsonMeter;
import tollgate.json.MemberScan;

/**
 * The realtime session's configuration (issue 11): what {@code POST /voice/realtime} tells the
 * client to send, and what the relay makes of the {@code session.update} the client does send.
 *
 * <p>Two shapes of OpenAI's Realtime API (protocols.md §3): the GA interface's
 * {@code session.update.session} ({@code "type": "realtime"}, audio settings nested under
 * {@code audio.input} / {@code audio.output}, formats {@code {"type": "audio/pcm", "rate": 24000}}),
 * and the beta interface's flat fields ({@code voice}, {@code modalities},
 * {@code input_audio_format: "pcm16"}, ...), spoken by clients that send
 * {@code OpenAI-Beta: realtime=v1}. Both with PCM16 at 24 kHz mono and server VAD, as seed 000
 * promises.
 *
 * <p>The model is what a session is priced by, so the gateway decides it: whatever model a
 * client names in a {@code session.update} is replaced by the policy's upstream model.
 */
public final class SessionConfigs {
    private SessionConfigs() { throw new AssertionError(); }

    /** The sample rate of OpenAI's {@code audio/pcm} (always 24 kHz; GA {@code realtime_audio_formats}). */
    public static final int PCM_RATE = 24000;
    /**
     * Most heap a client's event may take once parsed, in bytes (the parser's estimate): the
     * listener caps the message itself; this bounds the tree built from it (~15x a small-valued text).
     */
    static final long MAX_TREE_BYTES = 64L * 1024 * 1024;
    static final String SESSION_UPDATE = "session.update";
    /** Top-level session fields only the beta interface has (protocols.md §3: "Beta used flat fields"). */
    private static final List<String> BETA_FIELDS = List.of("voice", "modalities", "input_audio_format", "output_audio_format");

    /** The GA session object for {@code model} and {@code voice}. */
    public static Map<String, Object> sessionConfig(String model, String voice) {
        return sessionConfig(model, voice, false);
    }

    /** The session object for {@code model} and {@code voice}: GA's shape, or the beta interface's when {@code beta}. */
    public static Map<String, Object> sessionConfig(String model, String voice, boolean beta) {
        Map<String, Object> s = new LinkedHashMap<>();
        if (beta) {
            s.put("model", model);
            s.put("modalities", new ArrayList<>(List.of("audio", "text")));
            s.put("voice", voice);
            s.put("input_audio_format", "pcm16");
            s.put("output_audio_format", "pcm16");
            s.put("turn_detection", object("type", "server_vad"));
            return s;
        }
        s.put("type", "realtime");
        s.put("model", model);
        s.put("output_modalities", new ArrayList<>(List.of("audio")));
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("format", pcm());
        input.put("turn_detection", object("type", "server_vad"));
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("format", pcm());
        output.put("voice", voice);
        Map<String, Object> audio = new LinkedHashMap<>();
        audio.put("input", input);
        audio.put("output", output);
        s.put("audio", audio);
        return s;
    }

    /** The {@code session.update} event the gateway sends upstream when the client sends none first. */
    public static String gatewayUpdate(String upstreamModel, String voice, boolean beta) {
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", SESSION_UPDATE);
        event.put("session", sessionConfig(upstreamModel, voice, beta));
        return Json.toString(event);
    }

    /**
     * The client's {@code session.update} completed for upstream: {@code session.model} set to
     * {@code upstreamModel} (always: a client may not switch the priced model); the voice filled
     * in where the client gave none (GA {@code session.audio.output.voice}, beta
     * {@code session.voice}), unless {@code voice} is null (a later update: the session keeps
     * the voice it has); a GA session without {@code type} given {@code "type": "realtime"}
     * (GA requires it). The shape is the client's session's: {@code type} or {@code audio} means
     * GA, a flat {@code voice}, {@code modalities} or {@code *_audio_format} means beta, else
     * {@code beta} decides. Every other field is kept as sent, in its order.
     *
     * <p>A text that cannot be a {@code session.update} (it holds neither the words
     * {@code session.update} nor any escape) is answered null after one scan, without allocating:
     * the relay calls this for every client text message, audio included.
     *
     * @return the event to send upstream, or null when {@code text} is not a JSON object with
     *         {@code "type": "session.update"} (the relay forwards it unchanged)
     * @throws GatewayException 400 when the text may be a {@code session.update} but is not
     *         valid JSON, has two top-level {@code type}s, or has a {@code session} that is not an
     *         object; or when it is too large to parse: forwarding it unchanged could let an
     *         upstream read a model the gateway did not see
     */
    public static String complete(String text, String upstreamModel, String voice, boolean beta) {
        return complete(text, upstreamModel, voice, beta, MAX_TREE_BYTES);
    }

    /** As {@link #complete(String, String, String, boolean)} with the parse capped at {@code maxTreeBytes} (tests). */
    static String complete(String text, String upstreamModel, String voice, boolean beta, long maxTreeBytes) {
        // A JSON string equal to "session.update" is written literally, or with an escape (a backslash).
        if (text.indexOf('\\') < 0 && !text.contains(SESSION_UPDATE)) return null;
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Map<String, Object> event;
        try {
            event = Json.asObject(Json.parse(bytes, 0, bytes.length, new Cap(maxTreeBytes)));
        } catch (JsonException e) {
            throw GatewayException.invalid(null, "The event is not valid JSON: " + e.getMessage() + ".");
        }
        if (event == null) return null;
        if (!SESSION_UPDATE.equals(event.get("type"))) {
            // The parser keeps a duplicate key's last value; an upstream may keep the first.
            MemberScan scan = new MemberScan("type");
            if (scan.scan(bytes, 0, bytes.length) && scan.irregular()) {
                throw GatewayException.invalid("type", "The event's top level has 'type' more than once (or a key written with "
                        + "escapes); send one 'type'.");
            }
            return null;
        }
        Object s = event.get("session");
        if (s != null && !(s instanceof Map<?, ?>)) throw GatewayException.invalid("session", "'session' must be an object.");
        Map<String, Object> session = s == null ? new LinkedHashMap<>() : cast(s);
        boolean ga = session.containsKey("type") || session.containsKey("audio");
        boolean flat = false;
        for (String f : BETA_FIELDS) flat |= session.containsKey(f);
        event.put("session", ga || !(flat || beta) ? ga(session, upstreamModel, voice) : beta(session, upstreamModel, voice));
        return Json.toString(event);
    }

    private static Map<String, Object> ga(Map<String, Object> session, String model, String voice) {
        // An added type goes first, an added model right after the type (the order of sessionConfig).
        Map<String, Object> out = new LinkedHashMap<>();
        boolean addModel = !session.containsKey("model");
        if (session.get("type") == null) {
            out.put("type", "realtime");
            if (addModel) out.put("model", model);
            addModel = false;
        }
        for (Map.Entry<String, Object> e : session.entrySet()) {
            String k = e.getKey();
            if (k.equals("model")) {
                out.put(k, model);
            } else if (k.equals("type")) {
                if (e.getValue() != null) out.put(k, e.getValue());
                if (addModel) out.put("model", model);
            } else {
                out.put(k, e.getValue());
            }
        }
        Object audio = out.get("audio");
        if (voice == null) return out; // a later update: the voice stays what the session has
        if (audio == null) {
            out.put("audio", object("output", object("voice", voice)));
        } else if (audio instanceof Map<?, ?> a) {
            Object output = a.get("output");
            if (output == null) cast(a).put("output", object("voice", voice));
            else if (output instanceof Map<?, ?> o && o.get("voice") == null) cast(o).put("voice", voice);
        }
        return out;
    }

    private static Map<String, Object> beta(Map<String, Object> session, String model, String voice) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!session.containsKey("model")) out.put("model", model);
        for (Map.Entry<String, Object> e : session.entrySet()) out.put(e.getKey(), e.getKey().equals("model") ? model : e.getValue());
        if (out.get("voice") == null && voice != null) out.put("voice", voice);
        return out;
    }

    private static Map<String, Object> pcm() {
        Map<String, Object> f = object("type", "audio/pcm");
        f.put("rate", PCM_RATE);
        return f;
    }

    private static Map<String, Object> object(String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(key, value);
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object map) { return (Map<String, Object>) map; }

    /** Refuses a parse whose tree passes a cap ({@link #MAX_TREE_BYTES}). */
    private static final class Cap implements JsonMeter {
        private final long max;
        private long total;

        Cap(long max) { this.max = max; }

        @Override
        public void charge(long bytes) {
            total += bytes;
            if (total > max) {
                throw GatewayException.invalid(null, "The event is too large to read as a session.update (over " + max
                        + " bytes once parsed).");
            }
        }
    }
}
