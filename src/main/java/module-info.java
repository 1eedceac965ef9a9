/** Tollgate: an OpenAI-compatible LLM gateway on the JDK alone. */
module tollgate {
    requires jdk.httpserver;
    requires java.net.http;
    // sun.misc.Signal: SIGHUP reloads the config (issue 13); the JDK has no supported API for it.
    requires jdk.unsupported;
}
