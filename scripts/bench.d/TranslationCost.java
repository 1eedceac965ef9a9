import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.call.Cancellation;
import tollgate.catalog.Model;
import tollgate.catalog.Pricing;
import tollgate.catalog.Quality;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;
import tollgate.memory.MemoryBudget;
import tollgate.memory.Reservation;
import tollgate.provider.ChatCall;
import tollgate.provider.Dialect;
import tollgate.provider.SseEvent;
import tollgate.provider.SseReader;
import tollgate.provider.StreamDecoder;
import tollgate.provider.anthropic.AnthropicDialect;
import tollgate.provider.mistral.MistralDialect;
import tollgate.provider.openai.OpenAiDialect;

/**
 * CPU cost of a dialect's translation alone, in one thread, no network (scripts/bench runs it;
 * not a test). Per kind, for the bench's request and its fake upstream's answers (the same
 * bytes scripts/bench.d/fake-upstream.js sends): "chat" = write the upstream body + parse the
 * answer + translate it + write the client's JSON; "stream" = write the body + parse and decode
 * the 20-chunk stream's events + write every client chunk. Prints one JSON line per kind and
 * mode with the median ns per operation over BATCHES batches (interleaved across the kinds),
 * after WARMUP_OPS operations of each.
 *
 *   java -cp target/tollgate.jar scripts/bench.d/TranslationCost.java
 */
public final class TranslationCost {
    static final int WARMUP_OPS = 200_000;
    static final int BATCHES = 15;
    static final int OPS_PER_BATCH = 5_000;

    static final String REQUEST = "{\"model\":\"bench-model\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello.\"}],\"max_tokens\":32}";
    static final String TEXT = "Hello! This is a fixed answer from the fake upstream.";

    public static void main(String[] args) throws IOException {
        Model model = new Model("bench-model", "Bench", "up", "mock-model", 0, 0, Pricing.UNKNOWN,
                Set.of("tools", "json", "stream"), Quality.uniform(50), 0);
        String[] kinds = {"openai", "anthropic", "mistral"};
        Dialect[] dialects = {new OpenAiDialect(), new AnthropicDialect(), new MistralDialect()};
        // Every kind and mode warmed first, then measured in interleaved batches, so that the
        // JIT's state and the machine's drift are the same for all of them.
        int cases = kinds.length * 2;
        byte[][] answers = new byte[cases][];
        for (int c = 0; c < cases; c++) {
            answers[c] = answer(kinds[c / 2], c % 2 == 1);
            run(dialects[c / 2], model, answers[c], c % 2 == 1, WARMUP_OPS);
        }
        long[][] ns = new long[cases][BATCHES];
        for (int b = 0; b < BATCHES; b++) {
            for (int c = 0; c < cases; c++) {
                long t0 = System.nanoTime();
                run(dialects[c / 2], model, answers[c], c % 2 == 1, OPS_PER_BATCH);
                ns[c][b] = (System.nanoTime() - t0) / OPS_PER_BATCH;
            }
        }
        for (int c = 0; c < cases; c++) {
            java.util.Arrays.sort(ns[c]);
            System.out.println("{\"kind\":\"" + kinds[c / 2] + "\",\"mode\":\"" + (c % 2 == 1 ? "stream" : "chat")
                    + "\",\"ns_per_op\":" + ns[c][BATCHES / 2] + ",\"min\":" + ns[c][0] + ",\"max\":" + ns[c][BATCHES - 1] + "}");
        }
    }

    static long sink;
    static final MemoryBudget MEMORY = MemoryBudget.unlimited();

    static void run(Dialect d, Model model, byte[] answer, boolean stream, int ops) throws IOException {
        List<Map<String, Object>> chunks = new ArrayList<>();
        JsonBuffer out = new JsonBuffer(4096);
        Reservation memory = MEMORY.open();
        for (int i = 0; i < ops; i++) {
            Map<String, Object> body = Json.asObject(Json.parse(REQUEST.getBytes(StandardCharsets.UTF_8)));
            ChatCall call = new ChatCall(body, model, stream, "r", new Cancellation(), 10, memory);
            JsonBuffer upstreamBody = d.body(call);
            sink += upstreamBody.length();
            memory.release(upstreamBody.capacity()); // as HttpChatProvider does once the body is sent
            out.reset();
            if (!stream) {
                Map<String, Object> completion = d.completion(Json.asObject(Json.parse(answer)), call, "up").completion();
                completion.put("model", "bench-model");
                Json.write(completion, out);
            } else {
                StreamDecoder decoder = d.decoder(call, "up");
                try (SseReader events = new SseReader(new ByteArrayInputStream(answer))) {
                    SseEvent e;
                    boolean end = false;
                    while (!end && (e = events.next()) != null) {
                        end = decoder.decode(e, chunks);
                        for (Map<String, Object> c : chunks) {
                            c.put("model", "bench-model");
                            Json.write(c, out);
                        }
                        chunks.clear();
                    }
                }
            }
            sink += out.length();
        }
    }

    /** The fake upstream's answers (scripts/bench.d/fake-upstream.js), byte for byte in content. */
    static byte[] answer(String kind, boolean stream) {
        StringBuilder b = new StringBuilder();
        if (kind.equals("anthropic")) {
            if (!stream) {
                b.append("{\"id\":\"msg_bench\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"mock-model\",\"content\":[{\"type\":\"text\",\"text\":\"")
                        .append(TEXT).append("\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":11}}");
            } else {
                ev(b, "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_bench\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"mock-model\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}");
                ev(b, "content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
                for (int i = 0; i < 19; i++) {
                    ev(b, "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"tok" + i + " \"}}");
                }
                ev(b, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
                ev(b, "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":19}}");
                ev(b, "message_stop", "{\"type\":\"message_stop\"}");
            }
        } else if (!stream) {
            b.append("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"mock-model\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"")
                    .append(TEXT).append("\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":11,\"total_tokens\":23}}");
        } else {
            String head = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"mock-model\",\"choices\":";
            data(b, head + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"tok0 \"},\"logprobs\":null,\"finish_reason\":null}]}");
            for (int i = 1; i < 19; i++) data(b, head + "[{\"index\":0,\"delta\":{\"content\":\"tok" + i + " \"},\"logprobs\":null,\"finish_reason\":null}]}");
            String usage = "{\"prompt_tokens\":12,\"completion_tokens\":19,\"total_tokens\":31}";
            if (kind.equals("mistral")) {
                data(b, head + "[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":" + usage + "}");
            } else {
                data(b, head + "[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}");
                data(b, head + "[],\"usage\":" + usage + "}");
            }
            data(b, "[DONE]");
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    static void ev(StringBuilder b, String type, String json) {
        b.append("event: ").append(type).append('\n').append("data: ").append(json).append("\n\n");
    }

    static void data(StringBuilder b, String json) {
        b.append("data: ").append(json).append("\n\n");
    }
}
