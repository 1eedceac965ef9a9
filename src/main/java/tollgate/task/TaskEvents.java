package tollgate.task;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import tollgate.account.DurableFiles;
import tollgate.json.Json;
import tollgate.json.JsonNumber;
import tollgate.log.Log;

/**
 * A task's events: {@code events.jsonl} in its directory, append-only, one JSON object per line
 * ({@code {"id":n,"event":type,"data":{…}}}, ids from 1 without gaps), so that a client following
 * them resumes after a gateway restart too ({@code Last-Event-ID}, WHATWG HTML §9.2.4).
 *
 * <p>Status, approval, result and error events are fsync'd before anyone is told of them;
 * progress events (steps, tools) are not (the checkpoint written just before a step event is).
 * Progress events stop being kept past {@link #MAX_PROGRESS_BYTES} (one {@code truncated} event
 * says so); the others always are. No line longer than {@link #MAX_EVENT_BYTES} is written (such
 * an event, a step with large images, a huge result, is written as a stand-in with its small
 * members and a note: the task itself has it whole), so that every event written can be read. A
 * line torn by a crash is cut off at start-up ({@link #recover}), never read as an event.
 */
final class TaskEvents {
    private TaskEvents() { throw new AssertionError(); }

    static final String FILE = "events.jsonl";
    /** Bytes of the log past which progress events are no longer written. */
    static final long MAX_PROGRESS_BYTES = 8L * 1024 * 1024;
    /** Longest event line read, in bytes; a longer one (written by hand) is skipped. */
    static final int MAX_EVENT_BYTES = 16 * 1024 * 1024;
    /** Longest events log scanned at start-up, in bytes. */
    static final long MAX_FILE_BYTES = 256L * 1024 * 1024;
    /** Longest string member a too-large event's stand-in keeps, in characters. */
    static final int MAX_KEPT_STRING_CHARS = 1024;

    /** One event as kept. */
    record Event(long id, String type, Map<String, Object> data) {}

    /**
     * Appends an event; the caller holds {@code e.lock}. Followers are signalled.
     *
     * @param progress a step or tool event: dropped past {@link #MAX_PROGRESS_BYTES}, not fsync'd
     * @return whether it was written
     */
    static boolean append(TaskEntry e, Path dir, String type, Map<String, Object> data, boolean progress) throws IOException {
        if (progress && e.eventBytes >= MAX_PROGRESS_BYTES) {
            if (e.progressTruncated) return false;
            e.progressTruncated = true;
            type = "truncated";
            data = Map.of("message", "Progress events past " + MAX_PROGRESS_BYTES + " bytes are not kept; GET the task for its steps.");
        }
        byte[] json = line(e.lastEventId + 1, type, data);
        if (json.length + 1 > MAX_EVENT_BYTES) json = line(e.lastEventId + 1, type, standIn(data, json.length));
        byte[] bytes = new byte[json.length + 1];
        System.arraycopy(json, 0, bytes, 0, json.length);
        bytes[json.length] = '\n';
        Path file = dir.resolve(FILE);
        boolean created = e.eventBytes == 0 && !Files.exists(file);
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (created) DurableFiles.ownerOnly(file); // the events quote the conversation's results
            // At the committed length, not the file's end: a write that failed halfway is overwritten.
            c.truncate(e.eventBytes);
            ByteBuffer b = ByteBuffer.wrap(bytes);
            long at = e.eventBytes;
            while (b.hasRemaining()) at += c.write(b, at);
            if (!progress) c.force(false);
        }
        e.lastEventId++;
        e.eventBytes += bytes.length;
        e.changed.signalAll();
        return true;
    }

    private static byte[] line(long id, String type, Map<String, Object> data) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("id", id);
        line.put("event", type);
        line.put("data", data);
        return Json.toBytes(line);
    }

    /** What is written for an event of {@code bytes} too many to read back: its scalar members (short strings), and a note. */
    private static Map<String, Object> standIn(Map<String, Object> data, long bytes) {
        Map<String, Object> kept = new LinkedHashMap<>();
        for (Map.Entry<String, Object> m : data.entrySet()) {
            Object v = m.getValue();
            if (v == null || v instanceof Number || v instanceof Boolean || v instanceof JsonNumber
                    || v instanceof String str && str.length() <= MAX_KEPT_STRING_CHARS) {
                kept.put(m.getKey(), v);
            }
        }
        kept.put("omitted", "This event's data was " + bytes + " bytes, more than an event may hold (" + MAX_EVENT_BYTES
                + "); GET the task for it.");
        return kept;
    }

    /**
     * Reads the events between byte offsets {@code from} and {@code to} (both at line starts),
     * handing each to {@code each} as it is read.
     */
    static void read(Path dir, long from, long to, Consumer<Event> each) throws IOException {
        if (to <= from) return;
        try (FileChannel c = FileChannel.open(dir.resolve(FILE), StandardOpenOption.READ)) {
            c.position(from);
            InputStream in = new BufferedInputStream(Channels.newInputStream(c), 64 * 1024);
            ByteArrayOutputStream line = new ByteArrayOutputStream(512);
            long left = to - from;
            boolean tooLong = false;
            while (left > 0) {
                int b = in.read();
                if (b < 0) break;
                left--;
                if (b != '\n') {
                    if (line.size() < MAX_EVENT_BYTES) line.write(b);
                    else tooLong = true;
                    continue;
                }
                if (!tooLong) {
                    Event ev = parse(line.toByteArray());
                    if (ev != null) each.accept(ev);
                } else {
                    Log.warn("task_event_skipped", "file", dir.resolve(FILE).toString(), "reason", "longer than " + MAX_EVENT_BYTES + " bytes");
                }
                line.reset();
                tooLong = false;
            }
        }
    }

    /**
     * At start-up: the last event's id and the log's length up to its last complete event, the
     * rest (a line torn by a crash) cut off. {@code {0, 0}} without a log.
     */
    static long[] recover(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) return new long[] {0, 0};
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) throw new IOException(file + ": larger than " + MAX_FILE_BYTES + " bytes");
        long lastId = 0, kept = 0, offset = 0;
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(c), 64 * 1024);
            ByteArrayOutputStream line = new ByteArrayOutputStream(512);
            int b;
            while ((b = in.read()) >= 0) {
                offset++;
                if (b != '\n') {
                    if (line.size() <= MAX_EVENT_BYTES) line.write(b);
                    continue;
                }
                if (line.size() > MAX_EVENT_BYTES) {
                    // Complete (its line break was written after it), so committed: an event too long
                    // to read (written by an earlier version), skipped by readers, not the log's end.
                    line.reset();
                    lastId++;
                    kept = offset;
                    Log.warn("task_event_too_long", "file", file.toString(), "id", lastId);
                    continue;
                }
                Event ev = parse(line.toByteArray());
                line.reset();
                if (ev == null || ev.id() != lastId + 1) break; // torn, or not ours: the log ends before it
                lastId = ev.id();
                kept = offset;
            }
        }
        if (kept < size) {
            Log.warn("task_events_truncated", "file", file.toString(), "kept_bytes", kept, "dropped_bytes", size - kept);
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                c.truncate(kept);
                c.force(false);
            }
        }
        return new long[] {lastId, kept};
    }

    /** An event line, or null when it is not one (a torn line). */
    private static Event parse(byte[] line) {
        try {
            Map<String, Object> m = Json.asObject(Json.parse(line));
            if (m == null || !(m.get("id") instanceof JsonNumber id) || !id.isInteger() || !(m.get("event") instanceof String type)) return null;
            Map<String, Object> data = Json.asObject(m.get("data"));
            return new Event(id.longValue(), type, data == null ? Map.of() : data);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
