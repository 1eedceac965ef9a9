package tollgate.provider.echo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.call.Cancellation;
import tollgate.error.ClientGoneException;
import tollgate.error.FailureClass;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.memory.MemoryBudget;
import tollgate.provider.GeneratedImages;
import tollgate.provider.ImagesCall;
import tollgate.provider.PngCheck;

/** Echo's image generation: valid PNGs, deterministic per prompt and index, b64_json or data: URLs, refusals. */
class EchoImagesTest {
    private final EchoProvider echo = new EchoProvider("echo", InstantSource.fixed(Instant.ofEpochSecond(1_700_000_000)));

    private static ImagesCall call(String prompt, int n, String format, Map<String, Object> extra, Cancellation c) {
        return new ImagesCall("echo-image", new ImagesCall.Request(prompt, n, "1024x1024", null, format, extra), "req-1", c,
                MemoryBudget.unlimited().open(), 0);
    }

    @Test
    void eachImage_isAValidPng_ofEightByEight() {
        GeneratedImages g = echo.generate(call("a red fox", 3, null, Map.of(), new Cancellation()));
        assertEquals(3, g.images().size());
        for (GeneratedImages.Image i : g.images()) {
            assertNull(i.url());
            byte[] png = Base64.getDecoder().decode(i.b64Json());
            assertEquals(new PngCheck.Png(8, 8, List.of("IHDR", "IDAT", "IEND")), PngCheck.check(png));
            assertEquals("image/png", GeneratedImages.mediaType(i.b64Json()));
        }
        assertFalse(g.images().get(0).b64Json().equals(g.images().get(1).b64Json()), "each index has its colours");
        assertEquals(1_700_000_000L, ((Number) g.answer().get("created")).longValue());
        assertEquals(3, ((List<?>) g.answer().get("data")).size());
    }

    @Test
    void theSamePrompt_givesTheSameBytes() {
        byte[] a = EchoImages.png("a red fox", 0);
        assertArrayEquals(a, EchoImages.png("a red fox", 0));
        assertFalse(java.util.Arrays.equals(a, EchoImages.png("a blue fox", 0)));
    }

    @Test
    void theCheck_catchesACorruptedFile() {
        byte[] png = EchoImages.png("x", 0);
        byte[] flipped = png.clone();
        flipped[8 + 8 + 13 + 4 + 8 + 2] ^= 1; // a byte of IDAT's data
        assertThrows(AssertionError.class, () -> PngCheck.check(flipped));
        byte[] cut = java.util.Arrays.copyOf(png, png.length - 12); // without IEND
        assertThrows(AssertionError.class, () -> PngCheck.check(cut));
    }

    @Test
    void url_isADataUrl_andTheAnswerHasOpenAisShape() {
        GeneratedImages g = echo.generate(call("x", 0, "url", Map.of(), new Cancellation()));
        assertEquals(1, g.images().size(), "n 0: the default, one");
        String url = g.images().get(0).url();
        assertTrue(url.startsWith("data:image/png;base64,iVBORw0KGgo"), url);
        PngCheck.check(Base64.getDecoder().decode(url.substring(url.indexOf(',') + 1)));
        assertEquals("{\"created\":1700000000,\"data\":[{\"url\":\"" + url + "\"}]}", Json.toString(g.answer()));
    }

    @Test
    void anotherOutputFormat_isRefused_soAnotherCandidateMayServeIt() {
        GatewayException e = assertThrows(GatewayException.class,
                () -> echo.generate(call("x", 1, null, Map.of("output_format", "webp"), new Cancellation())));
        assertEquals("Provider 'echo' produces only png images; the request asks for 'webp'.", e.getMessage());
        assertEquals("output_format", e.param());
        assertEquals(FailureClass.REJECTED, e.failure());
        assertEquals(1, echo.generate(call("x", 1, null, Map.of("output_format", "png"), new Cancellation())).images().size());
    }

    @Test
    void aCancelledCall_producesNothing() {
        Cancellation c = new Cancellation();
        c.cancel();
        assertThrows(ClientGoneException.class, () -> echo.generate(call("x", 1, null, Map.of(), c)));
    }

    @Test
    void atMostTenImages() {
        assertEquals(10, echo.generate(call("x", 50, null, Map.of(), new Cancellation())).images().size());
        assertTrue(echo.capabilities().contains("images"));
    }
}
