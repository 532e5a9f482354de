package dev.meldtown.sync.service;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.Components;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The OpenAPI document's responses that only some operations have ({@code @APIResponse(ref = "NotFound")}). The errors
 * every operation can answer (400, 401, 403, 413, 414, 415, 431, 500, 503) and the {@code Problem} schema come from
 * service-support's {@code ProblemOpenApiFilter}, as in the other services.
 */
@OpenAPIDefinition(
        info = @Info(title = "Meldtown sync", version = "0.1.0"),
        components = @Components(responses = {
                @APIResponse(name = "NotFound", responseCode = "404", description = "Unknown tenant, town, peer or federation",
                        content = @Content(mediaType = "application/problem+json", schema = @Schema(ref = "Problem"))),
                @APIResponse(name = "Conflict", responseCode = "409",
                        description = "The town's Dolt remote of that name points elsewhere, or another operation holds the town",
                        content = @Content(mediaType = "application/problem+json", schema = @Schema(ref = "Problem")))
        }))
public class SyncApi extends Application {
}
