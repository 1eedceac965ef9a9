/** Tollgate: an OpenAI-compatible LLM gateway on the JDK alone. */
module tollgate {
    // GC counts and times for /metrics (issue 13): the JDK has no other API for them.
    requires java.management;
    requires jdk.httpserver;
    requires java.net.http;
    // sun.misc.Signal: SIGHUP reloads the config (issue 13); the JDK has no supported API for it.
    requires jdk.unsupported;
}
