package tollgate.provider;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One dispatched Server-Sent Event.
 *
 * @param event the event type: the last {@code event:} field, or {@code "message"} when the
 *              event had none (WHATWG HTML §9.2.6, "dispatch the event")
 * @param data  the {@code data:} lines joined with {@code \n}, as UTF-8 bytes (so that a JSON
 *              payload can be parsed without a String copy); owned by this event
 */
public record SseEvent(String event, byte[] data) {

    /** The event type used when the stream named none. */
    public static final String DEFAULT_TYPE = "message";

    private static final byte[] DONE = {'[', 'D', 'O', 'N', 'E', ']'};

    /** True for OpenAI's end-of-stream sentinel, {@code data: [DONE]}. */
    public boolean isDone() {
        return Arrays.equals(data, DONE);
    }

    /** The data decoded as UTF-8. */
    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SseEvent e && event.equals(e.event) && Arrays.equals(data, e.data);
    }

    @Override
    public int hashCode() {
        return event.hashCode() * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "SseEvent[event=" + event + ", data=" + text() + "]";
    }
}
