package dev.meldtown.blockstore;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /console/config}: where the web console (module {@code console}, served at {@code /console/}) finds the
 * sync-orchestrator's public API. No token and no tenant data: the console reaches both services with the user's token,
 * the sync-orchestrator cross-origin (its CORS allows the console's origin, console/README.md).
 */
@Path("/console/config")
@Tag(name = "console")
public class ConsoleResource {
    /** The console's configuration: the base URL of the sync-orchestrator, as the browser reaches it (null: the console's origin). */
    public record ConsoleConfig(String syncUrl) {
    }

    @ConfigProperty(name = "meldtown.console.sync-url")
    java.util.Optional<String> syncUrl;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The web console's configuration (no authentication: it holds no tenant data)")
    public ConsoleConfig config() {
        return new ConsoleConfig(syncUrl.orElse(null));
    }
}
