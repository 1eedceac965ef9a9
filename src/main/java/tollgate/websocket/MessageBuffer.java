package tollgate.websocket;

import java.util.Arrays;
import tollgate.memory.BudgetExceededException;
import tollgate.memory.Reservation;

/**
 * Where a data message is assembled from its frames, every byte reserved in the connection's
 * {@link Reservation} before it is allocated. A message in one frame is read straight into an
 * array of its exact size; fragments grow the array by doubling (capped at the message limit),
 * and the finished message is trimmed to its size. The last message taken stays reserved until
 * {@link #releaseHeld()} (the next read).
 */
final class MessageBuffer {
    private final Reservation memory;
    private final int maxMessageBytes;
    private byte[] buf;
    private int length;
    private boolean text;
    private boolean active;
    /** Bytes reserved: for the message being assembled, or for the one last taken. */
    private long held;

    /** @param memory null for no accounting */
    MessageBuffer(Reservation memory, int maxMessageBytes) {
        this.memory = memory;
        this.maxMessageBytes = maxMessageBytes;
    }

    /** A message is being assembled (its first frame came, its last did not). */
    boolean active() { return active; }

    boolean text() { return text; }

    int length() { return length; }

    void start(boolean isText) {
        active = true;
        text = isText;
        length = 0;
    }

    /**
     * The array to read {@code n} more bytes into, at offset {@link #length()}, where at most
     * {@code rest} bytes (n included) are still to come for this message (the rest of its final
     * frame; the message cap while fragments may follow): growth doubles, but never past that, so
     * a message in one frame ends in an array of its exact size.
     *
     * @throws BudgetExceededException if the memory budget cannot hold them
     */
    byte[] room(int n, int rest) {
        int need = length + n;
        if (n > 0 && (buf == null || need > buf.length)) {
            long most = Math.min(maxMessageBytes, (long) length + rest);
            int cap = buf == null ? need : (int) Math.max(need, Math.min(most, 2L * buf.length));
            reserve(cap);
            byte[] next = new byte[cap];
            if (buf != null) {
                System.arraycopy(buf, 0, next, 0, length);
                release(buf.length);
            }
            buf = next;
        }
        return buf;
    }

    void advance(int n) { length += n; }

    /**
     * The finished message's bytes, exactly {@link #length()} of them; the buffer is empty after.
     *
     * @throws BudgetExceededException if trimming needs memory the budget cannot give
     */
    byte[] take() {
        active = false;
        byte[] p = buf == null ? Frames.EMPTY : buf;
        if (p.length != length) {
            reserve(length);
            p = Arrays.copyOf(p, length);
            release(buf.length);
        }
        buf = null;
        length = 0;
        return p;
    }

    /** Gives back what the last message taken held. */
    void releaseHeld() {
        if (held > 0) {
            memory.release(held);
            held = 0;
        }
    }

    /** Forgets a message being assembled and gives everything back. */
    void drop() {
        buf = null;
        length = 0;
        active = false;
        releaseHeld();
    }

    private void reserve(long bytes) {
        if (memory == null || bytes <= 0) return;
        memory.reserve(bytes);
        held += bytes;
    }

    private void release(long bytes) {
        if (memory == null || bytes <= 0) return;
        memory.release(bytes);
        held -= bytes;
    }
}
