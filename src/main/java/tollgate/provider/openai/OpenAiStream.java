package tollgate.provider.openai;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.json.Json;
import tollgate.json.JsonException;
import tollgate.json.MemberScan;
import tollgate.provider.RawChunk;
import tollgate.provider.SseEvent;
import tollgate.provider.StreamDecoder;
import tollgate.provider.UpstreamErrors;
import tollgate.provider.Usage;

/**
 * An OpenAI-format stream (protocols.md §2): each {@code data:} event is one chunk, passed on as
 * parsed; {@code [DONE]} ends it; {@code {"error":…}} or {@code event: error} is the upstream's
 * error.
 *
 * <p>Chunks are passed through as the upstream's bytes ({@link #passThrough}); only the end
 * marker, errors and the chunk with usage are parsed.
 *
 * <p>One normalisation: a chunk that carries both choices and {@code usage} (Mistral, some vLLM
 * versions put usage on the last choice chunk) is split in two, the choices first and then
 * OpenAI's separate usage chunk ({@code "choices":[]}), so that every provider's stream ends the
 * way {@code stream_options.include_usage} documents.
 */
final class OpenAiStream implements StreamDecoder {
    private final String providerId;
    private final RawChunk raw = new RawChunk();
    private Usage usage = Usage.NONE;

    OpenAiStream(String providerId) {
        this.providerId = providerId;
    }

    /**
     * Passes a plain chunk through as bytes: anything but the end marker, an error, or a chunk
     * with usage (read here, and split as above), which {@link #decode} handles.
     */
    @Override
    public RawChunk passThrough(byte[] data, int length, String type) {
        if ("error".equals(type) || !raw.scan(data, 0, length)) return null; // [DONE] is not an object
        MemberScan s = raw.scan();
        if (s.irregular() || (s.has(RawChunk.ERROR) && !s.isNull(RawChunk.ERROR))
                || (s.has(RawChunk.USAGE) && !s.isNull(RawChunk.USAGE))) {
            return null;
        }
        return raw;
    }

    @Override
    public boolean decode(SseEvent event, List<Map<String, Object>> out) {
        if (event.isDone()) return true;
        Map<String, Object> chunk;
        try {
            chunk = Json.asObject(Json.parse(event.data()));
        } catch (JsonException e) {
            chunk = null;
        }
        if (chunk == null) {
            throw new GatewayException(ErrorKind.PROVIDER_ERROR,
                    "Provider '" + providerId + "' sent a stream event that is not a JSON object", null, 200, null);
        }
        if (chunk.get("error") != null || "error".equals(event.event())) {
            throw UpstreamErrors.fromErrorObject(providerId, chunk.getOrDefault("error", chunk));
        }
        Object reported = chunk.get("usage");
        if (reported instanceof Map<?, ?>) {
            usage = Usage.fromJson(reported);
            if (chunk.get("choices") instanceof List<?> choices && !choices.isEmpty()) {
                out.add(withoutUsage(chunk));
                Map<String, Object> usageChunk = new LinkedHashMap<>(chunk);
                usageChunk.put("choices", new ArrayList<>(0));
                out.add(usageChunk);
                return false;
            }
        }
        out.add(chunk);
        return false;
    }

    private static Map<String, Object> withoutUsage(Map<String, Object> chunk) {
        Map<String, Object> copy = new LinkedHashMap<>(chunk);
        copy.put("usage", null);
        return copy;
    }

    @Override
    public Usage usage() { return usage; }
}
