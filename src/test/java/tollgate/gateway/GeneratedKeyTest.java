package tollgate.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.chat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secure default: with no key configured, one is generated, printed once, and only its hash kept. */
class GeneratedKeyTest {
    static final String NO_KEYS = """
            {"server": {"access_log": false},
             "providers": {"echo": {"kind": "echo"}},
             "models": [{"id": "echo", "provider": "echo"}]}
            """;
    static final Pattern PRINTED_KEY = Pattern.compile("sk-tollgate-[0-9a-f]{64}");

    @TempDir Path tmp;
    Path dataDir;
    Path keyFile;
    GatewayHarness gw;

    @BeforeEach
    void paths() {
        dataDir = tmp.resolve("state");
        keyFile = dataDir.resolve("generated-key.sha256");
    }

    @AfterEach
    void stop() {
        if (gw != null) gw.close();
    }

    record Started(GatewayHarness gateway, String stderr) {}

    /** Starts the gateway while capturing what it prints on System.err (the key notice). */
    Started startCapturing() throws IOException {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, UTF_8));
        try {
            GatewayHarness g = GatewayHarness.builder("http://127.0.0.1:9", dataDir).config(NO_KEYS).start();
            return new Started(g, captured.toString(UTF_8));
        } finally {
            System.setErr(original);
        }
    }

    static String sha256Hex(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(UTF_8)));
    }

    int chatAs(String authorization) throws Exception {
        return authorization == null
                ? gw.postAs("/v1/chat/completions", chat("echo", false)).statusCode()
                : gw.postAs("/v1/chat/completions", chat("echo", false), "Authorization", authorization).statusCode();
    }

    @Test
    void noKeyConfigured_generatesOneKeepsOnlyItsHashAndAcceptsOnlyIt() throws Exception {
        assertFalse(Files.exists(dataDir));

        Started s = startCapturing();
        gw = s.gateway();

        Matcher m = PRINTED_KEY.matcher(s.stderr());
        assertTrue(m.find(), "no key printed: " + s.stderr());
        String key = m.group();
        String stored = Files.readString(keyFile, UTF_8);
        assertTrue(stored.matches("[0-9a-f]{64}\n"), stored);
        assertEquals(sha256Hex(key) + "\n", stored);
        assertFalse(stored.contains(key));
        try (var files = Files.list(dataDir)) {
            // No temporary file of the key's atomic write is left; the ledger, paused executions and tasks have their own folders.
            assertEquals(java.util.List.of("approvals", "generated-key.sha256", "ledger", "tasks"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "the data dir holds the key file, the ledger, the approvals and the tasks");
        }

        assertEquals(401, chatAs(null));
        assertEquals(401, chatAs("Bearer " + GatewayHarness.CLIENT_KEY));
        assertEquals(401, chatAs("Bearer " + stored.trim()));
        assertEquals(200, chatAs("Bearer " + key));
    }

    @Test
    void restartWithTheSameDataDir_reusesTheKeyWithoutPrintingOrRewritingIt() throws Exception {
        Started first = startCapturing();
        Matcher m = PRINTED_KEY.matcher(first.stderr());
        assertTrue(m.find());
        String key = m.group();
        first.gateway().close();
        byte[] before = Files.readAllBytes(keyFile);
        FileTime modified = Files.getLastModifiedTime(keyFile);

        Started second = startCapturing();
        gw = second.gateway();

        assertFalse(PRINTED_KEY.matcher(second.stderr()).find(), second.stderr());
        assertArrayEquals(before, Files.readAllBytes(keyFile));
        assertEquals(modified, Files.getLastModifiedTime(keyFile));
        assertEquals(200, chatAs("Bearer " + key));
    }

    @Test
    void corruptKeyFile_stopsTheStartInsteadOfOpeningTheGateway() throws Exception {
        Files.createDirectories(dataDir);
        Files.writeString(keyFile, "not a digest\n", UTF_8);

        IOException e = assertThrows(IOException.class,
                () -> GatewayHarness.builder("http://127.0.0.1:9", dataDir).config(NO_KEYS).start());
        assertTrue(e.getMessage().contains("expected a 64-hex-digit SHA-256"), e.getMessage());
    }

    @Test
    void configuredKey_meansNoKeyIsGenerated() throws Exception {
        gw = GatewayHarness.builder("http://127.0.0.1:9", dataDir).start();

        assertFalse(Files.exists(keyFile));
        assertEquals(200, chatAs(GatewayHarness.AUTH));
    }

    @Test
    void keyEntryWithUnsetVariable_isSkippedSoAKeyIsGenerated() throws Exception {
        String config = NO_KEYS.replace("\"server\"", "\"keys\": [{\"name\": \"env\", \"key\": \"${TG_TEST_UNSET_API_KEY}\"}], \"server\"");
        PrintStream original = System.err;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, UTF_8));
        try {
            gw = GatewayHarness.builder("http://127.0.0.1:9", dataDir).config(config).start();
        } finally {
            System.setErr(original);
        }

        assertTrue(Files.exists(keyFile));
        assertEquals(401, chatAs(GatewayHarness.AUTH));
    }
}
