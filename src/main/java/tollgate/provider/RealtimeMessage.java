package tollgate.provider;

import java.util.Objects;

/**
 * One whole WebSocket data message of a realtime session (OpenAI Realtime API: JSON events as
 * text; some servers also send binary audio), relayed between a client and an upstream.
 *
 * @param text   the text of a text message, or null for a binary one
 * @param binary the bytes of a binary message, or null for a text one
 */
public record RealtimeMessage(String text, byte[] binary) {
    public RealtimeMessage {
        if ((text == null) == (binary == null)) throw new IllegalArgumentException("exactly one of text and binary");
    }

    public static RealtimeMessage text(String text) { return new RealtimeMessage(Objects.requireNonNull(text, "text"), null); }

    public static RealtimeMessage binary(byte[] data) { return new RealtimeMessage(null, Objects.requireNonNull(data, "data")); }

    public boolean isText() { return text != null; }

    /**
     * At least its size in bytes on the wire (UTF-8 for text), what the memory budget reserves for
     * it: a char encodes to at most 3 bytes in UTF-8 (a surrogate pair, 2 chars, to 4), an upper
     * bound that costs nothing per message, where counting would walk or copy every message.
     */
    public long size() {
        return binary != null ? binary.length : (long) text.length() * 3;
    }
}
