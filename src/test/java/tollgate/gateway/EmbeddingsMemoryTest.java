package tollgate.gateway;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import tollgate.json.Json;

/**
 * Embeddings answers are large (up to {@code EmbeddingsProvider.MAX_ANSWER_BYTES} each), so what
 * bounds them is the gateway's one memory budget, not a cap per request: a second big answer
 * while the first is still held is refused with the 503 of a full budget ({@code retry-after},
 * OpenAI's error shape), and the first one's bytes are given back when its request ends; and a
 * vector converted to the client's encoding holds its values in the budget while it is converted.
 *
 * <p>The first request is held deterministically, not by timing: its client connects with a
 * small receive buffer and reads only the response head, so the gateway blocks writing a body
 * larger than the loopback buffers while it still holds the upstream's answer and its own.
 */
class EmbeddingsMemoryTest extends GatewayTestBase {
    /** Vectors in the answer, and the bytes of each one's base64 (768 KiB of float32 zeros and ones). */
    static final int VECTORS = 12, VECTOR_B64 = 1024 * 1024;
    /** The upstream's answer: 12 MiB of base64, passed through as it is. */
    static final String ANSWER = answer();
    /**
     * Room for one such request (the upstream's 12 MiB while it is copied into one array, then
     * it and the client's 12 MiB answer) and a few MiB more, not for a second one beside it.
     */
    static final long BUDGET = 2L * VECTORS * VECTOR_B64 + 4 * 1024 * 1024;
    static final String REQUEST = "{\"model\":\"small\",\"encoding_format\":\"base64\",\"input\":"
            + "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\"]}";

    static String answer() {
        char[] vector = new char[VECTOR_B64];
        for (int i = 0; i < vector.length; i++) vector[i] = i % 8 < 4 ? 'A' : 'g'; // "AAAA" = 0.0f parts, valid base64
        StringBuilder b = new StringBuilder(VECTORS * (VECTOR_B64 + 64)).append("{\"object\":\"list\",\"data\":[");
        for (int i = 0; i < VECTORS; i++) {
            b.append(i == 0 ? "" : ",").append("{\"object\":\"embedding\",\"index\":").append(i).append(",\"embedding\":\"")
                    .append(vector).append("\"}");
        }
        return b.append("],\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":12,\"total_tokens\":12}}").toString();
    }

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).config(EmbeddingsGatewayTest.CONFIG)
                .server("memory_budget_bytes", BUDGET).start();
    }

    @Test
    void aSecondBigAnswerWhileTheFirstIsHeld_is503RetryAfter_inOpenAisShape_andTheBudgetComesBack() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, ANSWER));
        byte[] request = ("POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + GatewayHarness.AUTH
                + "\r\nContent-Type: application/json\r\nContent-Length: " + REQUEST.getBytes(UTF_8).length + "\r\n\r\n" + REQUEST)
                .getBytes(UTF_8);
        try (Socket slow = new Socket()) {
            slow.setReceiveBufferSize(16 * 1024); // before connecting: no autotuning up to tcp_rmem's 32 MB
            slow.setSoTimeout(30_000);
            slow.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gw.port()));
            slow.getOutputStream().write(request);
            InputStream in = slow.getInputStream();
            List<String> head = head(in);
            assertEquals("HTTP/1.1 200 OK", head.get(0), head.toString());
            assertTrue(head.contains("content-type: application/json"), head.toString());
            // The gateway has built the whole answer (its head is out) and cannot finish writing it.

            HttpResponse<String> refused = gw.post("/v1/embeddings", REQUEST);
            assertEquals(503, refused.statusCode(), start(refused.body()));
            assertEquals("application/json", refused.headers().firstValue("content-type").orElse(null));
            assertEquals("1", refused.headers().firstValue("retry-after").orElse(null));
            assertTrue(refused.headers().firstValue("x-request-id").isPresent());
            assertEquals(GatewayHarness.errorJson("The gateway is busy (its memory for requests in flight is in use); retry in 1 second.",
                    "service_unavailable", null, 503), refused.body());

            // The held answer arrives whole and right.
            long length = Long.parseLong(header(head, "content-length"));
            String body = new String(in.readNBytes((int) length), UTF_8);
            assertEquals(length, body.getBytes(UTF_8).length, "the whole announced body");
            assertVectors(body);
        }
        // Its request has ended: the budget is back, and the same call is served.
        HttpResponse<String> again = gw.post("/v1/embeddings", REQUEST);
        assertEquals(200, again.statusCode(), start(again.body()));
        assertEquals("application/json", again.headers().firstValue("content-type").orElse(null));
        assertVectors(again.body());
        assertEquals(3, upstream.requests().size(), "the refused call reached the upstream: the refusal is of its answer");
    }

    /**
     * A float client, an upstream that sends base64 anyway: its one vector of 900,000 float32
     * values (4.8 MB of base64) is converted, and while it is, its 3.6 MB of decoded bytes and
     * 3.6 MB of float values are live beside the answer (4.8 MB) and the float text being written
     * (4 MiB of capacity). The budget counts them: 14.4 MB holds the answer, the text and the
     * client's answer (12.6 MB at most), not the conversion's peak (16.2 MB).
     */
    @Test
    void aVectorConvertedToTheClientsEncoding_holdsItsValuesInTheBudget_whileItIsConverted() throws Exception {
        gw.close();
        gw = GatewayHarness.builder(upstream.url(), dataDir).config(EmbeddingsGatewayTest.CONFIG)
                .server("memory_budget_bytes", 14_400_000).start();
        upstream.respondWith(FakeUpstream.json(200, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                + "\"embedding\":\"" + "A".repeat(4_800_000) + "\"}],\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":1,"
                + "\"total_tokens\":1}}"));
        HttpResponse<String> refused = gw.post("/v1/embeddings", "{\"model\":\"small\",\"input\":\"a\"}");
        assertEquals(503, refused.statusCode(), start(refused.body()));
        assertEquals("application/json", refused.headers().firstValue("content-type").orElse(null));
        assertEquals("1", refused.headers().firstValue("retry-after").orElse(null));
        assertEquals(GatewayHarness.errorJson("The gateway is busy (its memory for requests in flight is in use); retry in 1 second.",
                "service_unavailable", null, 503), refused.body());

        // What the refused call held is given back: an ordinary conversion is served.
        upstream.respondWith(FakeUpstream.json(200, "{\"data\":[{\"index\":0,\"embedding\":\"AAAAAAAAgD8=\"}]}"));
        HttpResponse<String> served = gw.post("/v1/embeddings", "{\"model\":\"small\",\"input\":\"a\"}");
        assertEquals(200, served.statusCode(), served.body());
        assertEquals("application/json", served.headers().firstValue("content-type").orElse(null));
        assertEquals("[0.0,1.0]", Json.toString(obj(list(obj(served.body()).get("data")).get(0)).get("embedding")));
    }

    /** The start of a body, for a failure's message (a whole answer is 12 MiB). */
    static String start(String body) { return body.substring(0, Math.min(300, body.length())); }

    static void assertVectors(String body) {
        List<Object> data = list(obj(body).get("data"));
        assertEquals(VECTORS, data.size());
        String expected = ANSWER.substring(ANSWER.indexOf("\"embedding\":\"") + 13, ANSWER.indexOf("\"}"));
        for (int i = 0; i < VECTORS; i++) {
            assertEquals(i, ((tollgate.json.JsonNumber) obj(data.get(i)).get("index")).longValue());
            assertTrue(expected.equals(obj(data.get(i)).get("embedding")), "vector " + i + " passed through as sent");
        }
    }

    /** The status line and header lines (names lower-cased) of a response, read byte by byte up to the blank line. */
    static List<String> head(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0; ) {
            if (c != '\n') {
                if (c != '\r') line.write(c);
                continue;
            }
            String l = line.toString(US_ASCII);
            line.reset();
            if (l.isEmpty()) return lines;
            int colon = l.indexOf(':');
            lines.add(lines.isEmpty() || colon < 0 ? l : l.substring(0, colon).toLowerCase(Locale.ROOT) + ":" + l.substring(colon + 1));
        }
        throw new IOException("the connection ended inside the head: " + lines + Arrays.toString(line.toByteArray()));
    }

    static String header(List<String> head, String name) {
        for (String l : head) if (l.startsWith(name + ":")) return l.substring(name.length() + 1).trim();
        throw new AssertionError("no " + name + " in " + head);
    }
}
