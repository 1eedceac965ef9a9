package tollgate.provider.echo;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import tollgate.error.ClientGoneException;
import tollgate.error.GatewayException;
import tollgate.provider.GeneratedImages;
import tollgate.provider.ImagesCall;

/**
 * The echo provider's image generation, offline: each image is an {@value #SIDE}x{@value #SIDE}
 * PNG (RGB, 8 bits per channel) built here with the JDK's {@link Deflater} and {@link CRC32}
 * (W3C PNG, 3rd edition: signature, IHDR, one IDAT of zlib data, IEND), a checkerboard of two
 * colours taken from a CRC-32 of the prompt and the image's index, so that the same prompt always
 * gives the same bytes. Whatever {@code size} and {@code quality} ask, the image is that small.
 *
 * <p>{@code response_format} {@code url} gives a {@code data:image/png;base64,...} URL (RFC
 * 2397); anything else, or none, {@code b64_json}. An {@code output_format} other than
 * {@code png} is refused with a 400 (no-retry) naming it; the other fields are ignored.
 */
final class EchoImages {
    private EchoImages() { throw new AssertionError(); }

    /** Width and height of every image, in pixels. */
    static final int SIDE = 8;
    /** Most images one call produces (OpenAI's limit for {@code n}). */
    static final int MAX_IMAGES = 10;
    /** The PNG file signature (PNG §5.2). */
    static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    static GeneratedImages generate(String providerId, InstantSource clock, ImagesCall call) {
        Object format = call.request().extra().get("output_format");
        if (format != null && !"png".equals(format)) {
            throw GatewayException.invalid("output_format", "Provider '" + providerId + "' produces only png images; the request "
                    + "asks for " + (format instanceof String s ? "'" + s + "'" : "a non-string output_format") + ".").noRetry();
        }
        if (call.cancellation().isCancelled()) throw new ClientGoneException(null);
        boolean url = "url".equals(call.request().responseFormat());
        int n = Math.min(call.request().count(), MAX_IMAGES);
        List<GeneratedImages.Image> images = new ArrayList<>(n);
        List<Object> data = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String b64 = Base64.getEncoder().encodeToString(png(call.request().prompt(), i));
            Map<String, Object> entry = new LinkedHashMap<>();
            if (url) {
                String dataUrl = "data:image/png;base64," + b64;
                entry.put("url", dataUrl);
                images.add(new GeneratedImages.Image(dataUrl, null, null));
            } else {
                entry.put("b64_json", b64);
                images.add(new GeneratedImages.Image(null, b64, null));
            }
            data.add(entry);
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("created", clock.instant().getEpochSecond());
        answer.put("data", data);
        return new GeneratedImages(List.copyOf(images), answer);
    }

    /** The PNG file of image {@code index} for {@code prompt}. */
    static byte[] png(String prompt, int index) {
        CRC32 seed = new CRC32();
        seed.update((prompt + "#" + index).getBytes(StandardCharsets.UTF_8));
        int rgb = (int) seed.getValue() & 0xFFFFFF;
        int other = ~rgb & 0xFFFFFF;
        byte[] raw = new byte[SIDE * (1 + 3 * SIDE)]; // per row: filter type 0 (None), then RGB triples
        int at = 0;
        for (int y = 0; y < SIDE; y++) {
            raw[at++] = 0;
            for (int x = 0; x < SIDE; x++) {
                int c = ((x + y) & 1) == 0 ? rgb : other;
                raw[at++] = (byte) (c >>> 16);
                raw[at++] = (byte) (c >>> 8);
                raw[at++] = (byte) c;
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        out.writeBytes(SIGNATURE);
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, SIDE);
        putInt(ihdr, 4, SIDE);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // colour type 2: truecolour (RGB)
        // compression method 0 (deflate), filter method 0, interlace method 0 (none): already 0
        chunk(out, "IHDR", ihdr);
        chunk(out, "IDAT", zlib(raw));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** {@code data} as a zlib stream (RFC 1950), which PNG's compression method 0 is. */
    private static byte[] zlib(byte[] data) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION); // nowrap false: with the zlib header and Adler-32
        try {
            deflater.setInput(data);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(64);
            byte[] buf = new byte[256];
            while (!deflater.finished()) out.write(buf, 0, deflater.deflate(buf));
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    /** One chunk (PNG §5.3): length, type, data, and the CRC-32 of type and data. */
    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] head = new byte[8];
        putInt(head, 0, data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, head, 4, 4);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        byte[] tail = new byte[4];
        putInt(tail, 0, (int) crc.getValue());
        out.writeBytes(head);
        out.writeBytes(data);
        out.writeBytes(tail);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
