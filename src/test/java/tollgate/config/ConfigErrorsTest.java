package tollgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.ConfigLoader.Overrides;

/** Every failure names where (file and JSON path) and what (the offending value). */
class ConfigErrorsTest {

    private static String error(String json) { return error(json, Map.of(), Overrides.NONE); }

    private static String error(String json, Map<String, String> env, Overrides o) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoaderTest.load(json, env, o));
        return e.getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String part : parts) assertTrue(message.contains(part), () -> "no '" + part + "' in: " + message);
    }

    private static final String ECHO = "\"providers\": {\"echo\": {\"kind\": \"echo\"}}";

    @Test
    void portOutOfRange_namesPathAndValue() {
        assertEquals("config: server.port: expected an integer 0-65535, got \"80800\"",
                error("{\"server\": {\"port\": \"80800\"}}"));
        assertEquals("config: server.port: expected an integer 0-65535, got 70000",
                error("{\"server\": {\"port\": 70000}}"));
        assertMentions(error("{\"server\": {\"port\": -1}}"), "server.port", "got -1");
        assertMentions(error("{\"server\": {\"port\": 80.5}}"), "server.port", "got 80.5");
        assertMentions(error("{\"server\": {\"port\": \"${P:-x1}\"}}"), "server.port", "\"x1\" (from \"${P:-x1}\")");
        assertMentions(error("{\"server\": {\"port\": \"${P}\"}}"), "server.port", "P is not set");
    }

    @Test
    void loadedFile_prefixesMessagesWithItsName(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("tollgate.json");
        Files.writeString(file, "{\"server\": {\"port\": \"80800\"}}");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of(), Overrides.NONE));
        assertEquals(file + ":1: server.port: expected an integer 0-65535, got \"80800\"", e.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(tmp.resolve("nope.json"), Map.of(), Overrides.NONE));
        assertMentions(missing.getMessage(), "nope.json", "no such file");
    }

    @Test
    void invalidJson_reportsLineAndColumn() {
        assertMentions(error("{\n  \"server\": {\"port\": 1,}\n}"), "config:2:24: invalid JSON", "line 2, column 23");
    }

    @Test
    void unknownKey_isNamedAtEveryLevel() {
        assertMentions(error("{\"sever\": {}}"), "config: top level: unknown key \"sever\"", "known keys: server");
        assertMentions(error("{\"server\": {\"prot\": 1, \"hots\": \"x\"}}"),
                "server: unknown keys \"prot\", \"hots\"");
        assertMentions(error("{\"providers\": {\"p\": {\"kind\": \"echo\", \"timeout\": 5}}}"),
                "providers.p: unknown key \"timeout\"");
        assertMentions(error("{" + ECHO + ", \"models\": [{\"id\": \"m\", \"provider\": \"echo\", \"contex_length\": 1}]}"),
                "models[0]: unknown key \"contex_length\"");
        assertMentions(error("{\"keys\": [{\"name\": \"a\", \"hash\": \"x\"}]}"), "keys[0]: unknown key \"hash\"");
    }

    @Test
    void wrongTypes_areNamed() {
        assertMentions(error("[]"), "config: top level: expected an object, got an array");
        assertMentions(error("{\"server\": []}"), "server: expected an object, got an array");
        assertMentions(error("{\"server\": {\"host\": 5}}"), "server.host: expected a string, got 5");
        assertMentions(error("{\"server\": {\"access_log\": \"yes\"}}"), "server.access_log", "\"yes\"");
        assertMentions(error("{\"keys\": {}}"), "keys: expected an array, got an object");
    }

    @Test
    void badServerValues_areNamed() {
        assertMentions(error("{\"server\": {\"extension_field\": \"my-ext\"}}"),
                "server.extension_field", "\"my-ext\"");
        assertMentions(error("{\"server\": {\"extension_field\": \"9lives\"}}"), "server.extension_field", "\"9lives\"");
        assertMentions(error("{\"server\": {\"max_body_bytes\": 1023}}"), "server.max_body_bytes", "1024-1073741824", "1023");
        assertMentions(error("{\"server\": {\"host\": \"\"}}"), "server.host", "got \"\"");
        assertMentions(error("{\"server\": {\"heartbeat_ms\": 0}}"), "server.heartbeat_ms", "got 0");
    }

    @Test
    void badEnvironmentOrOverride_isNamed() {
        assertEquals("environment: TOLLGATE_PORT: expected an integer 0-65535, got \"http\"",
                error("{}", Map.of("TOLLGATE_PORT", "http"), Overrides.NONE));
        assertMentions(error("{}", Map.of(), new Overrides(null, 65536, null)), "override: port", "65536");
        assertMentions(error("{}", Map.of(), new Overrides(" ", null, null)), "override: host", "\" \"");
    }

    @Test
    void unknownProviderKind_namesKinds() {
        assertMentions(error("{\"providers\": {\"a\": {\"kind\": \"bedrock\"}}}"),
                "providers.a.kind: expected one of openai, anthropic, mistral, echo, deepgram", "\"bedrock\"");
        assertMentions(error("{\"providers\": {\"a\": {}}}"), "providers.a.kind: required");
    }

    @Test
    void badBaseUrl_isNamed() {
        assertMentions(error("{\"providers\": {\"o\": {\"kind\": \"openai\", \"base_url\": \"api.openai.com/v1\"}}}"),
                "providers.o.base_url: expected an absolute http or https URL", "\"api.openai.com/v1\"");
        assertMentions(error("{\"providers\": {\"o\": {\"kind\": \"openai\", \"base_url\": \"ftp://h/v1\"}}}"),
                "providers.o.base_url", "\"ftp://h/v1\"");
        assertMentions(error("{\"providers\": {\"o\": {\"kind\": \"openai\", \"base_url\": \"https://h/v1?x=1\"}}}"),
                "providers.o.base_url", "\"https://h/v1?x=********\"");
        assertMentions(error("{\"providers\": {\"o\": {\"kind\": \"openai\", \"base_url\": \"${U:-http://bad host}\"}}}"),
                "providers.o.base_url", "\"http://bad host\" (from \"${U:-http://bad host}\")");
        assertMentions(error("{\"providers\": {\"o\": {\"kind\": \"openai\"}}}"),
                "providers.o.base_url: required for kind \"openai\"");
        assertMentions(error("{\"providers\": {\"e\": {\"kind\": \"echo\", \"base_url\": \"http://h\"}}}"),
                "providers.e.base_url", "echo kind takes no base_url");
    }

    @Test
    void badProviderIdOrHeader_isNamed() {
        assertMentions(error("{\"providers\": {\"Open AI\": {\"kind\": \"echo\"}}}"), "providers: provider id \"Open AI\"");
        assertMentions(error("{\"providers\": {\"o\": {\"kind\": \"openai\", \"base_url\": \"http://h\", "
                + "\"headers\": {\"Host\": \"x\"}}}}"), "providers.o.headers.Host", "\"Host\"");
        assertMentions(error("{\"providers\": {\"o\": {\"kind\": \"openai\", \"base_url\": \"http://h\", "
                + "\"headers\": {\"X-A\": 1}}}}"), "providers.o.headers.X-A: expected a string, got 1");
    }

    @Test
    void modelNamingUnknownProvider_listsConfiguredOnes() {
        assertMentions(error("{" + ECHO + ", \"models\": [{\"id\": \"m\", \"provider\": \"openai\"}]}"),
                "models[0].provider: no provider \"openai\" is configured", "(configured: echo)");
    }

    @Test
    void duplicateModelId_namesBothEntries() {
        assertMentions(error("{" + ECHO + ", \"models\": [{\"id\": \"m\", \"provider\": \"echo\"}, "
                + "{\"id\": \"x\", \"provider\": \"echo\"}, {\"id\": \"m\", \"provider\": \"echo\"}]}"),
                "models[2].id: duplicate model id \"m\" (also models[0])");
    }

    @Test
    void badModelFields_areNamed() {
        String pre = "{" + ECHO + ", \"models\": [{\"id\": \"m\", \"provider\": \"echo\", ";
        assertMentions(error(pre + "\"pricing\": {\"prompt\": \"-0.1\"}}]}"), "models[0].pricing.prompt", "\"-0.1\"");
        assertMentions(error(pre + "\"pricing\": {\"prompt\": \"$3/M\"}}]}"), "models[0].pricing.prompt", "\"$3/M\"");
        assertMentions(error(pre + "\"pricing\": {\"completion\": 1e-6}}]}"), "models[0].pricing.completion", "1e-6");
        assertMentions(error(pre + "\"capabilities\": [\"tools\", \"audio\"]}]}"),
                "models[0].capabilities[1]: expected one of tools, vision, json, stream", "\"audio\"");
        assertMentions(error(pre + "\"context_length\": -5}]}"), "models[0].context_length", "-5");
        assertMentions(error("{" + ECHO + ", \"models\": [{\"id\": \"has space\", \"provider\": \"echo\"}]}"),
                "models[0].id", "\"has space\"");
        assertMentions(error("{" + ECHO + ", \"models\": [{\"provider\": \"echo\"}]}"), "models[0].id: required");
    }

    @Test
    void weakKey_isRejectedWithoutEchoingIt() {
        String message = error("{\"keys\": [{\"name\": \"env\", \"key\": \"${K}\"}]}", Map.of("K", "hunter2hunter"),
                Overrides.NONE);
        assertMentions(message, "keys[0].key", "13 characters", "at least 16");
        assertFalse(message.contains("hunter2"), message);
    }

    @Test
    void badSha256_isNamed() {
        assertMentions(error("{\"keys\": [{\"name\": \"ci\", \"sha256\": \"abc123\"}]}"),
                "keys[0].sha256: expected 64 hex digits", "\"abc123\"");
        assertMentions(error("{\"keys\": [{\"name\": \"ci\", \"sha256\": \"" + "g".repeat(64) + "\"}]}"),
                "keys[0].sha256", "g".repeat(64));
    }

    @Test
    void keyEntriesMustBeUniqueAndComplete() {
        String sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assertMentions(error("{\"keys\": [{\"name\": \"a\", \"sha256\": \"" + sha + "\"}, {\"name\": \"a\", \"sha256\": \""
                + sha.replace('b', 'c') + "\"}]}"), "keys[1].name: duplicate key name \"a\" (also keys[0])");
        assertMentions(error("{\"keys\": [{\"name\": \"a\", \"sha256\": \"" + sha + "\"}, {\"name\": \"b\", \"sha256\": \""
                + sha.toUpperCase() + "\"}]}"), "keys[1]: same key as keys[0]");
        assertMentions(error("{\"keys\": [{\"name\": \"a\"}]}"), "keys[0]: needs exactly one of \"key\" or \"sha256\"");
        assertMentions(error("{\"keys\": [{\"name\": \"a\", \"key\": \"0123456789abcdef\", \"sha256\": \"" + sha + "\"}]}"),
                "keys[0]: needs exactly one");
        assertMentions(error("{\"keys\": [{\"name\": \"bad name\", \"sha256\": \"" + sha + "\"}]}"),
                "keys[0].name", "\"bad name\"");
    }

    @Test
    void malformedReference_isNamed() {
        assertMentions(error("{\"server\": {\"host\": \"${HOST\"}}"), "server.host: unclosed \"${\"", "\"${HOST\"");
    }
}
