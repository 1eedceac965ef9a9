package tollgate.log;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import tollgate.json.Json;
import tollgate.json.JsonBuffer;

/**
 * The gateway's only log: one line per event on standard output, JSON lines by default or
 * {@link HumanLine human-readable} ones ({@link #configure}), written by one
 * background virtual thread so that a request never waits on the terminal or a pipe (the
 * access line is on the hot path). The writer wakes every {@link #WRITE_INTERVAL} and writes
 * what has gathered in one system call, rather than being woken for each line, which would
 * cost every request a thread hand-off. Lines are queued up to {@link #MAX_QUEUED_LINES}; past
 * that they are dropped and counted rather than blocking a request, and the count is logged.
 *
 * <p>Lines below the {@linkplain #configure configured level} (info by default) are dropped
 * before they are queued. Every line, the access line included, goes through the same format.
 *
 * <p>Never pass secrets (API keys) to this class.
 */
public final class Log {
    /** Severity, lowest first; a line is written when its level is at least the configured one. */
    public enum Level {
        DEBUG, INFO, WARN, ERROR;

        /** The name used in lines and on the command line: {@code debug}, {@code info}, ... */
        public String label() { return name().toLowerCase(java.util.Locale.ROOT); }

        /** The level named {@code s} (as {@link #label}), or null. */
        public static Level of(String s) {
            return switch (s) {
                case "debug" -> DEBUG;
                case "info" -> INFO;
                case "warn" -> WARN;
                case "error" -> ERROR;
                default -> null;
            };
        }
    }

    /** How lines are written: JSON objects, or {@code 01:02:03.456 INFO  event key=value ...} for people. */
    public enum Format { JSON, HUMAN }

    private static volatile Level threshold = Level.INFO;
    private static volatile Format format = Format.JSON;

    /** Lines waiting to be written before new ones are dropped. */
    public static final int MAX_QUEUED_LINES = 65_536;
    /** How often queued lines are written; also the longest a line waits. */
    public static final Duration WRITE_INTERVAL = Duration.ofMillis(20);
    /** Bytes gathered before one write to stdout. */
    private static final int WRITE_BATCH_BYTES = 64 * 1024;

    private static final ConcurrentLinkedQueue<byte[]> QUEUE = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger QUEUED = new AtomicInteger();
    private static final AtomicLong DROPPED = new AtomicLong();
    private static final AtomicLong OFFERED = new AtomicLong();
    private static volatile long written;
    private static final OutputStream OUT = new FileOutputStream(FileDescriptor.out);
    private static final Thread WRITER = Thread.ofVirtual().name("tollgate-log").start(Log::drainForever);

    private Log() { throw new AssertionError(); }

    /**
     * Sets the level threshold and the format, once at start-up (the command line's
     * {@code --log-level} and {@code --log-format}); lines already queued keep their format.
     */
    public static void configure(Level level, Format lineFormat) {
        threshold = level;
        format = lineFormat;
    }

    /** Human lines when standard output is a terminal, JSON lines otherwise (a pipe, a file, journald). */
    public static Format defaultFormat() { return HumanLine.stdoutIsTerminal() ? Format.HUMAN : Format.JSON; }

    public static Level level() { return threshold; }

    public static Format format() { return format; }

    /** Whether a line at {@code level} would be written (to skip building a debug line's fields). */
    public static boolean enabled(Level level) { return level.compareTo(threshold) >= 0; }

    /** Detail for finding a fault, off unless {@code --log-level debug}. */
    public static void debug(String event, Object... fields) { event(Level.DEBUG, event, fields); }

    /** An informational event, e.g. {@code info("listening", "url", url)}. */
    public static void info(String event, Object... fields) { event(Level.INFO, event, fields); }

    public static void warn(String event, Object... fields) { event(Level.WARN, event, fields); }

    public static void error(String event, Object... fields) { event(Level.ERROR, event, fields); }

    private static void event(Level lvl, String event, Object... fields) {
        if (!enabled(lvl)) return;
        String level = lvl.label();
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", Instant.now().toString());
        line.put("level", level);
        line.put("event", event);
        for (int i = 0; i + 1 < fields.length; i += 2) line.put(String.valueOf(fields[i]), fields[i + 1]);
        write(line);
    }

    /**
     * Queues a line already rendered as one JSON object ({@code {"level":…,"event":…}}),
     * giving it a leading {@code ts} like every other line. For start-up code that renders its
     * own lines (the config loader).
     */
    public static void writeRendered(String jsonObject) {
        // Start-up lines only, so parsing them back (for the level and the human format) costs nothing that matters.
        Map<String, Object> parsed = Json.asObject(Json.parse(jsonObject));
        if (parsed == null) throw new IllegalArgumentException("not a JSON object");
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("ts", Instant.now().toString());
        line.putAll(parsed);
        write(line);
    }

    /**
     * Queues one line (a JSON object, with {@code ts} and {@code level} first) for writing, unless
     * its level is below the threshold. Never blocks.
     */
    public static void write(Map<String, Object> line) {
        if (line.get("level") instanceof String l && !enabled(l)) return;
        if (format == Format.HUMAN) {
            enqueue(HumanLine.render(line).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        JsonBuffer buf = new JsonBuffer(256);
        Json.write(line, buf);
        buf.append((byte) '\n');
        enqueue(buf.toByteArray());
    }

    /** By the label a line carries; an unknown label is written. */
    private static boolean enabled(String label) {
        Level l = Level.of(label);
        return l == null || enabled(l);
    }

    private static void enqueue(byte[] line) {
        if (QUEUED.incrementAndGet() > MAX_QUEUED_LINES) {
            QUEUED.decrementAndGet();
            DROPPED.incrementAndGet();
            return;
        }
        QUEUE.offer(line);
        OFFERED.incrementAndGet();
    }

    /** Waits until queued lines are written, up to the given time; for shutdown and tests. */
    public static void flush(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        long target = OFFERED.get();
        while (written < target && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void drainForever() {
        byte[] batch = new byte[WRITE_BATCH_BYTES];
        while (true) {
            try {
                Thread.sleep(WRITE_INTERVAL);
                byte[] line = QUEUE.poll();
                if (line == null) continue;
                int n = 0;
                long lines = 0;
                do {
                    QUEUED.decrementAndGet();
                    lines++;
                    if (n + line.length > batch.length) {
                        if (n > 0) OUT.write(batch, 0, n);
                        n = 0;
                        if (line.length > batch.length) {
                            OUT.write(line);
                            continue;
                        }
                    }
                    System.arraycopy(line, 0, batch, n, line.length);
                    n += line.length;
                } while ((line = QUEUE.poll()) != null);
                if (n > 0) OUT.write(batch, 0, n);
                OUT.flush();
                written += lines;
                long dropped = DROPPED.getAndSet(0);
                if (dropped > 0) warn("log_lines_dropped", "count", dropped);
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                // stdout is gone (closed pipe): nothing sensible to do but keep draining.
                while (QUEUE.poll() != null) QUEUED.decrementAndGet();
                written = OFFERED.get();
            }
        }
    }
}
