package tollgate.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A scraper of the open metrics listener that stops reading must not hold its scrape for good:
 * the write blocked on its full socket is cut at the deadline (a real loopback socket whose peer
 * never reads).
 */
class WriteDeadlineTest {
    /** A guard against a hang, not a timing: without the deadline the write blocks forever. */
    private static final Duration GUARD = Duration.ofSeconds(30);

    @Test
    void aWriteBlockedOnAPeerThatNeverReads_isCutAtTheDeadline() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel peer = server.accept()) { // never reads
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
            assertTimeoutPreemptively(GUARD, () -> {
                WriteDeadline deadline = new WriteDeadline(Duration.ofMillis(200));
                try (deadline) {
                    assertThrows(ClosedByInterruptException.class, () -> {
                        while (true) {
                            chunk.clear();
                            client.write(chunk);
                        }
                    });
                }
                assertTrue(deadline.passed());
                assertFalse(Thread.currentThread().isInterrupted(), "the interrupt ends with the write it was for");
            });
            assertFalse(client.isOpen(), "the interrupt closed the connection");
        }
    }

    @Test
    void aWriteThatEndsInTime_isLeftAlone_andNoInterruptFollows() throws Exception {
        WriteDeadline deadline = new WriteDeadline(Duration.ofMillis(100));
        deadline.close();
        Thread.sleep(300); // past the deadline: the timer was stopped, so no interrupt comes
        assertFalse(deadline.passed());
        assertFalse(Thread.currentThread().isInterrupted());
    }
}
