package tollgate.voice;

import java.util.LinkedHashMap;
import java.util.Map;
import tollgate.error.ErrorBody;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.http.RequestIds;
import tollgate.json.Json;

/**
 * What the gateway itself says to a realtime client: OpenAI's {@code error} server event, and the
 * close code that ends a session for each kind of failure.
 *
 * <p>The event is OpenAI's (Realtime API, server event {@code error}: {@code {type:"error",
 * event_id, error:{type, code, message, param, event_id}}}), so that clients written for OpenAI
 * show the gateway's reasons the way they show OpenAI's.
 */
final class RealtimeEvents {
    /** RFC 6455 §7.4.1: normal closure. */
    static final int NORMAL = 1000;
    /** RFC 6455 §7.4.1: going away (the gateway shuts down, a client fell silent). */
    static final int GOING_AWAY = 1001;
    /** RFC 6455 §7.4.1: a message that violates the gateway's policy (credits, limits, session length). */
    static final int POLICY = 1008;
    /** RFC 6455 §7.4.1: an unexpected condition in the gateway. */
    static final int INTERNAL = 1011;
    /** IANA WebSocket close code registry: try again later (rate limited, no capacity). */
    static final int TRY_AGAIN_LATER = 1013;
    /** RFC 6455 §7.4.1: what an endpoint reports when no close frame arrived (never sent). */
    static final int NO_CLOSE = 1006;
    /** IANA WebSocket close code registry: bad gateway (the upstream failed or refused). */
    static final int BAD_GATEWAY = 1014;

    private RealtimeEvents() { throw new AssertionError(); }

    /**
     * The {@code error} event for {@code e}: the fields of the gateway's HTTP error body
     * ({@link ErrorBody}, its message clipped), {@code code} in place of the HTTP status when not null.
     */
    static String error(GatewayException e, String code) {
        @SuppressWarnings("unchecked")
        Map<String, Object> error = new LinkedHashMap<>((Map<String, Object>) ErrorBody.toMap(e).get("error"));
        if (code != null) error.put("code", code);
        error.put("event_id", null);
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("type", "error");
        event.put("event_id", "event_tg_" + RequestIds.newRequestId().substring(4));
        event.put("error", error);
        return Json.toString(event);
    }

    /** The close code a session ends with after failing with {@code e}. */
    static int closeCode(GatewayException e) {
        ErrorKind k = e.kind();
        return switch (k) {
            case PROVIDER_RATE_LIMITED, PROVIDER_UNAVAILABLE, PROVIDER_NOT_CONFIGURED, GATEWAY_BUSY, POLICY_RATE_LIMITED ->
                    TRY_AGAIN_LATER;
            case GATEWAY_SHUTTING_DOWN -> GOING_AWAY;
            case GATEWAY_INTERNAL -> INTERNAL;
            default -> k.name().startsWith("PROVIDER_") ? BAD_GATEWAY : POLICY;
        };
    }

    /**
     * A close code received from one side, as it may be sent on to the other: the codes RFC 6455
     * §7.4.1 forbids on the wire (1005 no code, 1006 abnormal, 1015 TLS) become 1000, and codes
     * only an endpoint's own protocol stack may send for its own reasons (1002 protocol error,
     * 1007 invalid data, 1009 too big, 1010 extension) are not the other side's business: 1000.
     */
    static int relayable(int code) {
        if (code >= 3000 && code <= 4999) return code;
        return switch (code) {
            case 1000, 1001, 1003, 1008, 1011, 1012, 1013, 1014 -> code;
            default -> NORMAL;
        };
    }

    /**
     * A close code from the client as the upstream is sent it: {@link #relayable}, and the codes a
     * WebSocket client may not send (1012–1014 are servers' codes; {@code java.net.http.WebSocket}
     * refuses them) as 1001.
     */
    static int toUpstream(int code) {
        int c = relayable(code);
        return c >= 1012 && c <= 1014 ? GOING_AWAY : c;
    }
}
