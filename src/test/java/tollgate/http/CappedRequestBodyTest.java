package tollgate.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

class CappedRequestBodyTest {
    private final AtomicLong counted = new AtomicLong();

    private InputStream capped(byte[] body, long limit, boolean chunked) {
        return new CappedRequestBody(new ByteArrayInputStream(body), limit, chunked,
                max -> new GatewayException(ErrorKind.CALLER_BODY_TOO_LARGE, "over " + max), counted::addAndGet);
    }

    @Test
    void aBodyWithAContentLengthIsReadExactly() throws IOException {
        byte[] body = "0123456789".getBytes();
        assertArrayEquals(body, capped(body, 10, false).readAllBytes());
        assertEquals(10, counted.get());
    }

    @Test
    void aShortBodyIsATruncatedRequest() {
        assertThrows(EOFException.class, () -> capped("0123".getBytes(), 10, false).readAllBytes());
    }

    @Test
    void aChunkedBodyUpToTheLimitIsRead() throws IOException {
        byte[] body = "0123456789".getBytes();
        assertArrayEquals(body, capped(body, 10, true).readAllBytes());
        assertArrayEquals("0123".getBytes(), capped("0123".getBytes(), 10, true).readAllBytes());
    }

    @Test
    void aChunkedBodyPastTheLimitIs413ByTheReadThatPassesIt() throws IOException {
        InputStream in = capped("0123456789X".getBytes(), 10, true);
        assertEquals(10, in.readNBytes(new byte[10], 0, 10));
        GatewayException e = assertThrows(GatewayException.class, () -> in.read(new byte[4], 0, 4));
        assertEquals(413, e.httpStatus());
        assertEquals("over 10", e.getMessage());
    }
}
