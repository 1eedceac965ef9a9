package tollgate;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.ConfigLoader;
import tollgate.json.Json;
import tollgate.json.JsonNumber;

class KeysCommandTest {
    /** How long a running gateway may take to apply a change of keys.json (it promises "at once"). */
    static final Duration PICK_UP = Duration.ofSeconds(3);
    /** Between two tries while waiting for the gateway. */
    static final long POLL_MS = 20;
    /** max_tokens keeps what a priced request holds back from the balance small (otherwise the echo model's 4,096). */
    static final String CHAT = "{\"model\":\"%s\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    @TempDir Path dir;

    record Result(Main.Exit exit, String out, String err) {
        Map<String, Object> json() {
            assertEquals(Main.Exit.OK, exit, err);
            return Json.asObject(Json.parse(out));
        }
    }

    Result keys(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main.Exit exit = KeysCommand.run(args, env, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
        return new Result(exit, out.toString(UTF_8), err.toString(UTF_8));
    }

    /** {@code tollgate keys --data-dir <dir> <args>}. */
    Result keys(String... args) {
        List<String> all = new ArrayList<>(List.of("--data-dir", dir.toString()));
        all.addAll(List.of(args));
        return keys(Map.of(), all.toArray(String[]::new));
    }

    static long num(Object o) { return ((JsonNumber) o).longValue(); }

    @Test
    void createListShowTopupSetRevoke_roundTrip() throws Exception {
        Result created = keys("create", "--name", "ci-bot", "--credits", "1000", "--rpm", "60", "--allow", "echo*",
                "--deny", "gpt-4*", "--meta", "team=ml", "--meta", "owner=ana", "--expires", "2099-01-01", "--json");
        Map<String, Object> c = created.json();
        String id = (String) c.get("id");
        String secret = (String) c.get("key");
        assertTrue(id.matches("key_[0-9a-f]{16}"), id);
        assertTrue(secret.matches("sk-tollgate-[0-9a-f]{64}"), secret);
        assertEquals(List.of("id", "key", "name", "prefix", "status", "created", "expires", "credits", "spent", "balance", "held",
                "streams", "rpm", "tpm", "max_streams", "allow", "deny", "metadata"), List.copyOf(c.keySet()));
        assertEquals("ci-bot", c.get("name"));
        assertEquals(secret.substring(0, 18), c.get("prefix"));
        assertEquals("active", c.get("status"));
        assertEquals("2099-01-01T00:00:00Z", c.get("expires"));
        assertEquals(1000, num(c.get("credits")));
        assertEquals(0, num(c.get("spent")));
        assertEquals(1000, num(c.get("balance")));
        assertEquals(0, num(c.get("held")), "nothing is held: the files are read, not a running gateway");
        assertEquals(0, num(c.get("streams")));
        assertEquals(60, num(c.get("rpm")));
        assertEquals(0, num(c.get("tpm")));
        assertEquals(0, num(c.get("max_streams")));
        assertEquals(List.of("echo*"), c.get("allow"));
        assertEquals(List.of("gpt-4*"), c.get("deny"));
        assertEquals(Map.of("team", "ml", "owner", "ana"), c.get("metadata"));
        String createdAt = (String) c.get("created");

        byte[] file = Files.readAllBytes(dir.resolve("keys.json"));
        String stored = new String(file, UTF_8);
        assertFalse(stored.contains(secret), "the key itself is never stored");
        assertFalse(stored.contains(secret.substring(18)), "nor its secret part");
        assertTrue(stored.contains(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(UTF_8)))));

        List<String> outputs = new ArrayList<>();
        Result listJson = keys("list", "--json");
        outputs.add(listJson.out());
        List<?> list = (List<?>) Json.parse(listJson.out());
        assertEquals(1, list.size());
        Map<String, Object> listed = Json.asObject(list.get(0));
        Map<String, Object> expected = new java.util.LinkedHashMap<>(c);
        expected.remove("key");
        assertEquals(Json.toString(expected), Json.toString(listed));

        Result table = keys("list");
        outputs.add(table.out());
        assertEquals(Main.Exit.OK, table.exit());
        assertEquals("""
                ID                    NAME    PREFIX              GRANTED  BALANCE  RPM  TPM  STREAMS  STATUS  CREATED
                %s  ci-bot  %s  1000     1000     60   -    -        active  %s
                """.formatted(id, secret.substring(0, 18), createdAt), table.out());

        Result show = keys("show", id);
        outputs.add(show.out());
        assertEquals("""
                id           %s
                name         ci-bot
                prefix       %s
                status       active
                created      %s
                expires      2099-01-01T00:00:00Z
                credits      1000 granted
                spent        0
                balance      1000
                rpm          60
                tpm          no limit
                max streams  no limit
                allow        echo*
                deny         gpt-4*
                metadata     team=ml, owner=ana
                """.formatted(id, secret.substring(0, 18), createdAt), show.out());
        assertEquals(Json.toString(expected), Json.toString(keys("show", id, "--json").json()));

        Map<String, Object> topped = keys("topup", id, "500", "--json").json();
        outputs.add(Json.toString(topped));
        assertEquals(1500, num(topped.get("credits")));
        assertEquals(1500, num(topped.get("balance")));
        Result toppedText = keys("topup", id, "250");
        outputs.add(toppedText.out());
        assertEquals("Topped up key " + id + " by 250: granted 1750, balance 1750.\n", toppedText.out());

        Map<String, Object> changed = keys("set", id, "--name", "renamed", "--tpm", "1000", "--max-streams", "4", "--clear-allow",
                "--meta", "a=b", "--expires", "never", "--json").json();
        outputs.add(Json.toString(changed));
        assertEquals("renamed", changed.get("name"));
        assertEquals(1000, num(changed.get("tpm")));
        assertEquals(4, num(changed.get("max_streams")));
        assertEquals(60, num(changed.get("rpm")), "what set does not name stays");
        assertEquals(List.of(), changed.get("allow"));
        assertEquals(List.of("gpt-4*"), changed.get("deny"));
        assertEquals(Map.of("a", "b"), changed.get("metadata"));
        assertEquals(null, changed.get("expires"));
        assertEquals(1750, num(changed.get("credits")));

        Map<String, Object> unlimited = keys("set", id, "--unlimited", "--json").json();
        assertEquals(null, unlimited.get("credits"));
        assertEquals(null, unlimited.get("balance"));
        assertEquals(10, num(keys("set", id, "--credits", "10", "--json").json().get("credits")));
        assertEquals("revoked", keys("set", id, "--disable", "--json").json().get("status"));
        assertEquals("active", keys("set", id, "--enable", "--json").json().get("status"));

        Result revoked = keys("revoke", id);
        outputs.add(revoked.out());
        assertEquals("Revoked key " + id + ": it is refused from now on, by a running gateway too.\n" + "id           " + id + "\n",
                revoked.out().lines().limit(2).map(l -> l + "\n").reduce("", String::concat));
        assertEquals("revoked", keys("show", id, "--json").json().get("status"));
        assertTrue(keys("list").out().contains("  revoked  "));

        for (String o : outputs) assertFalse(o.contains(secret.substring(18)), "only create shows the key: " + o);
        assertFalse(Files.readString(dir.resolve("keys.json")).contains(secret.substring(18)));
        assertFalse(Files.readString(dir.resolve("keys.json")).contains("\"key\""));
    }

    @Test
    void create_text_showsTheKeyOnceAndSaysSo() {
        Result r = keys("create", "--name", "laptop");
        assertEquals(Main.Exit.OK, r.exit(), r.err());
        String secret = r.out().lines().filter(l -> l.startsWith("    sk-tollgate-")).findFirst().orElseThrow().strip();
        assertEquals(1, r.out().split(secret, -1).length - 1, "the key appears exactly once");
        assertTrue(r.out().startsWith("Created key key_"), r.out());
        assertTrue(r.out().contains("\nThis is the only time the key is shown: only its SHA-256 is kept. Store it now.\n"));
        assertTrue(r.out().contains("\ncredits      unlimited\n"), "credits default to unlimited");
        assertEquals("", r.err());
    }

    @Test
    void list_emptyDataDir_saysSoAndJsonIsAnEmptyArray() {
        assertEquals(new Result(Main.Exit.OK, "No managed keys in " + dir.resolve("keys.json") + ".\n", ""), keys("list"));
        assertEquals(new Result(Main.Exit.OK, "[]\n", ""), keys("list", "--json"));
        assertFalse(Files.exists(dir.resolve("keys.json")), "reading creates nothing");
    }

    @Test
    void badInput_exit1WithAClearMessageAndNothingWritten() throws Exception {
        String id = (String) keys("create", "--name", "k", "--credits", "5", "--json").json().get("id");
        String unlimitedId = (String) keys("create", "--name", "u", "--json").json().get("id");
        byte[] before = Files.readAllBytes(dir.resolve("keys.json"));
        String[][] cases = {
                {"unknown flag '--colour' (tollgate keys --help)", "create", "--name", "x", "--colour", "red"},
                {"--rpm: expected a whole number ≥ 0, got '-1'", "create", "--name", "x", "--rpm", "-1"},
                {"--rpm: expected a whole number ≥ 0, got 'abc'", "create", "--name", "x", "--rpm", "abc"},
                {"--credits: expected a whole number ≥ 0, got '1.5'", "set", id, "--credits", "1.5"},
                {"CREDITS: expected a whole number ≥ 1, got '0'", "topup", id, "0"},
                {"credits: the top-up would overflow the grant", "topup", id, "9223372036854775807"},
                {"no key with id 'key_nope'", "show", "key_nope"},
                {"no key with id 'key_nope'", "revoke", "key_nope"},
                {"no key with id 'key_nope'", "topup", "key_nope", "5"},
                {"give --credits or --unlimited, not both", "create", "--name", "x", "--credits", "5", "--unlimited"},
                {"give --enable or --disable, not both", "set", id, "--enable", "--disable"},
                {"give --allow or --clear-allow, not both", "set", id, "--allow", "a*", "--clear-allow"},
                {"create: --name is required", "create", "--credits", "5"},
                {"create: unknown flag '--clear-allow' (tollgate keys --help)", "create", "--name", "x", "--clear-allow"},
                {"list: unknown flag '--name' (tollgate keys --help)", "list", "--name", "x"},
                {"--name needs a value", "create", "--name"},
                {"--name needs a value", "create", "--name", "--json"},
                {"--name given twice", "create", "--name", "a", "--name", "b"},
                {"--meta: expected KEY=VALUE, got 'team'", "create", "--name", "x", "--meta", "team"},
                {"show: expected ID, got none", "show"},
                {"topup: expected ID CREDITS, got " + id, "topup", id},
                {"set: nothing to change (tollgate keys --help)", "set", id},
                {"unknown command 'frobnicate'; commands: create, list, show, revoke, topup, set, hash (tollgate keys --help)", "frobnicate"},
                {"missing command; commands: create, list, show, revoke, topup, set, hash (tollgate keys --help)"},
                {"key '" + unlimitedId + "' has unlimited credits; set \"credits\" to give it a balance", "topup", unlimitedId, "5"},
                {"expires: expected a date (2027-01-31) or an instant (2027-01-31T12:00:00Z), got tomorrow", "create", "--name", "x",
                        "--expires", "tomorrow"},
        };
        for (String[] c : cases) {
            Result r = keys(java.util.Arrays.copyOfRange(c, 1, c.length));
            assertEquals(new Result(Main.Exit.CMDERR, "", "tollgate keys: " + c[0] + "\n"), r, String.join(" ", c));
        }
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("keys.json")), "no failed command wrote anything");
    }

    @Test
    void ioError_exit2() throws Exception {
        Path notADir = Files.writeString(dir.resolve("plain-file"), "x");
        Result r = keys(Map.of(), "--data-dir", notADir.toString(), "create", "--name", "x");
        assertEquals(Main.Exit.SYSERR, r.exit());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("tollgate keys: "), r.err());
    }

    @Test
    void help_printsUsageAndExits0() {
        assertEquals(new Result(Main.Exit.OK, KeysCommand.USAGE, ""), keys(Map.of(), "--help"));
        assertEquals(new Result(Main.Exit.OK, KeysCommand.USAGE, ""), keys(Map.of(), "create", "-h"));
    }

    @Test
    void dataDir_fromEnvironment_configFileOrFlag_asTheGatewayFindsIt() throws Exception {
        Path fromEnv = dir.resolve("env");
        assertEquals(Main.Exit.OK, keys(Map.of("TOLLGATE_DATA_DIR", fromEnv.toString()), "create", "--name", "e").exit());
        assertTrue(Files.exists(fromEnv.resolve("keys.json")));

        // Only data_dir is read: a provider whose key is unset, or an unset TOLLGATE_API_KEY, does not matter.
        Path config = Files.writeString(dir.resolve("tollgate.json"), """
                // comments allowed, as for the gateway
                {"data_dir": "${BASE}/from-config",
                 "providers": {"openai": {"kind": "openai", "base_url": "https://x/v1", "api_key": "${UNSET_KEY}"}}}
                """);
        Map<String, String> env = Map.of("BASE", dir.toString());
        assertEquals(Main.Exit.OK, keys(env, "--config", config.toString(), "create", "--name", "c").exit());
        assertTrue(Files.exists(dir.resolve("from-config/keys.json")));
        Result viaEnvConfig = keys(Map.of("BASE", dir.toString(), "TOLLGATE_CONFIG", config.toString()), "list", "--json");
        assertEquals(1, ((List<?>) Json.parse(viaEnvConfig.out())).size(), viaEnvConfig.err());

        Path flag = dir.resolve("flag");
        assertEquals(Main.Exit.OK, keys(Map.of("TOLLGATE_DATA_DIR", fromEnv.toString()), "--data-dir", flag.toString(), "create",
                "--name", "f").exit(), "--data-dir wins over the environment");
        assertTrue(Files.exists(flag.resolve("keys.json")));

        Result missing = keys(Map.of(), "--config", dir.resolve("nope.json").toString(), "list");
        assertEquals(new Result(Main.Exit.CMDERR, "", "tollgate keys: " + dir.resolve("nope.json")
                + ": no such file (give --data-dir DIR or --config FILE)\n"), missing);
    }

    @Test
    void controlCharacters_areRefused_andOnesWrittenIntoKeysJsonByHandNeverReachTheTerminal() throws Exception {
        Map<String, Object> c = keys("create", "--name", "plain", "--allow", "ok*", "--meta", "team=ml", "--json").json();
        String id = (String) c.get("id"), prefix = (String) c.get("prefix"), createdAt = (String) c.get("created");
        byte[] before = Files.readAllBytes(dir.resolve("keys.json"));
        String[][] refused = {
                {"name: contains a control character", "create", "--name", "evil\u001b[2Jname"},
                {"name: contains a control character", "set", id, "--name", "evil\u001b[2Jname"},
                {"allow: contains a control character", "set", id, "--allow", "gpt\u0007*"},
                {"metadata.team: contains a control character", "set", id, "--meta", "team=m\rl"},
        };
        for (String[] r : refused) {
            assertEquals(new Result(Main.Exit.CMDERR, "", "tollgate keys: " + r[0] + "\n"),
                    keys(java.util.Arrays.copyOfRange(r, 1, r.length)), String.join(" ", r));
        }
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("keys.json")), "nothing refused was written");

        // A keys.json written by hand does not go through KeyAdmin: the text output cleans what it shows.
        Map<String, Object> top = Json.asObject(Json.parse(before));
        Map<String, Object> key = new java.util.LinkedHashMap<>(Json.asObject(((List<?>) top.get("keys")).get(0)));
        key.put("name", "evil\u001b[2Jname");
        key.put("allow", List.of("ok\u0007*"));
        key.put("metadata", Map.of("team", "m\rl"));
        Files.write(dir.resolve("keys.json"), Json.toBytes(Map.of("version", 1, "keys", List.of(key))));

        Result table = keys("list");
        assertEquals(new Result(Main.Exit.OK, """
                ID                    NAME          PREFIX              GRANTED    BALANCE    RPM  TPM  STREAMS  STATUS  CREATED
                %s  evil?[2Jname  %s  unlimited  unlimited  -    -    -        active  %s
                """.formatted(id, prefix, createdAt), ""), table);
        Result show = keys("show", id);
        assertEquals(new Result(Main.Exit.OK, """
                id           %s
                name         evil?[2Jname
                prefix       %s
                status       active
                created      %s
                expires      never
                credits      unlimited
                spent        0
                balance      unlimited
                rpm          no limit
                tpm          no limit
                max streams  no limit
                allow        ok?*
                deny         none
                metadata     team=m?l
                """.formatted(id, prefix, createdAt), ""), show);

        Result json = keys("show", id, "--json");
        Map<String, Object> shown = json.json();
        assertEquals("evil\u001b[2Jname", shown.get("name"), "JSON keeps the name as it is");
        assertEquals(List.of("ok\u0007*"), shown.get("allow"));
        assertEquals(Map.of("team", "m\rl"), shown.get("metadata"));
        assertFalse(json.out().chars().limit(json.out().length() - 1).anyMatch(Character::isISOControl),
                "JSON escapes them: " + json.out());
    }

    @Test
    void main_handsKeysOverToTheCommand() {
        assertEquals(Main.Exit.CMDERR, Main.run(new String[] {"keys", "frobnicate"}, Map.of()));
        assertEquals(Main.Exit.OK, Main.run(new String[] {"keys", "--data-dir", dir.toString(), "list"}, Map.of()));
    }

    @Test
    void runningGateway_seesCreateRevokeAndTopupAtOnce() throws Exception {
        String config = """
                {"server": {"host": "127.0.0.1", "port": 0, "access_log": false},
                 "data_dir": %s,
                 "keys": [{"name": "cfg", "key": "sk-config-0123456789abcdef"}],
                 "providers": {"echo": {"kind": "echo"}},
                 "models": [{"id": "echo", "provider": "echo", "pricing": {"prompt": "0", "completion": "0"}},
                            {"id": "echo-priced", "provider": "echo", "pricing": {"prompt": "0.001", "completion": "0.001"}}]}
                """.formatted(Json.toString(dir.toString()));
        Gateway gateway = Gateway.start(ConfigLoader.parse(config.getBytes(UTF_8), dir, Map.of(),
                new ConfigLoader.Overrides("127.0.0.1", 0, dir)));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            Map<String, Object> c = keys("create", "--name", "live", "--credits", "1000", "--json").json();
            String id = (String) c.get("id");
            String auth = "Bearer " + c.get("key");
            URI chat = URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions");

            assertEquals(200, awaitStatus(http, chat, auth, "echo", 200).statusCode());
            HttpResponse<String> priced = post(http, chat, auth, "echo-priced");
            assertEquals(200, priced.statusCode(), priced.body());

            Map<String, Object> shown = keys("show", id, "--json").json();
            long spent = num(shown.get("spent"));
            assertTrue(spent > 0, "the ledger of the running gateway is read: " + shown);
            assertEquals(1000 - spent, num(shown.get("balance")));
            assertEquals(Main.Exit.OK, keys("topup", id, "500").exit());
            Map<String, Object> topped = keys("show", id, "--json").json();
            assertEquals(1500, num(topped.get("credits")));
            assertEquals(1500 - spent, num(topped.get("balance")));

            assertEquals(Main.Exit.OK, keys("revoke", id).exit());
            HttpResponse<String> refused = awaitStatus(http, chat, auth, "echo", 401);
            assertEquals(401, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("revoked"), refused.body());
        } finally {
            gateway.stop(Duration.ZERO);
            http.shutdownNow();
        }
    }

    static HttpResponse<String> post(HttpClient http, URI uri, String auth, String model) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("Authorization", auth)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(CHAT.formatted(model))).build();
        return http.send(r, HttpResponse.BodyHandlers.ofString(UTF_8));
    }

    /** Posts until the answer has {@code status} or {@link #PICK_UP} has passed; the last answer. */
    static HttpResponse<String> awaitStatus(HttpClient http, URI uri, String auth, String model, int status) throws Exception {
        long deadline = System.nanoTime() + PICK_UP.toNanos();
        HttpResponse<String> r = post(http, uri, auth, model);
        while (r.statusCode() != status && System.nanoTime() < deadline) {
            Thread.sleep(POLL_MS);
            r = post(http, uri, auth, model);
        }
        return r;
    }
}
