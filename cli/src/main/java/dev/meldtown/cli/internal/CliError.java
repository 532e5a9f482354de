package dev.meldtown.cli.internal;

/** An error the CLI reports as one stderr line with a chosen exit code. */
public final class CliError extends RuntimeException {
    private final int exitCode;

    public CliError(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    /** With the cause that {@code --verbose} shows. */
    public CliError(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
