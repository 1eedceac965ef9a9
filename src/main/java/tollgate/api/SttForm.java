package tollgate.api;

import java.io.IOException;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.http.Multipart;
import tollgate.http.MultipartHeaders;

/**
 * The fields of an OpenAI transcription form ({@code /audio/transcriptions},
 * {@code /audio/translations}; protocols.md §5) as they are read, before and after the file:
 * {@code model}, {@code language}, {@code response_format} and {@code timestamp_granularities[]}
 * are the gateway's to act on, {@code stream} is refused when true (no streamed transcripts),
 * and every other field ({@code prompt}, {@code temperature}, ...) goes on to an
 * OpenAI-compatible upstream as it came. Checks give OpenAI's 400s, naming the field.
 */
final class SttForm {
    /** OpenAI's {@code response_format} values. */
    static final List<String> FORMATS = List.of("json", "text", "srt", "verbose_json", "vtt");
    /** OpenAI's {@code timestamp_granularities[]} values. */
    static final Set<String> GRANULARITIES = Set.of("word", "segment");
    /**
     * Media types accepted for the file part (and a raw body) besides audio and video: untyped
     * bytes, and {@code deepgram/audio+video}, what Deepgram's JS SDK v4 sends with every
     * {@code transcribeFile} (and Deepgram accepts).
     */
    static final Set<String> UNTYPED = Set.of("", "application/octet-stream", "application/ogg", "binary/octet-stream",
            "deepgram/audio+video");

    String model;
    String language;
    String format;
    final List<String> granularities = new ArrayList<>();
    final List<Map.Entry<String, String>> passOn = new ArrayList<>();
    private boolean file;

    /** Whether {@code part} is the upload: named {@code file} (or {@code audio}), or carrying a file name. */
    static boolean isFile(Multipart.Part part, String fileField) {
        return fileField.equals(part.name()) || part.filename() != null;
    }

    /**
     * Checks the file part: the one expected, the first, of an audio (or untyped) media type.
     *
     * @throws GatewayException 400 for a second file or one under another name, 415 for a type that is not audio
     */
    void file(Multipart.Part part, String fileField) {
        if (file) throw GatewayException.invalid(fileField, "The form has more than one file; send the audio as one '" + fileField + "' part.");
        if (!fileField.equals(part.name())) {
            throw GatewayException.invalid(part.name(), "The form has a file in field '" + part.name() + "'; send the audio as the '"
                    + fileField + "' field.");
        }
        file = true;
        checkType(part.contentType(), fileField);
    }

    boolean hasFile() { return file; }

    /** @throws GatewayException 415 unless {@code type} is audio, video or untyped; 400 when it is not {@link #checkHeaderSafe safe} */
    static void checkType(String type, String param) {
        checkHeaderSafe(type, param);
        String media = MultipartHeaders.mediaType(type);
        if (media.startsWith("audio/") || media.startsWith("video/") || UNTYPED.contains(media)) return;
        throw new GatewayException(ErrorKind.CALLER_UNSUPPORTED_MEDIA_TYPE, "The audio's Content-Type '" + type.toLowerCase(Locale.ROOT)
                + "' is not an audio or video type; send audio/*, video/* or application/octet-stream.", param);
    }

    /**
     * The audio's Content-Type goes upstream as the request's own (Deepgram) or its form part's
     * (OpenAI): a character an HTTP field value cannot hold (RFC 9110 §5.5; obs-text is not passed
     * on either) would fail the upstream request, or break its form's lines.
     *
     * @throws GatewayException 400 unless {@code type} (may be null) is visible ASCII, spaces and tabs
     */
    static void checkHeaderSafe(String type, String param) {
        if (type == null) return;
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            if ((c < 0x20 && c != '\t') || c > 0x7E) {
                throw GatewayException.invalid(param, "The audio's Content-Type is not a valid media type (RFC 9110 §8.3): it may "
                        + "hold only visible ASCII characters, spaces and tabs.");
            }
        }
    }

    /**
     * Reads a field before the file (all of them, for a spooled upload).
     *
     * @return whether it is passed on upstream
     */
    boolean field(String name, String value) {
        if (name == null) throw GatewayException.invalid(null, "A part of the form has no name (Content-Disposition: form-data; name=...).");
        switch (name) {
            case "model" -> model = once(name, model, value);
            case "language" -> language = once(name, language, value);
            case "response_format" -> {
                format = once(name, format, value);
                if (!FORMATS.contains(value)) {
                    throw GatewayException.invalid(name, "Invalid value for 'response_format': expected one of "
                            + String.join(", ", FORMATS) + ", got '" + value + "'.");
                }
            }
            case "timestamp_granularities[]", "timestamp_granularities" -> {
                if (!GRANULARITIES.contains(value)) {
                    throw GatewayException.invalid("timestamp_granularities[]", "Invalid value for 'timestamp_granularities[]': "
                            + "expected 'word' or 'segment', got '" + value + "'.");
                }
                granularities.add(value);
            }
            case "stream" -> {
                if (!"false".equalsIgnoreCase(value.strip())) {
                    throw GatewayException.invalid(name, "Streamed transcription ('stream': true) is not supported by this gateway.");
                }
            }
            default -> {
                if (name.equals("temperature")) temperature(value);
                passOn.add(new AbstractMap.SimpleImmutableEntry<>(name, value));
                return true;
            }
        }
        return false;
    }

    /**
     * Reads the rest of a form after its streamed file (fields that came after it): their checks
     * as before the file, and the ones an OpenAI-compatible upstream takes, to send after the file.
     */
    List<Map.Entry<String, String>> tail(Multipart form, String fileField) throws IOException {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        Multipart.Part p;
        while ((p = form.next()) != null) {
            if (isFile(p, fileField)) file(p, fileField);
            String name = p.name(), value = p.text();
            if (field(name, value)) {
                out.add(passOn.remove(passOn.size() - 1));
            } else if (name.equals("language") || name.startsWith("timestamp_granularities")) {
                out.add(new AbstractMap.SimpleImmutableEntry<>(name, value)); // too late for the head: the upstream reads it here
            }
        }
        return out;
    }

    /** The format asked for, {@code json} by default. */
    String format() { return format == null ? "json" : format; }

    /** Word timestamps asked for (verbose_json with {@code timestamp_granularities[]=word}). */
    boolean words() { return "verbose_json".equals(format()) && granularities.contains("word"); }

    /** Segment timestamps in verbose_json: asked for, or no granularity given (OpenAI's default). */
    boolean segments() { return granularities.isEmpty() || granularities.contains("segment"); }

    /** Whether the format needs timings: srt, vtt, verbose_json. */
    boolean timed() { return !format().equals("json") && !format().equals("text"); }

    private static String once(String name, String had, String value) {
        if (had != null) throw GatewayException.invalid(name, "The form has the field '" + name + "' more than once.");
        return value;
    }

    private static void temperature(String value) {
        try {
            double t = Double.parseDouble(value.strip());
            if (t >= 0 && t <= 1) return;
        } catch (NumberFormatException e) {
            // below
        }
        throw GatewayException.invalid("temperature", "Invalid value for 'temperature': expected a number from 0 to 1, got '" + value + "'.");
    }
}
