package dev.meldtown.blockstore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.blockstore.internal.Names;
import dev.meldtown.blockstore.internal.Quotas;
import dev.meldtown.service.Access;
import dev.meldtown.service.ProblemException;
import dev.meldtown.service.Role;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code PUT /v1/tenants/{tenant}/quota} (operator only, issue 14): a deployment operator sets a tenant's limits;
 * a tenant's own admin cannot, so a tenant never lifts its own limits.
 */
@Path("/v1/tenants/{tenant}/quota")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "quotas")
public class QuotaResource {
    /** The largest values accepted (beyond them a limit is no limit: leave the field out or null for the default). */
    static final long MAX_BYTES = 1L << 60;
    static final long MAX_DOCUMENTS = 1_000_000_000L;
    static final long MAX_WRITES_PER_SECOND = 1_000_000L;
    private static final Set<String> FIELDS = Set.of("maxBytes", "maxDocuments", "writesPerSecond");

    @Inject
    Access access;

    @Inject
    Quotas quotas;

    /** The body of a quota change: each limit, or null (or absent) for the deployment's default. */
    @Schema(name = "QuotaRequest")
    public record QuotaRequest(@Schema(nullable = true, minimum = "0", maximum = "1152921504606846976") Long maxBytes,
                               @Schema(nullable = true, minimum = "0", maximum = "1000000000") Long maxDocuments,
                               @Schema(nullable = true, minimum = "1", maximum = "1000000") Long writesPerSecond) {
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set a tenant's limits (operator); a null or absent field takes the deployment's default")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = QuotaRequest.class)))
    @APIResponse(responseCode = "200", description = "The limits in force and the tenant's usage",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = UsageResource.UsageView.class)))
    @APIResponse(responseCode = "410", description = "The tenant was deleted")
    public UsageResource.UsageView put(@PathParam("tenant") String tenant, JsonNode body) {
        Names.name("tenant", tenant);
        access.require(tenant, Role.OPERATOR);
        if (body == null || !body.isObject()) {
            throw badRequest("a JSON object with maxBytes, maxDocuments and writesPerSecond is required");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw badRequest("unknown field '" + (name.length() > 40 ? name.substring(0, 40) + "…" : name)
                        + "': a quota has maxBytes, maxDocuments and writesPerSecond");
            }
        }
        Quotas.Limits limits = new Quotas.Limits(field(body, "maxBytes", 0, MAX_BYTES), field(body, "maxDocuments", 0, MAX_DOCUMENTS),
                field(body, "writesPerSecond", 1, MAX_WRITES_PER_SECOND));
        return UsageResource.UsageView.of(tenant, quotas.setLimits(tenant, limits));
    }

    /** An integer from {@code min} to {@code max}, or null when absent or null. */
    private static Long field(JsonNode body, String name, long min, long max) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            String shown = v.toString();
            throw new ProblemException(400, "invalid-request", "Bad Request",
                    name + " must be an integer from " + min + " to " + max + " (or null for the deployment's default), got "
                            + (shown.length() > 40 ? shown.substring(0, 40) + "…" : shown), Map.of("field", name));
        }
        return v.asLong();
    }

    private static ProblemException badRequest(String detail) {
        return new ProblemException(400, "invalid-request", "Bad Request", detail);
    }
}
