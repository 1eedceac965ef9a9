package tollgate.tool.mcp;

/**
 * One MCP exchange that did not give an answer. The message names the server and says what went
 * wrong in words the model and the log may both see: never the server's URL, the token or a
 * configured header's value (a server's own error text is scrubbed of them before it gets here).
 */
final class McpException extends Exception {

    /** What kind of failure, deciding the tool call's outcome and whether discovery retries. */
    enum Kind {
        /** No connection, or it broke before the answer: the server is down or gone. */
        UNREACHABLE,
        /** HTTP 401 or 403: the token (or a header) is wrong; retried, in case it is rotated. */
        UNAUTHORIZED,
        /** HTTP 404 on a request carrying a session id: the server forgot the session (MCP transports §Session Management). */
        SESSION_GONE,
        /** An answer that is not the protocol's: wrong status, content type, JSON, or version. */
        PROTOCOL,
        /** A JSON-RPC {@code error} object (unknown tool, invalid arguments). */
        RPC_ERROR,
        /** An answer over the byte cap. */
        TOO_LARGE,
        /** The call's deadline passed. */
        TIMEOUT,
        /** The caller left (its cancellation fired), or the gateway is stopping. */
        CANCELLED
    }

    private final Kind kind;

    McpException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    Kind kind() { return kind; }
}
