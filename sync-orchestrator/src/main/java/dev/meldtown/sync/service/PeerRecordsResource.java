package dev.meldtown.sync.service;

import dev.meldtown.events.Payloads;
import dev.meldtown.service.Access;
import dev.meldtown.service.ProblemException;
import dev.meldtown.service.Role;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponses;

/** Issue 13: a pair's sync history, its kept row conflicts, and their row-level resolution. */
@Path("/v1/tenants/{tenant}")
@Produces(MediaType.APPLICATION_JSON)
public class PeerRecordsResource {
    @Inject
    PeerRecords records;

    @Inject
    Access access;

    @APIResponses({
            @APIResponse(responseCode = "200", description = "Past results of the pair's operations, newest first",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = ApiSchemas.SyncResult.class, type = SchemaType.ARRAY))),
            @APIResponse(ref = "NotFound")
    })
    @GET
    @Path("/towns/{town}/peers/{peer}/syncs")
    public List<Payloads.SyncResult> syncs(@PathParam("tenant") String tenant, @PathParam("town") String town,
                                           @PathParam("peer") String peer,
                                           @Parameter(description = "how many, 1 to meldtown.sync-ledger.history-per-peer (300); default 20",
                                                   schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "300"))
                                           @QueryParam("limit") String limit) {
        SyncResource.authorize(access, tenant, Role.READER);
        return records.history(tenant, town, peer, limit(limit));
    }

    @APIResponses({
            @APIResponse(responseCode = "200", description = "The row conflicts a manual sync kept, with the heads they were computed from",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = ApiSchemas.ConflictSet.class))),
            @APIResponse(ref = "NotFound")
    })
    @GET
    @Path("/towns/{town}/peers/{peer}/conflicts")
    public Model.ConflictSetView conflicts(@PathParam("tenant") String tenant, @PathParam("town") String town,
                                           @PathParam("peer") String peer) {
        SyncResource.authorize(access, tenant, Role.READER);
        return records.conflicts(tenant, town, peer);
    }

    @APIResponses({
            @APIResponse(responseCode = "200", description = "The merge, committed with the chosen rows (and pushed when the kept sync would have)",
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = ApiSchemas.SyncResult.class))),
            @APIResponse(ref = "NotFound"),
            @APIResponse(responseCode = "409", description = "The town's or the peer's head moved since the conflicts were computed",
                    content = @Content(mediaType = "application/problem+json", schema = @Schema(ref = "Problem"))),
            @APIResponse(responseCode = "422", description = "The rows do not match the kept conflicts, do not cover them all, or a value was refused",
                    content = @Content(mediaType = "application/problem+json", schema = @Schema(ref = "Problem")))
    })
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Path("/towns/{town}/peers/{peer}/resolve")
    public Payloads.SyncResult resolve(@PathParam("tenant") String tenant, @PathParam("town") String town,
                                       @PathParam("peer") String peer,
                                       @org.eclipse.microprofile.openapi.annotations.parameters.RequestBody(content = @Content(
                                               mediaType = "application/json", schema = @Schema(implementation = ApiSchemas.Resolve.class)))
                                       Model.ResolveRequest body) {
        SyncResource.authorize(access, tenant, Role.WRITER);
        return records.resolve(tenant, town, peer, body);
    }

    /** An optional integer query parameter; anything else is 400 (the range is the service's). */
    private static Integer limit(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return Integer.valueOf(value);
        } catch (NumberFormatException e) {
            throw new ProblemException(400, "bad-request", "Bad Request", "query parameter limit must be an integer");
        }
    }
}
