package tollgate.conversation;

import java.util.List;
import java.util.Map;
import java.util.Set;

import tollgate.catalog.Model;
import tollgate.error.GatewayException;

/**
 * Refuses, with a 400 naming the field, a request that uses what the model's configured
 * {@code capabilities} lack ({@link Model#CAPABILITIES}): images without {@code vision},
 * {@code tools} without {@code tools}, a JSON {@code response_format} without {@code json}.
 * Better than the upstream's error, which names the upstream model and varies by provider, or
 * than the upstream silently ignoring the field.
 *
 * <p>Cost: two map lookups; the messages are walked (for images only) when the model lacks
 * {@code vision}, and stop at the first image.
 */
public final class Capabilities {
    private Capabilities() { throw new AssertionError(); }

    /**
     * Refuses the request if it needs a capability the model lacks.
     *
     * @param model the model the request is routed to; a null {@code capabilities()} means
     *              {@link Model#DEFAULT_CAPABILITIES}
     * @param body  a request that passed {@code ChatRequestValidator}; read only
     * @throws GatewayException {@code CALLER_INVALID_REQUEST} (400) at the first unsupported use,
     *                          checked in this order: images (param: the part's path, e.g.
     *                          {@code messages[2].content[1]}), {@code tools},
     *                          {@code response_format}
     */
    public static void check(Model model, Map<String, Object> body) {
        Set<String> caps = model.capabilities() == null ? Model.DEFAULT_CAPABILITIES : model.capabilities();
        if (!caps.contains("vision")) {
            String image = firstImage(body);
            if (image != null) {
                throw GatewayException.invalid(image, "The model '" + model.id() + "' does not accept images"
                        + having(caps) + ". Send text only, or choose a model with vision.");
            }
        }
        if (!caps.contains("tools") && body.get("tools") instanceof List<?> tools && !tools.isEmpty()) {
            throw GatewayException.invalid("tools", "The model '" + model.id() + "' does not support tools"
                    + having(caps) + ". Send the request without 'tools', or choose a model with tools.");
        }
        if (!caps.contains("json") && body.get("response_format") instanceof Map<?, ?> format
                && format.get("type") instanceof String type
                && (type.equals("json_object") || type.equals("json_schema"))) {
            throw GatewayException.invalid("response_format", "The model '" + model.id()
                    + "' does not support JSON output (response_format '" + type + "')" + having(caps)
                    + ". Use response_format 'text', or choose a model with json.");
        }
    }

    /**
     * Where the first image is, for the error's {@code param}.
     *
     * @param body a validated request
     * @return the path of its first {@code image_url} content part, e.g. {@code messages[2].content[1]}, or null
     */
    public static String firstImage(Map<String, Object> body) {
        if (!(body.get("messages") instanceof List<?> messages)) return null;
        for (int i = 0, n = messages.size(); i < n; i++) {
            if (messages.get(i) instanceof Map<?, ?> m && m.get("content") instanceof List<?> parts) {
                for (int j = 0, k = parts.size(); j < k; j++) {
                    if (parts.get(j) instanceof Map<?, ?> p && "image_url".equals(p.get("type"))) {
                        return "messages[" + i + "].content[" + j + "]";
                    }
                }
            }
        }
        return null;
    }

    /** E.g. " (its capabilities are: tools, json, stream)", in {@link Model#CAPABILITIES} order. */
    private static String having(Set<String> caps) {
        StringBuilder b = new StringBuilder(" (its capabilities are: ");
        int start = b.length();
        for (String c : Model.CAPABILITIES) {
            if (caps.contains(c)) b.append(b.length() == start ? "" : ", ").append(c);
        }
        if (b.length() == start) b.append("none");
        return b.append(')').toString();
    }
}
