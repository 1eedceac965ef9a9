/** Tollgate: an OpenAI-compatible LLM gateway on the JDK alone. */
module tollgate {
    // GC counts and times for /metrics (issue 13): the JDK has no other API for them.
    requires java.management;
    requires jdk.httpserver;
    requires java.net.http;
}
