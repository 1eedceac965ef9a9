package tollgate.log;

import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Exceptions as a user reads them: what went wrong in words, never a Java class name (an
 * exception's {@code toString()} starts with one). For messages printed by the command line and
 * written to the log.
 */
public final class Failures {
    private Failures() { throw new AssertionError(); }

    /**
     * A class name leading a message: {@code new IOException(cause)} takes {@code cause.toString()},
     * "java.security.UnrecoverableKeyException: ...", as its message.
     */
    private static final java.util.regex.Pattern LEADING_CLASS =
            java.util.regex.Pattern.compile("^(?:(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)(?::\\s*|$))+");

    /** Longest message kept from an exception, in chars: some carry a whole response or file. */
    static final int MAX_MESSAGE_CHARS = 300;

    /** What {@code e} says went wrong, e.g. "permission denied" or "no such host or address". */
    public static String describe(Throwable e) {
        String m = e.getMessage();
        String file = e instanceof FileSystemException f && f.getFile() != null ? f.getFile() + ": " : "";
        return switch (e) {
            case NoSuchFileException f -> file + "no such file or directory";
            case AccessDeniedException f -> file + "permission denied";
            case FileAlreadyExistsException f -> file + "already exists";
            case NotDirectoryException f -> file + "not a directory";
            case DirectoryNotEmptyException f -> file + "directory not empty";
            case FileSystemException f when f.getReason() != null -> file + clip(f.getReason());
            case UnknownHostException u -> "no such host or address" + (m != null ? " (" + clip(m) + ")" : "");
            case BindException b -> m != null ? lower(m) : "cannot bind";
            case ConnectException c -> m != null ? lower(m) : "connection refused";
            case SocketException s when "Unresolved address".equals(m) -> "no such host or address";
            case OutOfMemoryError o -> "out of memory (raise -Xmx in conf/jvm.options)";
            default -> m != null && !m.isBlank() ? clip(m) : "unexpected internal error";
        };
    }

    /** "Address already in use" reads better inside a sentence as "address already in use". */
    private static String lower(String m) {
        return m.length() > 1 && Character.isUpperCase(m.charAt(0)) && Character.isLowerCase(m.charAt(1))
                ? Character.toLowerCase(m.charAt(0)) + clip(m.substring(1)) : clip(m);
    }

    private static String clip(String message) {
        String m = LEADING_CLASS.matcher(message).replaceFirst("");
        if (m.isBlank()) m = "unexpected internal error";
        return m.length() <= MAX_MESSAGE_CHARS ? m : m.substring(0, MAX_MESSAGE_CHARS) + "...";
    }
}
