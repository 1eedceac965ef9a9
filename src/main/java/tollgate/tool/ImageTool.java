package tollgate.tool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tollgate.account.Accounts;
import tollgate.account.Charge;
import tollgate.config.ToolConfig;
import tollgate.config.ToolsConfig;
import tollgate.error.ClientGoneException;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonNumber;
import tollgate.memory.BudgetExceededException;
import tollgate.memory.MemoryBudget;
import tollgate.memory.Reservation;
import tollgate.provider.GeneratedImages;
import tollgate.provider.ImagesCall;
import tollgate.route.Caller;
import tollgate.route.ImageGeneration;
import tollgate.route.Served;
import tollgate.route.ServiceDispatcher;
import tollgate.schema.SchemaValidator;

/**
 * The {@code image_generation} gateway tool (issue 12): the model's {@code prompt} (and
 * optionally {@code size} and {@code n}, at most the tool's {@code max_images}) goes to the
 * tool's images model ({@code model}, or the gateway's first model with capability
 * {@code images}) through {@link ImageGeneration}, so the key's model rules, rate limits and
 * credits apply as to a direct {@code /images/generations} call: a fresh {@link Charge} on the
 * invocation's account per call (admitted, held for {@code n} images, charged, recorded in the
 * ledger under the execution's id), none when the invocation has no account.
 *
 * <p>What the model is given and what the client is given differ. Base64 images must not go into
 * the model's next prompt: a 1024x1024 PNG is over a megabyte of text, which would be sent
 * upstream and paid for as tokens at every later step. So every image becomes an
 * {@link ToolOutput.Attachment} (its URL or its base64 bytes, for the client: the agent loop puts
 * them in the extension object's step), and the model gets JSON naming each by its id:
 *
 * <pre>
 *   {"images": [{"id": "call_1/1", "url": "https://..."},
 *               {"id": "call_1/2", "b64_json": "(omitted: 1234 bytes of image/png, given to the user as call_1/2)",
 *                "revised_prompt": "..."}]}
 * </pre>
 *
 * An https URL is given to the model as well (it is short, and the model may link it); a
 * {@code data:} URL is handled like base64. The tool's {@code response_format} says which the
 * upstream is asked for (GPT image models always answer base64). {@link ToolOutput#credits()} is
 * what the call charged.
 *
 * <p>Unlike the other tools, the whole upstream answer is read (up to
 * {@link tollgate.provider.openai.OpenAiImages#MAX_ANSWER_BYTES}, in a memory reservation of the
 * call's own), not just {@code max_output_bytes} of it: the images are for the client. What the
 * model gets is capped to {@code max_output_bytes} as for every tool.
 *
 * <p>Failures are told to the model as text without secrets: a bad argument (naming it), the
 * gateway's error message (already scrubbed for clients: a refused model, 402 for credits, an
 * upstream's error), a timeout at the invocation's deadline, a cancellation.
 */
final class ImageTool extends ConfiguredTool {
    /** Longest prompt, in characters: OpenAI's limit for GPT image models (protocols-2.md §14). */
    static final int MAX_PROMPT_CHARS = 32_000;
    static final String DEFAULT_DESCRIPTION = "Generate images from a text description. The images are shown to the user; "
            + "you get a URL or an id for each, not the image itself.";

    private final ServiceDispatcher services;
    private final Accounts accounts;
    private final MemoryBudget budget;

    /**
     * @param accounts where a call's images are charged (null: nothing is, tests)
     * @param budget   the gateway's memory budget: each call holds its answer in a reservation of its own
     */
    ImageTool(ToolConfig config, ServiceDispatcher services, Accounts accounts, MemoryBudget budget) {
        super(config, DEFAULT_DESCRIPTION, schema(config));
        if (!config.type().equals("image_generation")) throw new IllegalArgumentException("not an image_generation tool: " + config);
        this.services = services;
        this.accounts = accounts;
        this.budget = java.util.Objects.requireNonNull(budget, "budget");
    }

    /** The arguments' schema when the config gives none: a required {@code prompt}, an optional {@code size} and {@code n}. */
    static Map<String, Object> schema(ToolConfig config) {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("prompt", Map.of("type", "string", "description", "What the image should show, in detail."));
        props.put("size", Map.of("type", "string", "description", "The image size as WIDTHxHEIGHT in pixels, e.g. 1024x1024 "
                + "(default " + config.size() + ")."));
        if (config.maxImages() > 1) {
            props.put("n", Map.of("type", "integer", "minimum", 1, "maximum", config.maxImages(),
                    "description", "How many images to generate (default 1)."));
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", "object");
        s.put("properties", props);
        s.put("required", List.of("prompt"));
        s.put("additionalProperties", false);
        return java.util.Collections.unmodifiableMap(s);
    }

    @Override
    public ToolOutput run(ToolInvocation call) {
        if (config.parameters() != null) { // the operator's schema, checked as every tool checks it
            List<String> violations = SchemaValidator.validate(parameters(), call.arguments());
            if (!violations.isEmpty()) {
                return ToolOutput.error(capped("invalid arguments for " + name() + ": " + String.join("; ", violations)));
            }
        }
        ImagesCall.Request request;
        try {
            request = request(call.arguments());
        } catch (IllegalArgumentException e) {
            return ToolOutput.error(capped("invalid arguments for " + name() + ": " + e.getMessage()));
        }
        if (call.cancellation().isCancelled()) return cancelled();
        long deadline = deadline(call);
        if (deadline - System.nanoTime() <= 0) return timedOut();
        try (Reservation memory = budget.open();
             Charge charge = call.account() == null || accounts == null ? Charge.none() : accounts.charge(call.account())) {
            Caller caller = new Caller(call.keyName(), call.requestId(), call.executionId(), call.cancellation(), memory, charge);
            Served<GeneratedImages> served = ImageGeneration.generate(services, caller, config.model(), request, null, deadline);
            return output(call.callId(), served.value(), served.credits(), served.cost());
        } catch (ClientGoneException e) {
            return deadline - System.nanoTime() <= 0 ? timedOut() : cancelled();
        } catch (GatewayException e) {
            if (deadline - System.nanoTime() <= 0) return timedOut();
            return ToolOutput.error(capped("Image generation failed: " + e.getMessage()));
        } catch (BudgetExceededException e) {
            return ToolOutput.error("Image generation failed: the gateway is short of memory; try again shortly.");
        }
    }

    /** The arguments as a request, or IllegalArgumentException naming the one that is wrong. */
    ImagesCall.Request request(Map<String, Object> args) {
        Object p = args.get("prompt");
        if (!(p instanceof String prompt) || prompt.isBlank()) throw new IllegalArgumentException("'prompt' must be a non-empty string.");
        if (prompt.codePointCount(0, prompt.length()) > MAX_PROMPT_CHARS) {
            throw new IllegalArgumentException("'prompt' is longer than " + MAX_PROMPT_CHARS + " characters.");
        }
        String size = config.size();
        Object s = args.get("size");
        if (s != null) {
            if (!(s instanceof String given) || !ToolsConfig.IMAGE_SIZE.matcher(given).matches()) {
                throw new IllegalArgumentException("'size' must be WIDTHxHEIGHT in pixels (e.g. 1024x1024) or 'auto'.");
            }
            size = given;
        }
        int n = 1;
        Object count = args.get("n");
        if (count != null) {
            if (!(count instanceof JsonNumber num) || !num.isInteger() || num.text().length() > 3 || num.longValue() < 1
                    || num.longValue() > config.maxImages()) {
                throw new IllegalArgumentException("'n' must be an integer from 1 to " + config.maxImages() + ".");
            }
            n = (int) num.longValue();
        }
        if (config.parameters() == null) { // the default schema has additionalProperties false; a configured one is the operator's
            for (String k : args.keySet()) {
                if (!KNOWN_ARGUMENTS.contains(k)) {
                    throw new IllegalArgumentException("unknown argument '" + (k.length() > 64 ? k.substring(0, 64) + "…" : k)
                            + "' (the arguments are prompt, size" + (config.maxImages() > 1 ? " and n)." : ")."));
                }
            }
        }
        return new ImagesCall.Request(prompt, n, size, null, config.responseFormat(), Map.of());
    }

    private static final Set<String> KNOWN_ARGUMENTS = Set.of("prompt", "size", "n");

    /** The model's JSON (ids, https URLs, sizes of what was omitted) and the client's attachments. */
    ToolOutput output(String callId, GeneratedImages generated, long credits) {
        return output(callId, generated, credits, null);
    }

    /** As {@link #output(String, GeneratedImages, long)}, with what the images cost in USD (null: unknown). */
    ToolOutput output(String callId, GeneratedImages generated, long credits, java.math.BigDecimal cost) {
        List<Object> forModel = new ArrayList<>();
        List<ToolOutput.Attachment> attachments = new ArrayList<>();
        int i = 0;
        for (GeneratedImages.Image image : generated.images()) {
            String id = (callId != null && !callId.isEmpty() ? callId : "image") + "/" + ++i;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("id", id);
            String url = image.url();
            String b64 = image.b64Json();
            String type = null;
            if (url != null && url.regionMatches(true, 0, "data:", 0, 5)) { // RFC 2397: data:[<mediatype>][;base64],<data>
                int comma = url.indexOf(',');
                String meta = comma > 5 ? url.substring(5, comma) : "";
                boolean base64 = meta.regionMatches(true, Math.max(0, meta.length() - 7), ";base64", 0, 7);
                if (base64) meta = meta.substring(0, meta.length() - 7);
                if (!meta.isEmpty()) type = meta;
                if (base64 && b64 == null) {
                    b64 = url.substring(comma + 1);
                    url = null;
                }
                entry.put("b64_json", "(omitted: " + (b64 != null ? ToolText.base64Bytes(b64) + " bytes" : url.length() + " characters")
                        + (type != null ? " of " + type : "") + ", given to the user as " + id + ")");
            } else if (url != null) {
                entry.put("url", url); // short, and the model may link it
            }
            if (type == null) type = GeneratedImages.mediaType(b64);
            if (!entry.containsKey("url") && !entry.containsKey("b64_json")) {
                entry.put("b64_json", "(omitted: " + ToolText.base64Bytes(b64) + " bytes" + (type != null ? " of " + type : "")
                        + ", given to the user as " + id + ")");
            }
            attachments.add(new ToolOutput.Attachment(id, type, url, b64));
            if (image.revisedPrompt() != null) entry.put("revised_prompt", image.revisedPrompt());
            forModel.add(entry);
        }
        return new ToolOutput(capped(Json.toString(Map.of("images", forModel))), ToolOutput.Outcome.OK, credits, attachments, cost);
    }

    private static ToolOutput timedOut() {
        return ToolOutput.timeout("Image generation ran out of time.");
    }

    private static ToolOutput cancelled() {
        return ToolOutput.cancelled("Image generation was cancelled.");
    }
}
