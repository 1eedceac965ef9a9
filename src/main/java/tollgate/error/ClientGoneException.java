package tollgate.error;

/**
 * The client closed its connection (a write or flush failed). Nothing can be sent to it any
 * more; whoever catches this cancels upstream work and stops. Unchecked so that it can cross
 * {@link tollgate.provider.ChunkSink} without polluting every signature.
 */
public final class ClientGoneException extends RuntimeException {
    public ClientGoneException(Throwable cause) {
        super("client went away", cause, false, false);
    }
}
