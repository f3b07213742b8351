package dev.uem.serve;

/** A request the service refuses with {@code 400}: the message is one line that names the field at fault. */
public final class BadRequest extends RuntimeException {
    public BadRequest(String message) {
        super(message);
    }
}
