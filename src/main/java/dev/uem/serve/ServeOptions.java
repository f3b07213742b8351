package dev.uem.serve;

/**
 * How {@code uem serve} listens and batches.
 *
 * @param host       the address to bind (loopback unless told otherwise)
 * @param port       the port, 0 for any free one
 * @param maxBatch   most requests one model call answers
 * @param maxDelayMs how long a batch's first request waits for others
 * @param queue      most requests waiting; more are refused with 503
 * @param timeoutMs  a request not answered within this gets 504
 * @param token      the bearer token every route but the health checks and the page's files needs; null for none
 */
public record ServeOptions(
        String host, int port, int maxBatch, int maxDelayMs, int queue, int timeoutMs, String token) {
    public ServeOptions {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port: expected 0 to 65535, found " + port);
        if (maxBatch < 1 || maxBatch > 1024)
            throw new IllegalArgumentException("max batch: expected 1 to 1024, found " + maxBatch);
        if (maxDelayMs < 0 || maxDelayMs > 10_000)
            throw new IllegalArgumentException("max delay: expected 0 to 10000 ms, found " + maxDelayMs);
        if (queue < 1) throw new IllegalArgumentException("queue: expected at least 1, found " + queue);
        if (timeoutMs < 1) throw new IllegalArgumentException("timeout: expected at least 1 ms, found " + timeoutMs);
        if (token != null && token.isBlank()) throw new IllegalArgumentException("token: empty");
    }
}
