package tollgate.api;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import tollgate.account.Charge;
import tollgate.catalog.Model;
import tollgate.config.VoiceConfig;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.route.Router;
import tollgate.voice.SessionConfigs;
import tollgate.voice.VoiceTokens;

/**
 * {@code POST /voice/realtime} (seed 000, issue 11): the configuration of a realtime voice
 * session. The client names a policy ({@code premium}, {@code balanced}, {@code frugal}) and a
 * voice, both optional; the answer is the WebSocket URL of the voice listener with a single-use
 * session token ({@link VoiceTokens}), the session object to send in the first
 * {@code session.update} ({@link SessionConfigs}), and the model the policy would use now with
 * its price per minute of audio.
 *
 * <p>A cheap request: it counts against the key's requests per minute, holds no credits and no
 * stream slot (the session itself is metered by the listener). The key's model rules apply to
 * the model the policy picks: a denied one is a 403.
 */
final class VoiceRealtimeEndpoint implements Authenticated.Inner {
    /** Largest request body, in bytes: two short strings fit many times over. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** The voice when the client names none, if configured (OpenAI's default voice); else the first configured. */
    static final String PREFERRED_VOICE = "alloy";
    /** The path the listener serves realtime sessions on (OpenAI's, so clients need only the base URL). */
    static final String REALTIME_PATH = "/v1/realtime";
    /** Longest {@code Host} header used to build the URL, in chars (RFC 1035 names are at most 253). */
    static final int MAX_HOST_CHARS = 255;
    private static final List<String> WILDCARDS = List.of("0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0", "::0");

    private final Router router;
    private final VoiceConfig voice;
    private final String bindHost;
    private final VoiceTokens tokens;
    private final IntSupplier voicePort;

    /**
     * @param httpHost  the HTTP server's bind address: the voice listener's when {@code voice.host} is not set
     * @param voicePort the voice listener's bound port, ≤ 0 when there is none ({@code voice.port} 0)
     */
    VoiceRealtimeEndpoint(Router router, VoiceConfig voice, String httpHost, VoiceTokens tokens, IntSupplier voicePort) {
        this.router = router;
        this.voice = voice;
        this.bindHost = voice.host() != null ? voice.host() : httpHost;
        this.tokens = tokens;
        this.voicePort = voicePort;
    }

    @Override
    public void handle(HttpCall call, Charge charge) throws IOException {
        int port = voicePort.getAsInt();
        if (port <= 0) {
            throw new GatewayException(ErrorKind.PROVIDER_NOT_CONFIGURED, "Realtime voice is off on this gateway (voice.port is 0).");
        }
        Map<String, Object> body = body(call);
        String policy = choice(body, "policy", voice.defaultPolicy(), List.copyOf(voice.policies().keySet()));
        String chosenVoice = choice(body, "voice", voice.voices().contains(PREFERRED_VOICE) ? PREFERRED_VOICE : voice.voices().get(0),
                voice.voices());
        call.log("policy", policy);
        call.log("voice", chosenVoice);
        String base = base(call, port); // before anything is taken from the key: a bad Host is the client's to fix
        charge.admit(List.of(), false, 0);
        if (voice.policies().get(policy).isEmpty()) {
            throw new GatewayException(ErrorKind.PROVIDER_NOT_CONFIGURED, "No realtime model is configured for voice policy '" + policy
                    + "': give a model the \"realtime\" capability and list it in voice.policies.", "policy");
        }
        Model model = router.voiceModel(policy);
        call.log("model", model.id());
        if (!charge.mayRouteTo(model.id())) {
            throw new GatewayException(ErrorKind.POLICY_FORBIDDEN, "Voice policy '" + policy + "' would use model '" + model.id()
                    + "', which is denied for this key.", "policy");
        }
        VoiceTokens.Minted token = tokens.mint(charge.account() != null ? charge.account().id() : "", policy, chosenVoice);
        Map<String, Object> secret = new LinkedHashMap<>();
        secret.put("value", token.value());
        secret.put("expires_at", token.expiresAtEpochSeconds());
        BigDecimal price = model.pricing().audioMinute();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("url", base + REALTIME_PATH + "?token=" + token.value());
        answer.put("client_secret", secret);
        answer.put("sessionConfig", SessionConfigs.sessionConfig(model.id(), chosenVoice));
        answer.put("policy", policy);
        answer.put("voice", chosenVoice);
        answer.put("model", model.id());
        answer.put("price_per_minute", price == null ? null : Extension.usd(price));
        answer.put("expires_at", token.expiresAtEpochSeconds());
        call.setResponseHeader("Cache-Control", "no-store"); // it carries a credential (RFC 9111 §5.2.2.5)
        call.respondJson(200, answer);
    }

    /** The body as a JSON object; empty = {} (a bare {@code curl -X POST} asks for the defaults). */
    private static Map<String, Object> body(HttpCall call) throws IOException {
        byte[] bytes;
        try (InputStream in = call.bodyStream(MAX_BODY_BYTES)) {
            bytes = in.readAllBytes();
        }
        if (bytes.length == 0) return Map.of();
        Object parsed;
        try {
            parsed = Json.parse(bytes, 0, bytes.length, call.memory());
        } catch (JsonException e) {
            throw GatewayException.invalid(null, "The request body is not valid JSON: " + e.getMessage() + ".");
        }
        if (!(parsed instanceof Map<?, ?> m)) throw GatewayException.invalid(null, "The request body must be a JSON object.");
        return Validation.cast(m);
    }

    /** {@code body[field]}, one of {@code allowed}; {@code def} when absent or null. */
    private static String choice(Map<String, Object> body, String field, String def, List<String> allowed) {
        Object v = body.get(field);
        if (v == null) return def;
        if (!(v instanceof String s)) {
            throw GatewayException.invalid(field, "Invalid type for '" + field + "': expected a string, one of " + String.join(", ", allowed)
                    + "; got " + Validation.typeName(v) + ".");
        }
        if (!allowed.contains(s)) {
            throw GatewayException.invalid(field, "Invalid value for '" + field + "': expected one of " + String.join(", ", allowed)
                    + "; got " + Validation.show(s) + ".");
        }
        return allowed.get(allowed.indexOf(s)); // the configured instance: what the token keeps is shared, not the request's copy
    }

    /**
     * The listener's base URL: {@code voice.public_url}, else {@code ws(s)://host:port} with the
     * listener's bind host, or, when it is bound to every interface, the host the client reached
     * this gateway by ({@code Host}, RFC 9110 §7.2) without its port.
     */
    private String base(HttpCall call, int port) {
        if (voice.publicUrl() != null) return voice.publicUrl();
        String host = WILDCARDS.contains(bindHost) ? requestHost(call.header("Host")) : bindHost;
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) host = "[" + host + "]"; // an IPv6 literal (RFC 3986 §3.2.2)
        return (voice.tls() ? "wss://" : "ws://") + host + ":" + port;
    }

    /** The host part of a {@code Host} header: a name, IPv4 address or bracketed IPv6 literal; a 400 for anything else. */
    static String requestHost(String header) {
        if (header == null || header.isBlank()) {
            throw GatewayException.invalid(null, "The request has no Host header, so the gateway cannot tell which address of its voice "
                    + "listener to give; send one (or the operator can set voice.public_url).");
        }
        String h = header.strip();
        boolean literal = h.startsWith("[");
        int end = literal ? h.indexOf(']') + 1 : h.indexOf(':') < 0 ? h.length() : h.indexOf(':');
        String host = end <= 0 ? "" : h.substring(0, end);
        String port = end <= 0 ? "" : h.substring(end);
        boolean ok = (literal ? host.length() > 2 : !host.isEmpty()) && host.length() <= MAX_HOST_CHARS
                && (port.isEmpty() || port.charAt(0) == ':' && Validation.isDigits(port.substring(1)));
        for (int i = literal ? 1 : 0, n = literal ? host.length() - 1 : host.length(); ok && i < n; i++) {
            char c = host.charAt(i);
            ok = literal ? Character.digit(c, 16) >= 0 || c == ':' || c == '.'
                    : (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
        }
        if (!ok) throw GatewayException.invalid(null, "Invalid Host header " + Validation.show(header) + ": expected host[:port].");
        return host;
    }
}
