package tollgate.provider.anthropic;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonException;

/**
 * Translates OpenAI {@code messages} into Anthropic's top-level {@code system} and its
 * {@code messages} (protocols.md §7). The input is a validated, repaired OpenAI conversation
 * (every tool call has its result); it is only read, and values are shared, not copied.
 *
 * <p>Rules, each because of what Anthropic accepts:
 * <ul>
 *   <li>{@code system} and {@code developer} messages, wherever they stand, go to the top-level
 *       {@code system} string, joined with {@link #SYSTEM_SEPARATOR} (each text part counts as one
 *       text): Anthropic has "no system role" in messages. A system message in mid-conversation
 *       therefore applies to the whole conversation, and the turns around it are merged.</li>
 *   <li>Consecutive turns of one role are merged into one message, their blocks concatenated
 *       (Anthropic would combine them anyway; merging keeps the alternation explicit).</li>
 *   <li>Empty text is dropped: Anthropic rejects it ("text content blocks must be non-empty").
 *       A message left with no blocks is dropped.</li>
 *   <li>{@code tool} messages become {@code tool_result} blocks at the front of the next user
 *       turn, before any user text: Anthropic wants every {@code tool_use} answered by a
 *       {@code tool_result} "immediately after".</li>
 *   <li>A message whose blocks are a single text is sent with string content.</li>
 *   <li>{@code name} on messages and {@code image_url.detail} have no Anthropic counterpart
 *       and are not sent.</li>
 * </ul>
 */
final class AnthropicMessages {
    private AnthropicMessages() { throw new AssertionError(); }

    /** Joins system and developer texts into Anthropic's one {@code system} string. */
    static final String SYSTEM_SEPARATOR = "\n\n";
    /** Image media types Anthropic accepts in a base64 source (Anthropic docs, "Vision"). */
    static final Set<String> IMAGE_MEDIA_TYPES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");
    /** Most characters of a rejected image URL quoted back in the error message. */
    static final int MAX_QUOTED_URL_CHARS = 48;

    private static final String DATA_PREFIX = "data:";
    private static final String BASE64_MARK = ";base64";

    /**
     * The translated conversation.
     *
     * @param system   the top-level system prompt, or null when there is none
     * @param messages Anthropic messages, alternating roles, none empty
     */
    record Converted(String system, List<Map<String, Object>> messages) {}

    /** One Anthropic turn being built; {@code toolResults} counts the leading tool_result blocks. */
    private static final class Turn {
        final String role;
        final List<Object> blocks = new ArrayList<>();
        int toolResults;

        Turn(String role) { this.role = role; }
    }

    /**
     * @param messages the client's validated {@code messages}
     * @param provider the provider id, for error messages
     * @throws GatewayException {@code CALLER_INVALID_REQUEST} for an image or tool call argument
     *                          Anthropic cannot take, or when no non-empty message is left
     */
    static Converted convert(List<?> messages, String provider) {
        StringBuilder system = null;
        List<Turn> turns = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            Map<String, Object> m = Json.asObject(messages.get(i));
            String role = (String) m.get("role");
            switch (role) {
                case "system", "developer" -> system = systemText(system, m.get("content"));
                case "user" -> user(turns, m.get("content"), i, provider);
                case "assistant" -> assistant(turns, m, i, provider);
                case "tool" -> toolResult(turn(turns, "user"), m);
                default -> throw GatewayException.invalid("messages[" + i + "].role",
                        prefix(provider) + "does not support the message role '" + role + "'.");
            }
        }
        List<Map<String, Object>> out = new ArrayList<>(turns.size());
        for (Turn t : turns) {
            Map<String, Object> msg = new LinkedHashMap<>(4);
            msg.put("role", t.role);
            msg.put("content", t.blocks.size() == 1 && isText(t.blocks.get(0))
                    ? ((Map<?, ?>) t.blocks.get(0)).get("text") : t.blocks);
            out.add(msg);
        }
        if (out.isEmpty()) {
            throw GatewayException.invalid("messages", prefix(provider)
                    + "needs at least one message with non-empty content (Anthropic rejects empty text).");
        }
        return new Converted(system == null ? null : system.toString(), out);
    }

    /** The last turn if it has {@code role}, else a new one (this is where turns merge). */
    private static Turn turn(List<Turn> turns, String role) {
        if (!turns.isEmpty()) {
            Turn last = turns.get(turns.size() - 1);
            if (last.role.equals(role)) return last;
        }
        Turn t = new Turn(role);
        turns.add(t);
        return t;
    }

    private static StringBuilder systemText(StringBuilder system, Object content) {
        if (content instanceof String s) return appendSystem(system, s);
        if (content instanceof List<?> parts) {
            for (Object p : parts) {
                if (p instanceof Map<?, ?> part && part.get("text") instanceof String s) system = appendSystem(system, s);
            }
        }
        return system;
    }

    private static StringBuilder appendSystem(StringBuilder system, String text) {
        if (text.isEmpty()) return system;
        if (system == null) return new StringBuilder(text);
        return system.append(SYSTEM_SEPARATOR).append(text);
    }

    private static void user(List<Turn> turns, Object content, int i, String provider) {
        List<Object> blocks = new ArrayList<>();
        if (content instanceof String s) {
            addText(blocks, s);
        } else {
            List<?> parts = (List<?>) content;
            for (int j = 0; j < parts.size(); j++) {
                Map<String, Object> p = Json.asObject(parts.get(j));
                Object type = p.get("type");
                if ("text".equals(type)) {
                    addText(blocks, (String) p.get("text"));
                } else if ("image_url".equals(type)) {
                    Map<String, Object> image = Json.asObject(p.get("image_url"));
                    blocks.add(image((String) image.get("url"), i, j, provider));
                } else {
                    throw unsupportedPart(i, j, type, provider);
                }
            }
        }
        // An empty user message says nothing: dropped, so that the turns around it still merge.
        if (!blocks.isEmpty()) turn(turns, "user").blocks.addAll(blocks);
    }

    /**
     * An Anthropic image block for an OpenAI {@code image_url.url}: a base64 data URL becomes a
     * {@code base64} source, an http(s) URL a {@code url} source (Anthropic docs, "Vision").
     */
    static Map<String, Object> image(String url, int i, int j, String provider) {
        Map<String, Object> source = new LinkedHashMap<>(4);
        if (url.regionMatches(true, 0, DATA_PREFIX, 0, DATA_PREFIX.length())) {
            // data:[<media type>][;base64],<data> (RFC 2397); Anthropic takes base64 only.
            int comma = url.indexOf(',');
            int header = comma < 0 ? -1 : comma - BASE64_MARK.length();
            if (header < DATA_PREFIX.length() || !url.regionMatches(true, header, BASE64_MARK, 0, BASE64_MARK.length())
                    || comma == url.length() - 1) {
                throw badImage(url, i, j, provider);
            }
            String media = url.substring(DATA_PREFIX.length(), header).toLowerCase(Locale.ROOT);
            if (!IMAGE_MEDIA_TYPES.contains(media)) throw badImage(url, i, j, provider);
            source.put("type", "base64");
            source.put("media_type", media);
            source.put("data", url.substring(comma + 1));
        } else if (url.regionMatches(true, 0, "https://", 0, 8) || url.regionMatches(true, 0, "http://", 0, 7)) {
            source.put("type", "url");
            source.put("url", url);
        } else {
            throw badImage(url, i, j, provider);
        }
        Map<String, Object> block = new LinkedHashMap<>(4);
        block.put("type", "image");
        block.put("source", source);
        return block;
    }

    private static GatewayException badImage(String url, int i, int j, String provider) {
        String shown = url.length() <= MAX_QUOTED_URL_CHARS ? url : url.substring(0, MAX_QUOTED_URL_CHARS) + "…";
        return GatewayException.invalid("messages[" + i + "].content[" + j + "].image_url.url", prefix(provider)
                + "accepts images only as base64 data URLs of type image/jpeg, image/png, image/gif or image/webp "
                + "('data:image/png;base64,...') or as http(s) URLs; got '" + shown + "'.");
    }

    private static void assistant(List<Turn> turns, Map<String, Object> m, int i, String provider) {
        List<Object> blocks = new ArrayList<>();
        Object content = m.get("content");
        if (content instanceof String s) {
            addText(blocks, s);
        } else if (content instanceof List<?> parts) {
            for (int j = 0; j < parts.size(); j++) {
                Map<String, Object> p = Json.asObject(parts.get(j));
                Object type = p.get("type");
                // A refusal is what the assistant said; Anthropic has no refusal block, so text.
                if ("text".equals(type)) addText(blocks, (String) p.get("text"));
                else if ("refusal".equals(type)) addText(blocks, (String) p.get("refusal"));
                else throw unsupportedPart(i, j, type, provider);
            }
        }
        if (m.get("refusal") instanceof String refusal) addText(blocks, refusal);
        if (m.get("tool_calls") instanceof List<?> calls) {
            for (int k = 0; k < calls.size(); k++) {
                blocks.add(toolUse(Json.asObject(calls.get(k)), i, k, provider));
            }
        }
        if (blocks.isEmpty()) return; // an empty assistant turn says nothing; Anthropic rejects it
        turn(turns, "assistant").blocks.addAll(blocks);
    }

    private static Map<String, Object> toolUse(Map<String, Object> call, int i, int k, String provider) {
        Map<String, Object> fn = Json.asObject(call.get("function"));
        Map<String, Object> block = new LinkedHashMap<>(8);
        block.put("type", "tool_use");
        block.put("id", call.get("id"));
        block.put("name", fn.get("name"));
        block.put("input", arguments((String) fn.get("arguments"), i, k, provider));
        return block;
    }

    /**
     * OpenAI's arguments are JSON text; Anthropic's {@code input} is an object. Blank text means
     * no arguments, {@code {}}.
     */
    private static Object arguments(String args, int i, int k, String provider) {
        if (args.isBlank()) return Map.of();
        Object parsed;
        try {
            parsed = Json.parse(args);
        } catch (JsonException e) {
            parsed = null;
        }
        if (parsed instanceof Map<?, ?>) return parsed;
        throw GatewayException.invalid("messages[" + i + "].tool_calls[" + k + "].function.arguments",
                prefix(provider) + "needs tool call arguments to be a JSON object (Anthropic's tool_use "
                        + "input is an object); 'messages[" + i + "].tool_calls[" + k
                        + "].function.arguments' is not.");
    }

    private static void toolResult(Turn turn, Map<String, Object> m) {
        Map<String, Object> block = new LinkedHashMap<>(4);
        block.put("type", "tool_result");
        block.put("tool_use_id", m.get("tool_call_id"));
        Object content = m.get("content");
        if (content instanceof String s) {
            // Content is optional in a tool_result; empty text would be rejected.
            if (!s.isEmpty()) block.put("content", s);
        } else if (content instanceof List<?> parts) {
            List<Object> texts = new ArrayList<>(parts.size());
            for (Object p : parts) {
                if (p instanceof Map<?, ?> part && part.get("text") instanceof String s) addText(texts, s);
            }
            if (!texts.isEmpty()) block.put("content", texts);
        }
        // Results go before the turn's other blocks, in the order of the tool messages.
        turn.blocks.add(turn.toolResults++, block);
    }

    private static void addText(List<Object> blocks, String text) {
        if (text == null || text.isEmpty()) return;
        Map<String, Object> block = new LinkedHashMap<>(4);
        block.put("type", "text");
        block.put("text", text);
        blocks.add(block);
    }

    private static boolean isText(Object block) {
        return block instanceof Map<?, ?> b && "text".equals(b.get("type"));
    }

    private static GatewayException unsupportedPart(int i, int j, Object type, String provider) {
        return GatewayException.invalid("messages[" + i + "].content[" + j + "].type",
                prefix(provider) + "does not support the content part type '" + type + "' here.");
    }

    /** {@code "Provider 'p' (kind anthropic) "}: how every refusal of this dialect starts. */
    static String prefix(String provider) {
        return "Provider '" + provider + "' (kind " + AnthropicDialect.KIND + ") ";
    }
}
