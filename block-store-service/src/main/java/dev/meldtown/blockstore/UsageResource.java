package dev.meldtown.blockstore;

import dev.meldtown.blockstore.internal.Names;
import dev.meldtown.blockstore.internal.Quotas;
import dev.meldtown.service.Access;
import dev.meldtown.service.Role;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code GET /v1/tenants/{tenant}/usage} (reader, issue 14): what the tenant uses and the limits in force. */
@Path("/v1/tenants/{tenant}/usage")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "quotas")
public class UsageResource {
    @Inject
    Access access;

    @Inject
    Quotas quotas;

    /** Limits in force; null = no limit. */
    @Schema(name = "QuotaLimits")
    public record LimitsView(@Schema(nullable = true) Long maxBytes, @Schema(nullable = true) Long maxDocuments,
                             @Schema(nullable = true) Long writesPerSecond) {
    }

    /** A tenant's usage: stored bytes of its replica files and its documents, with the limits in force. */
    @Schema(name = "TenantUsage")
    public record UsageView(String tenant, long bytes, long documents, LimitsView limits,
                            @Schema(description = "true when an operator set this tenant's limits, false when they are the deployment's defaults") boolean overridden) {
        static UsageView of(String tenant, Quotas.Usage u) {
            return new UsageView(tenant, u.bytes(), u.documents(),
                    new LimitsView(u.limits().maxBytes(), u.limits().maxDocuments(), u.limits().writesPerSecond()), u.overridden());
        }
    }

    @GET
    @Operation(summary = "The tenant's usage and limits (reader)")
    @APIResponse(responseCode = "200", description = "Usage and limits",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = UsageView.class)))
    @APIResponse(responseCode = "410", description = "The tenant was deleted")
    public UsageView get(@PathParam("tenant") String tenant) {
        Names.name("tenant", tenant);
        access.require(tenant, Role.READER);
        return UsageView.of(tenant, quotas.usage(tenant));
    }
}
