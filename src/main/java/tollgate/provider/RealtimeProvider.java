package tollgate.provider;

/**
 * Capability: realtime speech-to-speech sessions over WebSocket (OpenAI's Realtime API,
 * {@code /v1/realtime?model=...}; issue 11).
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #connect} runs on the caller's (virtual) thread and blocks it until the upstream
 *       handshake is done; it returns the open session, or throws a classified
 *       {@link tollgate.error.GatewayException}: a refused handshake by its status (401/403
 *       {@code PROVIDER_AUTH_FAILED}, 429 {@code PROVIDER_RATE_LIMITED} with its
 *       {@code retry-after}, 5xx {@code PROVIDER_ERROR}, other 4xx {@code PROVIDER_ERROR} too),
 *       no connection {@code PROVIDER_UNAVAILABLE}, no answer within the provider's timeout
 *       {@code PROVIDER_TIMEOUT}. Messages are scrubbed of the configured secrets.</li>
 *   <li>The provider key goes upstream (OpenAI: {@code Authorization: Bearer}); nothing of the
 *       client's credentials does.</li>
 *   <li>Before blocking it registers what aborts the connect with {@link RealtimeCall#cancellation()};
 *       when that fires it throws {@link tollgate.error.ClientGoneException}.</li>
 *   <li>After the connect, messages reach {@code listener} as {@link RealtimeListener} says,
 *       one per {@link RealtimeUpstream#request()}: the first after the gateway's first request.
 *       A message over {@code maxMessageBytes} ends the session with {@link RealtimeListener#onError}.</li>
 * </ul>
 */
public interface RealtimeProvider extends Provider {
    RealtimeUpstream connect(RealtimeCall call, RealtimeListener listener, int maxMessageBytes);
}
