package tollgate.http;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;

/**
 * The streaming multipart reader against exact bodies: every test also runs with the upload
 * arriving one byte per read, so that delimiters, header blocks and CRLFs split across reads.
 */
class MultipartTest {
    static final String B = "----tollgate7MA4YWxkTrZu0gW";

    /** An input stream that hands out at most {@code step} bytes per read. */
    static InputStream trickle(byte[] bytes, int step) {
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, step));
            }
        };
    }

    record Seen(String name, String filename, String contentType, byte[] body) {}

    /** Every part, its body read with reads of {@code readSize} bytes. */
    static List<Seen> parts(byte[] body, int step, int readSize) throws IOException {
        Multipart m = new Multipart(trickle(body, step), B);
        List<Seen> out = new ArrayList<>();
        Multipart.Part p;
        while ((p = m.next()) != null) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            byte[] chunk = new byte[readSize];
            for (int n; (n = p.body().read(chunk)) >= 0; ) bytes.write(chunk, 0, n);
            assertEquals(-1, p.body().read(), "stays at its end");
            out.add(new Seen(p.name(), p.filename(), p.contentType(), bytes.toByteArray()));
        }
        assertNull(m.next(), "stays finished");
        return out;
    }

    static byte[] cat(Object... pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : pieces) out.writeBytes(p instanceof byte[] b ? b : ((String) p).getBytes(UTF_8));
        return out.toByteArray();
    }

    static GatewayException fails(byte[] body, int step) {
        GatewayException e = assertThrows(GatewayException.class, () -> parts(body, step, 4096));
        assertEquals(ErrorKind.CALLER_INVALID_REQUEST, e.kind());
        return e;
    }

    static final byte[] FORM = cat(
            "--" + B + "\r\n",
            "Content-Disposition: form-data; name=\"model\"\r\n\r\n",
            "whisper-1\r\n",
            "--" + B + "\r\n",
            "Content-Disposition: form-data; name=\"file\"; filename=\"voice memo.m4a\"\r\n",
            "Content-Type: audio/mp4\r\n\r\n",
            "RIFF\r\n--\r\n-- not a boundary\r\n--" + B.substring(0, 10) + "\r\n",
            "\r\n--" + B + "--\r\n");

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 64, 100_000})
    void fieldsAndAFile_withCrlfAndDashesInside_exactlyAsSent(int step) throws IOException {
        for (int readSize : new int[] {1, 5, 8192}) {
            List<Seen> parts = parts(FORM, step, readSize);
            assertEquals(2, parts.size());
            assertEquals("model", parts.get(0).name());
            assertNull(parts.get(0).filename());
            assertNull(parts.get(0).contentType());
            assertEquals("whisper-1", new String(parts.get(0).body(), UTF_8));
            assertEquals("file", parts.get(1).name());
            assertEquals("voice memo.m4a", parts.get(1).filename());
            assertEquals("audio/mp4", parts.get(1).contentType());
            assertEquals("RIFF\r\n--\r\n-- not a boundary\r\n--" + B.substring(0, 10) + "\r\n",
                    new String(parts.get(1).body(), UTF_8), "the CRLF before the delimiter is not the part's");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 13, 4096, 1 << 20})
    void aMegabyteOfBinary_fullOfCrAndDashes_comesThroughByteForByte(int step) throws IOException {
        byte[] audio = new byte[1 << 20];
        new Random(42).nextBytes(audio);
        // Plant near-delimiters: CRLF--, and the whole delimiter but its last byte, around read boundaries.
        byte[] near = ("\r\n--" + B.substring(0, B.length() - 1)).getBytes(ISO_8859_1);
        for (int at = 1000; at + near.length < audio.length; at += 32_761) System.arraycopy(near, 0, audio, at, near.length);
        audio[audio.length - 1] = '\r';
        byte[] body = cat("preamble to be ignored\r\n--" + B + "  \t\r\n", // transport padding after the delimiter
                "Content-Disposition: form-data; name=\"audio\"; filename=\"x.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                audio, "\r\n--" + B + "--", "\r\nepilogue, ignored");
        List<Seen> parts = parts(body, step, 65536);
        assertEquals(1, parts.size());
        assertArrayEquals(audio, parts.get(0).body());
    }

    @Test
    void unreadParts_areSkipped_andTextFieldsRead() throws IOException {
        Multipart m = new Multipart(trickle(FORM, 3), B);
        Multipart.Part first = m.next();
        assertEquals("whisper-1", first.text());
        Multipart.Part file = m.next();
        assertEquals('R', file.body().read());
        assertNull(m.next(), "the rest of the file is skipped");
        assertEquals(-1, file.body().read(), "a part left behind reads as ended");
    }

    @Test
    void quotedBoundary_escapedFilenames_andAnEmptyPartWithoutHeaders() throws IOException {
        String ct = "multipart/form-data; charset=utf-8; boundary=\"" + B + "\"";
        assertEquals(B, MultipartHeaders.boundary(ct));
        assertEquals("multipart/form-data", MultipartHeaders.mediaType("Multipart/Form-Data ; boundary=x"));
        assertEquals("abc", MultipartHeaders.boundary("multipart/form-data;boundary=abc"));
        byte[] body = cat("--" + B + "\r\n",
                "content-disposition: form-data; name=\"file\"; filename=\"say \\\"hi\\\" \\\\ now.wav\"\r\n\r\n", "x",
                "\r\n--" + B + "\r\n",
                "Content-Disposition: form-data; name=\"f2\"; filename=\"plain.wav\"; filename*=UTF-8''%E2%82%AC%20r%C3%A9sum%C3%A9.wav\r\n\r\n",
                "\r\n--" + B + "\r\n",
                "Content-Disposition: form-data; name=\"caf\u00e9\"; filename=\"\u00e9t\u00e9.mp3\"\r\n\r\n", "y",
                "\r\n--" + B + "\r\n",
                "\r\n", "no headers",
                "\r\n--" + B + "--");
        List<Seen> parts = parts(body, 1, 3);
        assertEquals("say \"hi\" \\ now.wav", parts.get(0).filename());
        assertEquals("\u20ac r\u00e9sum\u00e9.wav", parts.get(1).filename(), "filename* (RFC 8187) wins");
        assertEquals(0, parts.get(1).body().length);
        assertEquals("caf\u00e9", parts.get(2).name(), "UTF-8 in headers (RFC 7578 §5.1)");
        assertEquals("\u00e9t\u00e9.mp3", parts.get(2).filename());
        assertNull(parts.get(3).name());
        assertEquals("no headers", new String(parts.get(3).body(), UTF_8));
    }

    @Test
    void missingOrBadBoundary_is400() {
        assertEquals("The multipart/form-data Content-Type has no boundary parameter (RFC 7578 §4.1).",
                assertThrows(GatewayException.class, () -> MultipartHeaders.boundary("multipart/form-data")).getMessage());
        assertEquals("The multipart/form-data Content-Type has no boundary parameter (RFC 7578 §4.1).",
                assertThrows(GatewayException.class, () -> MultipartHeaders.boundary("multipart/form-data; boundary=\"\"")).getMessage());
        assertEquals("The multipart boundary must be 1 to 70 characters, not ending in a space (RFC 2046 §5.1.1).",
                assertThrows(GatewayException.class, () -> MultipartHeaders.boundary("multipart/form-data; boundary=" + "b".repeat(71)))
                        .getMessage());
        assertEquals(B.length() + 0, MultipartHeaders.boundary("multipart/form-data; boundary=" + B).length());
        assertEquals(70, MultipartHeaders.boundary("multipart/form-data; boundary=" + "b".repeat(70)).length());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4096})
    void truncatedUploads_are400(int step) {
        String inFile = "The multipart body ended inside part 'file' before its closing boundary: the upload is truncated.";
        int cut = FORM.length - ("\r\n--" + B + "--\r\n").length() - 5;
        assertEquals(inFile, fails(java.util.Arrays.copyOf(FORM, cut), step).getMessage());
        assertEquals("file", fails(java.util.Arrays.copyOf(FORM, cut), step).param());
        // the last part's content ends, then the body, without the close delimiter
        assertEquals(inFile, fails(java.util.Arrays.copyOf(FORM, FORM.length - ("\r\n--" + B + "--\r\n").length()), step).getMessage());
        // the final delimiter without its "--"
        assertEquals("The multipart body ended before its closing boundary: the upload is truncated.",
                fails(java.util.Arrays.copyOf(FORM, FORM.length - 4), step).getMessage());
        // inside a header block
        assertEquals("The multipart body ended before its closing boundary: the upload is truncated.",
                fails(cat("--" + B + "\r\nContent-Disposition: form-da"), step).getMessage());
        assertEquals("The multipart body holds no part with the boundary its Content-Type names.",
                fails(cat("--other\r\n\r\nx\r\n--other--\r\n"), step).getMessage());
        assertEquals("The multipart body holds no part with the boundary its Content-Type names.", fails(new byte[0], step).getMessage());
    }

    @Test
    void oversizeHeaders_tooManyParts_longFields_badDelimiterLines_are400() throws IOException {
        byte[] bigHeader = cat("--" + B + "\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: " + "p".repeat(Multipart.MAX_HEADER_BYTES)
                + "\r\n\r\nv\r\n--" + B + "--");
        assertEquals("A part's headers in the multipart body are longer than 8192 bytes.", fails(bigHeader, 1).getMessage());
        assertEquals("A part's headers in the multipart body are longer than 8192 bytes.", fails(bigHeader, 1 << 20).getMessage());

        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= Multipart.MAX_PARTS; i++) many.append("--").append(B).append("\r\n\r\nv\r\n");
        many.append("--").append(B).append("--");
        assertEquals("The multipart body has more than 64 parts.", fails(cat(many.toString()), 4096).getMessage());

        Multipart m = new Multipart(new ByteArrayInputStream(cat("--" + B + "\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\n",
                "x".repeat(Multipart.MAX_FIELD_BYTES + 1), "\r\n--" + B + "--")), B);
        GatewayException e = assertThrows(GatewayException.class, () -> m.next().text());
        assertEquals("The form field 'prompt' is longer than 65536 bytes.", e.getMessage());
        assertEquals("prompt", e.param());

        assertEquals("The multipart body is malformed: a boundary delimiter is not followed by a line break (RFC 2046 §5.1.1).",
                fails(cat("--" + B + "X\r\n\r\nv\r\n--" + B + "--"), 1).getMessage());
        assertEquals("The multipart body is malformed: a part header line has no name (RFC 2046 §5.1.1).",
                fails(cat("--" + B + "\r\nnonsense\r\n\r\nv\r\n--" + B + "--"), 1).getMessage());
    }

    @Test
    void aFieldOfExactlyTheCap_isRead() throws IOException {
        String v = "\u00e9".repeat(Multipart.MAX_FIELD_BYTES / 2);
        Multipart m = new Multipart(trickle(cat("--" + B + "\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\n", v,
                "\r\n--" + B + "--"), 999), B);
        assertEquals(v, m.next().text());
        assertNull(m.next());
    }
}
