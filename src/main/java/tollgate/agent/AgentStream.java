package tollgate.agent;

import tollgate.route.ChatSink;

/**
 * Where a streamed execution's answer goes (a chat completions stream): the {@link ChatSink} of
 * every model call, through which only what the client sees as the answer passes. Per model
 * call, {@link #begin} once at its first content, then its chunks with their text (content,
 * refusal; the assistant role), never its tool call deltas, finish reason or usage: the loop
 * keeps those, and the surface ends the stream from the {@link Outcome}. Called on the loop's
 * thread.
 */
public interface AgentStream extends ChatSink {

    /** Sends what chunks passed with {@code moreReady} true left waiting (the loop dropped the next one). */
    void flush();
}
