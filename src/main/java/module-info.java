/** Tollgate: an OpenAI-compatible LLM gateway on the JDK alone. */
module tollgate {
    requires jdk.httpserver;
    requires java.net.http;
}
