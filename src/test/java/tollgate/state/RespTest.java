package tollgate.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A hostile or broken Redis: replies that must end in a capped error, never in a crash or unbounded memory. */
class RespTest {
    private static InputStream repeat(String header, String part, int times, String tail) {
        byte[] p = part.getBytes(StandardCharsets.US_ASCII);
        List<InputStream> parts = new java.util.ArrayList<>();
        parts.add(new ByteArrayInputStream(header.getBytes(StandardCharsets.US_ASCII)));
        for (int i = 0; i < times; i++) parts.add(new ByteArrayInputStream(p));
        parts.add(new ByteArrayInputStream(tail.getBytes(StandardCharsets.US_ASCII)));
        return new java.io.BufferedInputStream(new SequenceInputStream(Collections.enumeration(parts)));
    }

    @Test
    void aRunOfAttributes_isTooDeep_notAStackOverflow() {
        Resp.Reader r = new Resp.Reader(repeat("", "|0\r\n", 200_000, ":1\r\n"));
        Resp.TooBig e = assertThrows(Resp.TooBig.class, r::reply);
        assertEquals("Redis reply nested deeper than " + Resp.MAX_DEPTH, e.getMessage());
    }

    @Test
    void oneAttribute_beforeAReply_isSkipped() throws Exception {
        Resp.Reader r = new Resp.Reader(repeat("", "|1\r\n+ttl\r\n:5\r\n", 1, ":7\r\n"));
        assertEquals(7L, r.reply());
    }

    @Test
    void simpleStringsCountTowardsTheReplyCap() {
        String line = "+" + "x".repeat(60_000) + "\r\n";
        int n = (int) (Resp.MAX_REPLY_BYTES / 60_000) + 2;
        Resp.Reader r = new Resp.Reader(repeat("*" + n + "\r\n", line, n, ""));
        Resp.TooBig e = assertThrows(Resp.TooBig.class, r::reply);
        assertEquals("Redis reply is over " + Resp.MAX_REPLY_BYTES + " bytes", e.getMessage());
    }
}
