package tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tollgate.gateway.GatewayHarness.errorJson;
import static tollgate.gateway.GatewayHarness.list;
import static tollgate.gateway.GatewayHarness.obj;
import static tollgate.gateway.ImagesGatewayTest.assertJsonStatus;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.account.Ledger;
import tollgate.account.UsageRecord;
import tollgate.json.Json;
import tollgate.json.JsonNumber;

/**
 * {@code POST /embeddings} (OpenAI's API, issue 14) end to end against fake OpenAI and Mistral
 * upstreams on loopback: the request each upstream gets, the answer the client gets in float and
 * in base64 (decoded and compared float for float), vectors passed through in the encoding the
 * upstream sent or converted when it sent the other, Mistral's {@code output_dimension} and its
 * refusal of token arrays, usage and credits in the ledger, errors in OpenAI's shape, and the
 * offline echo model's determinism.
 */
class EmbeddingsGatewayTest extends GatewayTestBase {
    static final String CONFIG = """
            {
              "server": {"access_log": false},
              "router": {"retries": 0, "breaker": {"min_requests": 1000000}},
              "keys": [{"name": "t", "key": "sk-test-0123456789abcdef"}],
              "providers": {
                "openai": {"kind": "openai", "base_url": "${FAKE_URL}/v1", "api_key": "sk-upstream-5ecret-0000",
                           "timeout_ms": 10000, "idle_timeout_ms": 10000},
                "mistral": {"kind": "mistral", "base_url": "${FAKE_URL}/mistral/v1", "api_key": "sk-mistral-5ecret-0000",
                            "timeout_ms": 10000, "idle_timeout_ms": 10000},
                "echo": {"kind": "echo"}
              },
              "models": [
                {"id": "small", "provider": "openai", "upstream": "text-embedding-3-small", "pricing": {"prompt": "0.00002"},
                 "capabilities": ["embeddings"]},
                {"id": "mistral-embed", "provider": "mistral", "pricing": {"prompt": "0.0000001"}, "capabilities": ["embeddings"]},
                {"id": "echo-embedding", "provider": "echo", "pricing": {"prompt": "0"}, "capabilities": ["embeddings"]},
                {"id": "echo", "provider": "echo", "pricing": {"prompt": "0", "completion": "0"}}
              ],
              "groups": [{"id": "123e4567-e89b-12d3-a456-426614174003", "name": "embedders", "strategy": "priority",
                          "deployments": [{"model": "mistral-embed"}, {"model": "small"}]}]
            }
            """;
    /** OpenAI's float answer as it sends it: pretty-printed, one number per line; the entries out of order. */
    static final String FLOATS = """
            {
              "object": "list",
              "data": [
                {
                  "object": "embedding",
                  "index": 1,
                  "embedding": [
                    -0.25,
                    1.5E-7
                  ]
                },
                {
                  "object": "embedding",
                  "index": 0,
                  "embedding": [
                    0.0023064255,
                    -0.009327292
                  ]
                }
              ],
              "model": "text-embedding-3-small",
              "usage": {
                "prompt_tokens": 8,
                "total_tokens": 8
              }
            }
            """;
    static final float[] V0 = {0.0023064255f, -0.009327292f};
    static final float[] V1 = {-0.25f, 1.5E-7f};

    @Override
    GatewayHarness startGateway(FakeUpstream upstream) throws Exception {
        return GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG).start();
    }

    static Map<String, Object> ext(String body) { return obj(obj(body).get("tollgate")); }

    static long num(Object v) { return ((JsonNumber) v).longValue(); }

    static String b64(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return Base64.getEncoder().encodeToString(b.array());
    }

    /** What the Python and Node SDKs do with a base64 embedding: little-endian float32 values. */
    static float[] decode(Object embedding) {
        ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode((String) embedding)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        for (int i = 0; i < v.length; i++) v[i] = b.getFloat();
        return v;
    }

    static float[] floats(Object embedding) {
        List<Object> l = list(embedding);
        float[] v = new float[l.size()];
        for (int i = 0; i < v.length; i++) v[i] = Float.parseFloat(((JsonNumber) l.get(i)).text());
        return v;
    }

    static List<Object> data(HttpResponse<String> r) { return list(obj(r.body()).get("data")); }

    @Test
    void floats_areAskedOfOpenAi_andPassedThroughCompact_inInputOrder_withTheUsageAndTheCharge() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, FLOATS));
        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"small\",\"input\":[\"a red fox\",\"a lazy dog\"],"
                + "\"encoding_format\":\"float\",\"dimensions\":2,\"user\":\"u-1\"}", "x-request-id", "emb-1");

        FakeUpstream.Received sent = upstream.takeRequest();
        assertEquals("/v1/embeddings", sent.path());
        assertEquals("Bearer sk-upstream-5ecret-0000", sent.header("authorization"));
        assertEquals("application/json", sent.header("content-type"));
        assertEquals("emb-1", sent.header("x-request-id"));
        assertEquals("{\"model\":\"text-embedding-3-small\",\"input\":[\"a red fox\",\"a lazy dog\"],\"encoding_format\":\"float\","
                + "\"dimensions\":2,\"user\":\"u-1\"}", sent.bodyText());

        assertJsonStatus(200, r);
        assertEquals("openai/text-embedding-3-small", r.headers().firstValue("x-tollgate-route").orElse(null));
        // 8 tokens at 0.00002 USD: 0.00016 USD, 0.16 credits, rounded up to 1.
        assertEquals("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.0023064255,-0.009327292]},"
                + "{\"object\":\"embedding\",\"index\":1,\"embedding\":[-0.25,1.5E-7]}],\"model\":\"small\",\"usage\":{\"prompt_tokens\":8,"
                + "\"total_tokens\":8},\"tollgate\":{\"execution_id\":\"" + ext(r.body()).get("execution_id") + "\",\"request_id\":\"emb-1\","
                + "\"cost\":0.00016,\"credits_charged\":1}}", r.body());
        assertTrue(GatewayHarness.UUID_V4.matcher((String) ext(r.body()).get("execution_id")).matches(), r.body());
    }

    @Test
    void base64_isAskedOfTheUpstream_andItsStringsPassThrough_decodingToTheExactFloats() throws Exception {
        String s0 = b64(V0), s1 = b64(V1);
        upstream.respondWith(FakeUpstream.json(200, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":\""
                + s0 + "\"},{\"object\":\"embedding\",\"index\":1,\"embedding\":\"" + s1.replace("/", "\\/") + "\"}],"
                + "\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":5,\"total_tokens\":5}}"));
        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"small\",\"input\":[\"a\",\"b\"],\"encoding_format\":\"base64\"}");

        assertEquals("{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"],\"encoding_format\":\"base64\"}",
                upstream.takeRequest().bodyText());
        assertJsonStatus(200, r);
        assertEquals(s0, obj(data(r).get(0)).get("embedding"));
        assertEquals(s1, obj(data(r).get(1)).get("embedding"), "a JSON-escaped '/' arrives as '/'");
        assertArrayEquals(V0, decode(obj(data(r).get(0)).get("embedding")));
        assertArrayEquals(V1, decode(obj(data(r).get(1)).get("embedding")));
        assertEquals("{\"prompt_tokens\":5,\"total_tokens\":5}", Json.toString(obj(r.body()).get("usage")));
    }

    @Test
    void anUpstreamThatSendsTheOtherEncoding_isConverted_floatForFloat() throws Exception {
        // A base64 client, an upstream that ignores encoding_format (older local servers) and sends floats:
        upstream.respondWith(FakeUpstream.json(200, FLOATS));
        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"small\",\"input\":[\"a\",\"b\"],\"encoding_format\":\"base64\"}");
        assertJsonStatus(200, r);
        assertEquals(b64(V0), obj(data(r).get(0)).get("embedding"));
        assertArrayEquals(V0, decode(obj(data(r).get(0)).get("embedding")));
        assertArrayEquals(V1, decode(obj(data(r).get(1)).get("embedding")));

        // A float client, an upstream that sends base64:
        upstream.respondWith(FakeUpstream.json(200, "{\"data\":[{\"index\":0,\"embedding\":\"" + b64(V1) + "\"}],"
                + "\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}"));
        r = gw.post("/v1/embeddings", "{\"model\":\"small\",\"input\":\"a\"}");
        assertJsonStatus(200, r);
        assertArrayEquals(V1, floats(obj(data(r).get(0)).get("embedding")));
        assertEquals("{\"object\":\"embedding\",\"index\":0,\"embedding\":[-0.25,1.5E-7]}", Json.toString(data(r).get(0)));
    }

    @Test
    void mistral_getsOutputDimension_andItsOwnFieldsOnly() throws Exception {
        upstream.respondWith(FakeUpstream.json(200, "{\"id\":\"emb-9\",\"object\":\"list\",\"model\":\"mistral-embed\",\"usage\":"
                + "{\"prompt_tokens\":4,\"completion_tokens\":0,\"total_tokens\":4},\"data\":[{\"object\":\"embedding\",\"embedding\":"
                + "[0.5,-0.5],\"index\":0}]}"));
        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"mistral-embed\",\"input\":\"a red fox\",\"dimensions\":2,"
                + "\"encoding_format\":\"float\",\"user\":\"u-1\"}");

        FakeUpstream.Received sent = upstream.takeRequest();
        assertEquals("/mistral/v1/embeddings", sent.path());
        assertEquals("Bearer sk-mistral-5ecret-0000", sent.header("authorization"));
        assertEquals("{\"model\":\"mistral-embed\",\"input\":\"a red fox\",\"output_dimension\":2,\"encoding_format\":\"float\"}",
                sent.bodyText());
        assertJsonStatus(200, r);
        assertEquals("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.5,-0.5]}],"
                + "\"model\":\"mistral-embed\",\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4},\"tollgate\":{\"execution_id\":\""
                + ext(r.body()).get("execution_id") + "\",\"request_id\":\"" + ext(r.body()).get("request_id") + "\",\"cost\":0.0000004,"
                + "\"credits_charged\":1}}", r.body());
    }

    @Test
    void tokenArrays_areRefusedForMistral_beforeAnyCall_andAGroupTakesThemToTheNextMember() throws Exception {
        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"mistral-embed\",\"input\":[[1,2],[3]]}");
        assertJsonStatus(400, r);
        assertEquals(errorJson("Mistral's embeddings API takes texts only, not token arrays; send 'input' as a string or an array "
                + "of strings, or use another embeddings model.", "invalid_request_error", "input", 400), r.body());
        assertEquals(0, upstream.requests().size());

        upstream.respondWith(FakeUpstream.json(200, "{\"data\":[{\"index\":0,\"embedding\":[1.0]},{\"index\":1,\"embedding\":[2.0]}],"
                + "\"usage\":{\"prompt_tokens\":3,\"total_tokens\":3}}"));
        r = gw.post("/v1/embeddings", "{\"model\":\"group:embedders\",\"input\":[[1,2],[3]]}");
        assertJsonStatus(200, r);
        assertEquals("openai/text-embedding-3-small", r.headers().firstValue("x-tollgate-route").orElse(null));
        assertEquals("group:embedders", obj(r.body()).get("model"));
        assertEquals("{\"model\":\"text-embedding-3-small\",\"input\":[[1,2],[3]]}", upstream.takeRequest().bodyText());
        List<Object> tried = list(obj(ext(r.body()).get("route")).get("tried"));
        assertEquals("mistral/mistral-embed", obj(tried.get(0)).get("deployment"));
        assertEquals("unsupported", obj(tried.get(0)).get("outcome"), Json.toString(tried));
    }

    @Test
    void aManagedKey_isChargedPerPromptToken_theEstimateWhenTheUpstreamReportsNone_andTheLedgerHasEveryCall() throws Exception {
        String auth = new AccountsKeys(gw, dataDir).create("rag", 10L);
        upstream.respondWith(FakeUpstream.json(200, FLOATS));
        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"small\",\"input\":[\"a\",\"b\"]}", "Authorization", auth,
                "x-request-id", "emb-a");
        assertJsonStatus(200, r);
        assertEquals(1, num(ext(r.body()).get("credits_charged")));
        assertEquals(9, num(ext(r.body()).get("balance")));

        // No usage from the upstream: the gateway's estimate of "hello world" is charged and shown.
        upstream.respondWith(FakeUpstream.json(200, "{\"data\":[{\"index\":0,\"embedding\":[1.0]}]}"));
        r = gw.post("/v1/embeddings", "{\"model\":\"small\",\"input\":\"hello world\"}", "Authorization", auth, "x-request-id", "emb-b");
        assertJsonStatus(200, r);
        long estimated = num(obj(obj(r.body()).get("usage")).get("prompt_tokens"));
        assertTrue(estimated > 0, r.body());
        assertEquals(8, num(ext(r.body()).get("balance")));

        gw.close();
        List<UsageRecord> records = new ArrayList<>();
        Ledger.readAll(dataDir, p -> records.add(UsageRecord.fromJson(p)));
        assertEquals(List.of("embeddings", "embeddings"), records.stream().map(UsageRecord::endpoint).toList());
        assertEquals(List.of("emb-a", "emb-b"), records.stream().map(UsageRecord::requestId).toList());
        assertEquals(List.of(8L, estimated), records.stream().map(UsageRecord::promptTokens).toList());
        assertEquals(List.of(0L, 0L), records.stream().map(UsageRecord::completionTokens).toList());
        assertEquals(List.of(1L, 1L), records.stream().map(UsageRecord::credits).toList());
        assertEquals("small", records.get(0).model());
        gw = GatewayHarness.builder(upstream.url(), dataDir).config(CONFIG).start(); // for the base class to close
    }

    @Test
    void aKeyThatCannotCoverTheEstimate_is402_andNothingIsCalled() throws Exception {
        String auth = new AccountsKeys(gw, dataDir).create("poor", 0L);
        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"small\",\"input\":\"a red fox\"}", "Authorization", auth);
        assertJsonStatus(402, r);
        assertEquals(errorJson("Insufficient credits: this request may cost up to 1 credits and the key's balance is 0. "
                + "Add credits to continue.", "insufficient_quota", null, 402), r.body());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void badRequests_areRefusedInOpenAisShape_namingTheParam_beforeAnyUpstreamCall() throws Exception {
        String many = "[" + "\"x\",".repeat(2048) + "\"x\"]";
        String longIds = "[" + "1,".repeat(8192) + "1]";
        String[][] cases = {
            {"{\"input\":\"x\"}", "Missing required parameter: 'model'.", "model"},
            {"{\"model\":\"small\"}", "Missing required parameter: 'input'.", "input"},
            {"{\"model\":\"small\",\"input\":\"\"}", "Invalid value for 'input': an input cannot be an empty string.", "input"},
            {"{\"model\":\"small\",\"input\":[\"a\",\"\"]}", "Invalid value for 'input[1]': an input cannot be an empty string.", "input[1]"},
            {"{\"model\":\"small\",\"input\":[]}", "Invalid value for 'input': expected an array of 1 to 2048 items, got an empty array.",
                    "input"},
            {"{\"model\":\"small\",\"input\":" + many + "}", "Invalid value for 'input': expected an array of 1 to 2048 items, got 2049.",
                    "input"},
            {"{\"model\":\"small\",\"input\":[\"a\",1]}", "Invalid type for 'input[1]': expected a string, as the other inputs, got a "
                    + "number.", "input[1]"},
            {"{\"model\":\"small\",\"input\":[1,-2]}", "Invalid value for 'input[1]': expected an integer between 0 and 2147483647, "
                    + "got -2.", "input[1]"},
            {"{\"model\":\"small\",\"input\":[[1],[]]}", "Invalid value for 'input[1]': expected a non-empty array of token ids, got an "
                    + "empty array.", "input[1]"},
            {"{\"model\":\"small\",\"input\":[" + longIds + "]}", "Invalid value for 'input[0]': expected at most 8192 token ids (one "
                    + "input's limit), got 8193.", "input[0]"},
            {"{\"model\":\"small\",\"input\":{\"text\":\"x\"}}", "Invalid type for 'input': expected a string, an array of strings, an "
                    + "array of token ids or an array of arrays of token ids, got an object.", "input"},
            {"{\"model\":\"small\",\"input\":\"x\",\"encoding_format\":\"int8\"}", "Invalid value for 'encoding_format': expected one of "
                    + "'float', 'base64', got 'int8'.", "encoding_format"},
            {"{\"model\":\"small\",\"input\":\"x\",\"dimensions\":0}", "Invalid value for 'dimensions': expected an integer between 1 "
                    + "and 8192, got 0.", "dimensions"},
            {"{\"model\":\"small\",\"input\":\"x\",\"dimensions\":1.5}", "Invalid value for 'dimensions': expected an integer between 1 "
                    + "and 8192, got 1.5.", "dimensions"},
            {"{\"model\":\"small\",\"input\":\"x\",\"input_type\":\"query\"}", "Unrecognized request argument supplied: 'input_type'.",
                    "input_type"},
            {"{\"model\":\"nope\",\"input\":\"x\"}", "The model 'nope' does not exist on this gateway. GET /v1/models lists the models "
                    + "it serves.", "model"},
            {"{\"model\":\"echo\",\"input\":\"x\"}", "The model 'echo' does not support embeddings; models that do: small, mistral-embed, "
                    + "echo-embedding.", "model"},
            {"[1]", "The request body must be a JSON object.", null},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = gw.post("/v1/embeddings", c[0]);
            assertJsonStatus(400, r);
            assertEquals(errorJson(c[1], "invalid_request_error", c[2], 400), r.body(), c[0].length() > 200 ? c[1] : c[0]);
        }
        HttpResponse<String> r = gw.post("/v1/chat/completions", GatewayHarness.chat("echo-embedding", false));
        assertJsonStatus(400, r);
        assertEquals(errorJson("The model 'echo-embedding' is an embeddings model; it does not serve chat completions.",
                "invalid_request_error", "model", 400), r.body());
        r = gw.postAs("/v1/embeddings", "{\"model\":\"small\",\"input\":\"x\"}");
        assertJsonStatus(401, r);
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void upstreamErrors_reachTheClient_andAnAnswerWithoutEveryVector_isAnUpstreamError() throws Exception {
        upstream.respondWith(FakeUpstream.json(400, "{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"));
        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"small\",\"input\":\"x\"}");
        assertJsonStatus(400, r);
        assertTrue(r.body().contains("This model's maximum context length is 8192 tokens."), r.body());

        String[] broken = {
            "{\"data\":[{\"index\":0,\"embedding\":[1.0]}]}", // one vector for two inputs
            "{\"data\":[{\"index\":0,\"embedding\":[1.0]},{\"index\":0,\"embedding\":[2.0]}]}", // index repeated
            "{\"data\":[{\"index\":0,\"embedding\":[1.0]},{\"index\":1,\"embedding\":[null]}]}", // not a number
            "{\"data\":[{\"index\":0,\"embedding\":\"AAA=\"},{\"index\":1,\"embedding\":\"AAAAAA==\"}]}", // not whole floats
            "{\"data\":[{\"index\":0,\"embedding\":[1.0]},", // not JSON
        };
        for (String answer : broken) {
            upstream.respondWith(FakeUpstream.json(200, answer));
            r = gw.post("/v1/embeddings", "{\"model\":\"small\",\"input\":[\"x\",\"y\"],\"encoding_format\":\"base64\"}");
            assertJsonStatus(502, r);
            assertEquals(errorJson("Provider 'openai' returned a response that is not embeddings for every input",
                    "upstream_error", null, 502), r.body(), answer);
        }
    }

    @Test
    void echo_isDeterministic_unitLength_256DimensionsByDefault_andTheSameInBothEncodings_onEveryLayout() throws Exception {
        String ask = "{\"model\":\"echo-embedding\",\"input\":[\"The quick brown fox\",\"the QUICK brown fox!\",\"tax forms\"]}";
        HttpResponse<String> first = gw.post("/v1/embeddings", ask);
        assertJsonStatus(200, first);
        assertEquals("echo/echo-embedding", first.headers().firstValue("x-tollgate-route").orElse(null));
        for (String path : List.of("/embeddings", "/api/embeddings", "/api/gateway/embeddings")) {
            HttpResponse<String> again = gw.post(path, ask);
            assertJsonStatus(200, again);
            assertEquals(Json.toString(obj(first.body()).get("data")), Json.toString(obj(again.body()).get("data")), path);
        }
        float[] a = floats(obj(data(first).get(0)).get("embedding"));
        float[] b = floats(obj(data(first).get(1)).get("embedding"));
        float[] c = floats(obj(data(first).get(2)).get("embedding"));
        assertEquals(256, a.length);
        double norm = 0;
        for (float f : a) norm += (double) f * f;
        assertEquals(1.0, norm, 1e-5);
        assertArrayEquals(a, b, "the same words, whatever their case and punctuation");
        assertNotEquals(Json.toString(obj(data(first).get(0)).get("embedding")), Json.toString(obj(data(first).get(2)).get("embedding")));
        assertTrue(num(obj(obj(first.body()).get("usage")).get("prompt_tokens")) > 0, first.body());

        HttpResponse<String> b64 = gw.post("/v1/embeddings", "{\"model\":\"echo-embedding\",\"input\":\"The quick brown fox\","
                + "\"encoding_format\":\"base64\",\"dimensions\":256}");
        assertJsonStatus(200, b64);
        assertArrayEquals(a, decode(obj(data(b64).get(0)).get("embedding")));
        HttpResponse<String> small = gw.post("/v1/embeddings", "{\"model\":\"echo-embedding\",\"input\":[[10,20,30]],\"dimensions\":8}");
        assertJsonStatus(200, small);
        assertEquals(8, floats(obj(data(small).get(0)).get("embedding")).length);
        assertEquals("{\"prompt_tokens\":3,\"total_tokens\":3}", Json.toString(obj(small.body()).get("usage")), "token arrays count exactly");
        assertEquals(0, upstream.requests().size(), "echo is offline");
    }
}
