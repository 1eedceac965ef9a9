package tollgate.websocket;

/**
 * A whole data message, its fragments reassembled.
 *
 * @param text    a text message (then {@code payload} is valid UTF-8), else binary
 * @param payload the message's bytes; owned by the receiver
 */
public record WsMessage(boolean text, byte[] payload) {}
