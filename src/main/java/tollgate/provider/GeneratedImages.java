package tollgate.provider;

import java.util.List;
import java.util.Map;

/**
 * Images a provider generated.
 *
 * @param images the images, in the upstream's order (at least one)
 * @param answer the upstream's answer in OpenAI's shape ({@code created}, {@code data}, and what
 *               else it sent: {@code usage}, {@code output_format}, ...), for relaying to a client
 *               of that shape; its {@code data} holds the same strings as {@link #images}
 */
public record GeneratedImages(List<Image> images, Map<String, Object> answer) {

    /**
     * One image: a URL (OpenAI's are valid for 60 minutes) or its bytes in base64.
     *
     * @param url           where to fetch it (may be a {@code data:} URL), or null
     * @param b64Json       the image file in base64 (RFC 4648 §4), or null
     * @param revisedPrompt the prompt the upstream actually used (dall-e-3), or null
     */
    public record Image(String url, String b64Json, String revisedPrompt) { }

    /** The images' media type sniffed from the first bytes of base64 data, or null when not known. */
    public static String mediaType(String b64) {
        if (b64 == null) return null;
        // The base64 of each format's signature: PNG 89 50 4E 47 0D 0A 1A 0A, JPEG FF D8 FF,
        // WebP "RIFF....WEBP" (only RIFF is in the first 4 characters), GIF "GIF8".
        if (b64.startsWith("iVBORw0KGgo")) return "image/png";
        if (b64.startsWith("/9j/")) return "image/jpeg";
        if (b64.startsWith("UklGR")) return "image/webp";
        if (b64.startsWith("R0lGOD")) return "image/gif";
        return null;
    }
}
