package tollgate.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import tollgate.account.Charge;
import tollgate.error.ErrorKind;
import tollgate.error.GatewayException;
import tollgate.http.HttpCall;
import tollgate.http.Multipart;
import tollgate.http.MultipartHeaders;
import tollgate.provider.Transcript;
import tollgate.provider.TranscriptionAudio;
import tollgate.route.Served;
import tollgate.route.ServiceDispatcher;

/**
 * {@code POST /audio/transcriptions} and {@code /audio/translations}: OpenAI's multipart API
 * (protocols.md §5) on any speech-to-text model, answered in the {@code response_format} asked
 * for ({@link SttRender}).
 *
 * <p>The form is read as it arrives ({@link Multipart}). When the {@code model} field comes
 * before the file (the OpenAI Python SDK's order), the file is streamed to the upstream as it is
 * read, and the fields after it are read at its end ({@link SttForm#tail}); otherwise the file
 * is spooled to disk first ({@link SttSpool}), since the model decides where it goes. Limits:
 * {@code speech.max_upload_bytes} (413, also mid-stream for a chunked upload); a body that is not
 * {@code multipart/form-data}, or a file that is not audio, gets a 415.
 */
final class SttOpenAiEndpoint implements Authenticated.Inner {
    static final String FILE = "file";

    private final ServiceDispatcher services;
    private final long maxUploadBytes;
    private final SttSpool spool;
    private final boolean translate;

    SttOpenAiEndpoint(ServiceDispatcher services, long maxUploadBytes, SttSpool spool, boolean translate) {
        this.services = services;
        this.maxUploadBytes = maxUploadBytes;
        this.spool = spool;
        this.translate = translate;
    }

    @Override
    public void handle(HttpCall call, Charge charge) throws IOException {
        String type = call.header("Content-Type");
        long length = call.contentLength();
        InputStream body = call.bodyStream(maxUploadBytes);
        SttForm fields = new SttForm();
        SttSpool.Upload spooled = null;
        Served<Transcript> served;
        try {
            if (!"multipart/form-data".equals(MultipartHeaders.mediaType(type))) {
                throw new GatewayException(ErrorKind.CALLER_UNSUPPORTED_MEDIA_TYPE, "The request must be multipart/form-data with "
                        + "the audio in a 'file' part" + (type == null ? "; it has no Content-Type." : ", not '" + type + "'."));
            }
            Multipart form = new Multipart(body, MultipartHeaders.boundary(type), call.memory());
            TranscriptionAudio audio = null;
            String fileType = null, fileName = null;
            Multipart.Part p;
            while ((p = form.next()) != null) {
                if (!SttForm.isFile(p, FILE)) {
                    fields.field(p.name(), p.text());
                    continue;
                }
                fields.file(p, FILE);
                if (fields.model != null) { // where it goes is known: straight through
                    audio = TranscriptionAudio.stream(p.body(), p.contentType(), p.filename(), -1, () -> fields.tail(form, FILE));
                    break;
                }
                fileType = p.contentType();
                fileName = p.filename();
                call.memory().reserve(SttSpool.COPY_BYTES);
                spooled = spool.copy(p.body());
            }
            if (!fields.hasFile()) {
                throw GatewayException.invalid(FILE, "The form has no 'file' field: send the audio as a file part named 'file'.");
            }
            if (audio == null) {
                audio = TranscriptionAudio.file(spooled.file(), fileType, fileName, spooled.bytes());
                call.log("spooled", true);
            }
            SttDispatch.Request request = new SttDispatch.Request(fields.model, audio, translate, fields.language,
                    java.util.List.copyOf(fields.passOn), null, fields.words(), fields.timed());
            served = SttDispatch.run(call, charge, services, request, length >= 0 ? length : maxUploadBytes);
        } catch (GatewayException e) {
            if (e.httpStatus() != 413) SttDispatch.drain(body);
            throw e;
        } finally {
            if (spooled != null) spooled.close(); // before the answer: a client that has it finds nothing of its upload left
        }
        respond(call, served.value(), fields);
    }

    private void respond(HttpCall call, Transcript t, SttForm fields) throws IOException {
        call.log("response_format", fields.format());
        switch (fields.format()) {
            case "text" -> text(call, SttRender.text(t));
            case "srt" -> text(call, SttRender.srt(t));
            case "vtt" -> text(call, SttRender.vtt(t));
            case "verbose_json" -> call.respondJson(200, SttRender.verbose(t, translate, fields.words(), fields.segments(), fields.language));
            default -> call.respondJson(200, SttRender.json(t));
        }
    }

    /** OpenAI answers text, srt and vtt as {@code text/plain}. */
    static void text(HttpCall call, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        call.respond(200, "text/plain; charset=utf-8", bytes, bytes.length);
    }
}
