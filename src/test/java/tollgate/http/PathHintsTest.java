package tollgate.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The path a 404 suggests (the whole message is checked black-box in FrontDoorTest). */
class PathHintsTest {
    static final Set<String> KNOWN = Set.of("/v1/chat/completions", "/api/chat/completions", "/chat/completions", "/v1/models",
            "/models", "/admin/keys", "/healthz");

    @Test
    void suggestions() {
        assertEquals("/v1/chat/completions", PathHints.suggestion("/openai/v1/chat/completions", KNOWN));
        assertEquals("/v1/chat/completions", PathHints.suggestion("/a/b/c/chat/completions", KNOWN));
        assertEquals("/v1/models", PathHints.suggestion("/v1/models///", KNOWN));
        assertEquals("/v1/models", PathHints.suggestion("/v1/model", KNOWN));
        assertEquals("/admin/keys", PathHints.suggestion("/api/admin/keys", KNOWN));
        assertEquals("/healthz", PathHints.suggestion("/health", KNOWN));
        assertNull(PathHints.suggestion("/v1/chat/complete", KNOWN)); // 4 edits: too far to guess
        assertNull(PathHints.suggestion("/nothing/like/it", KNOWN));
    }

    @Test
    void theWorkIsBounded() {
        // More than MAX_STRIPPED_SEGMENTS extra segments: not searched for.
        assertNull(PathHints.suggestion("/a/b/c/d/e/chat/completions", KNOWN));
        // A URL at the gateway's length limit of slashes or segments: answered, with no guess.
        assertNull(PathHints.suggestion("/".repeat(8192), KNOWN));
        assertNull(PathHints.suggestion("/x".repeat(4096), KNOWN));
    }

    @Test
    void aLongPath_isQuotedBackCut_notWhole() {
        String path = "/v1/" + "x".repeat(8000);
        assertEquals("Unknown path GET /v1/" + "x".repeat(252) + "…. Tollgate serves the OpenAI API under http://127.0.0.1:8080/v1"
                + " (e.g. POST /v1/chat/completions); GET /v1/models lists the models.",
                PathHints.notFound("GET", path, KNOWN, "http://127.0.0.1:8080"));
    }
}
